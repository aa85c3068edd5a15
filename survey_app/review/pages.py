"""What the reviewer's flag list and case page show, read within the reviewer's scope.

The caller passes the municipalities the reviewer may see (tracking.scoped_municipalities)
or has enforced access to the one municipality of a case, so nothing here checks access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from forms.builder import render_text
from forms.diff import Change, changes
from forms.money import NumberError, parse_amount, to_ore
from survey_app.extensions import db
from survey_app.models import (
    Claim,
    Flag,
    FlagStatus,
    Grant,
    Municipality,
    Response,
    ReviewComment,
    Round,
    Submission,
)
from survey_app.rules.cases import CaseStatus
from survey_app.services import responses
from survey_app.services.cases import case_statuses
from survey_app.services.receipts import Line, receipt_lines


def text_in(texts: Mapping[str, str] | None, language: str) -> str:
    """A {nb, nn} text of a flag's explanation in the UI language (English reads bokmål)."""
    texts = texts or {}
    return texts.get(language) or texts.get("nb") or ""


# ---- the flags of a round --------------------------------------------------------------------


@dataclass(frozen=True)
class FlagRow:
    municipality: Municipality
    flag: Flag


@dataclass(frozen=True)
class FlagFilter:
    county: str = ""
    office: str = ""
    status: str = ""
    rule: str = ""
    min_amount: str = ""  # as typed
    min_ore: int | None = None
    error: str = ""  # the minimum amount could not be read

    @classmethod
    def from_args(cls, args: Mapping[str, str], language: str) -> FlagFilter:
        values = {k: (args.get(k) or "").strip()
                  for k in ("county", "office", "status", "rule", "min_amount")}
        min_ore, error = None, ""
        if values["min_amount"]:
            try:
                min_ore = to_ore(parse_amount(values["min_amount"]))
            except NumberError as problem:
                error = problem.text(language)
        return cls(min_ore=min_ore, error=error, **values)

    def admits(self, row: FlagRow) -> bool:
        m, flag = row.municipality, row.flag
        return ((not self.county or m.county_number == self.county)
                and (not self.office or m.office == self.office)
                and (not self.status or flag.status == self.status)
                and (not self.rule or flag.rule_id == self.rule)
                and (self.min_ore is None or flag.amount_ore >= self.min_ore))


def flag_rows(round_: Round, municipalities: Iterable[Municipality]) -> list[FlagRow]:
    """Every flag of the round on these municipalities, by kommunenummer and rule."""
    by_number = {m.number: m for m in municipalities}
    if not by_number:
        return []
    found = db.session.execute(
        sa.select(Grant.municipality_number, Flag).join(Grant, Grant.id == Flag.grant_id)
        .where(Grant.round_id == round_.id, Grant.municipality_number.in_(sorted(by_number)))
        .order_by(Grant.municipality_number, Flag.rule_id)).all()
    return [FlagRow(by_number[number], flag) for number, flag in found]


# ---- one case --------------------------------------------------------------------------------


@dataclass
class Case:
    grant: Grant
    municipality: Municipality
    status: CaseStatus
    response: Response | None
    lines: list[Line] = field(default_factory=list)  # the latest submission's answers
    flags: list[Flag] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    comments: list[ReviewComment] = field(default_factory=list)
    diff: list[Change] = field(default_factory=list)
    compared: tuple[Submission, Submission] | None = None  # (older, newer) for the diff

    @property
    def submission(self) -> Submission | None:
        return self.response.latest_submission if self.response else None

    @property
    def open_flags(self) -> list[Flag]:
        return [f for f in self.flags if f.status == "open"]

    @property
    def proposed_ore(self) -> int:
        return sum(f.amount_ore for f in self.open_flags)


def _diff(grant: Grant, older: Submission, newer: Submission,
          language: str) -> list[Change]:
    versions = [responses.questionnaire_version(s.questionnaire_id, s.questionnaire_version)
                for s in (older, newer)]
    return changes((versions[0], older.answers), (versions[1], newer.answers), language,
                   responses.context_of(grant))


def case_of(grant: Grant, municipality: Municipality, language: str) -> Case:
    response = responses.response_of(grant)
    case = Case(grant, municipality, case_statuses(grant.round)[grant.id], response)
    case.flags = list(db.session.scalars(
        sa.select(Flag).where(Flag.grant_id == grant.id).order_by(Flag.rule_id)))
    case.claims = list(db.session.scalars(
        sa.select(Claim).where(Claim.grant_id == grant.id).order_by(Claim.id)))
    if response is None:
        return case
    case.comments = list(db.session.scalars(
        sa.select(ReviewComment).where(ReviewComment.response_id == response.id)
        .order_by(ReviewComment.id)))
    submissions = response.submissions
    if submissions:
        case.lines = receipt_lines(grant, submissions[-1], language)
    if len(submissions) > 1:
        case.compared = (submissions[-2], submissions[-1])
        case.diff = _diff(grant, submissions[-2], submissions[-1], language)
    return case


def open_flags_of(grant: Grant) -> list[Flag]:
    return list(db.session.scalars(sa.select(Flag).where(
        Flag.grant_id == grant.id, Flag.status == FlagStatus.OPEN).order_by(Flag.rule_id)))


def question_choices(grant: Grant, submission: Submission,
                     language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The questions of a submission's questionnaire by section, for the return form."""
    questionnaire = responses.questionnaire_version(submission.questionnaire_id,
                                                    submission.questionnaire_version)
    context = responses.context_of(grant)
    return [(render_text(s.title, language, context),
             [(q.id, render_text(q.label, language, context))
              for q in s.questions if q.answered])
            for s in questionnaire.sections]


def total_ore(rows: Iterable[FlagRow]) -> int:
    return sum(r.flag.amount_ore for r in rows)
