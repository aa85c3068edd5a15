"""What the reviewer's flag list and case page show, read within the reviewer's scope.

The caller passes the municipalities the reviewer may see (tracking.scoped_municipalities)
or has enforced access to the one municipality of a case, so nothing here checks access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from forms.builder import render_text
from forms.diff import Change, changes
from survey_app.extensions import db
from survey_app.listing import AmountRange
from survey_app.models import (
    Claim,
    ClaimPayment,
    ClaimStatus,
    Flag,
    FlagStatus,
    Grant,
    Municipality,
    Response,
    ReviewComment,
    Round,
    Submission,
)
from survey_app.questionnaires import rules_for
from survey_app.rules.cases import CaseStatus
from survey_app.rules.repayment import Proposal, left_to_claim
from survey_app.services import flags as flag_service
from survey_app.services import payments, responses
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
    # the proposed amount, from and to (listing.AmountRange: a bound that cannot be read
    # is not used, and said)
    amounts: AmountRange = field(default_factory=AmountRange)

    @classmethod
    def from_args(cls, args: Mapping[str, str], language: str) -> FlagFilter:
        values = {k: (args.get(k) or "").strip() for k in ("county", "office", "status", "rule")}
        return cls(amounts=AmountRange.from_args(args, language), **values)

    def admits(self, row: FlagRow) -> bool:
        m, flag = row.municipality, row.flag
        return ((not self.county or m.county_number == self.county)
                and (not self.office or m.office == self.office)
                and (not self.status or flag.status == self.status)
                and (not self.rule or flag.rule_id == self.rule)
                and self.amounts.admits(Decimal(flag.amount_ore) / 100))


def flag_sort_keys(language: str,
                   status_labels: Mapping[str, str]) -> dict[str, Callable[[FlagRow], Any]]:
    """The columns the flag list sorts by (listing.Listing), each a key of a row."""
    return {
        "municipality": lambda r: (r.municipality.display_name.casefold(), r.flag.rule_id),
        "number": lambda r: (r.municipality.number, r.flag.rule_id),
        "rule": lambda r: (text_in(r.flag.explanation.get("title"), language).casefold(),
                           r.municipality.number),
        "amount": lambda r: r.flag.amount_ore,
        "status": lambda r: (status_labels.get(r.flag.status, r.flag.status).casefold(),
                             r.municipality.number),
    }


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
    proposal: Proposal | None = None  # the money at stake, each krone once
    repaid: dict[int, int] = field(default_factory=dict)  # claim id -> øre paid back
    payments: dict[int, list[ClaimPayment]] = field(default_factory=dict)  # by claim id

    @property
    def submission(self) -> Submission | None:
        return self.response.latest_submission if self.response else None

    @property
    def open_flags(self) -> list[Flag]:
        return [f for f in self.flags if f.status == "open"]

    @property
    def proposed_ore(self) -> int:
        """The grant's proposed repayment (rules.repayment.proposal over its standing flags)."""
        return self.proposal.amount_ore if self.proposal else 0

    @property
    def claimed_ore(self) -> int:
        return flag_service.claimed_ore(self.claims)

    def repaid_ore(self, claim: Claim) -> int:
        return self.repaid.get(claim.id, 0)

    def outstanding_ore(self, claim: Claim) -> int:
        """What is still owed on the claim (nothing on a cancelled one)."""
        return payments.outstanding_ore(claim, self.repaid_ore(claim))

    @property
    def outstanding_total_ore(self) -> int:
        return sum(self.outstanding_ore(c) for c in self.claims)

    @property
    def to_claim_ore(self) -> int:
        """What the claim form proposes: the proposal less what earlier claims cover."""
        return left_to_claim(self.proposed_ore, self.claimed_ore)

    def rule_title(self, rule_id: str, language: str) -> str:
        flag = next((f for f in self.flags if f.rule_id == rule_id), None)
        return text_in(flag.explanation.get("title"), language) if flag else rule_id

    def titles(self, rule_ids: Iterable[str], language: str) -> str:
        return ", ".join(f"«{self.rule_title(rule_id, language)}»" for rule_id in rule_ids)


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
    case.repaid = payments.repaid_by_claim(c.id for c in case.claims)
    case.payments = payments.payments_of(c.id for c in case.claims)
    case.proposal = flag_service.proposal_of(
        case.flags, grant.amount, rules_for(grant.round.scheme.questionnaire_id))
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


def total_ore(round_: Round, rows: Iterable[FlagRow]) -> int:
    """The proposals of the rows' flags, grant by grant: where several flags of a grant
    reclaim the same kroner they count once (rules.repayment.proposal), so the total can
    be less than the sum of the rows; flags no longer standing propose nothing."""
    by_grant: dict[int, list[Flag]] = {}
    for row in rows:
        by_grant.setdefault(row.flag.grant_id, []).append(row.flag)
    if not by_grant:
        return 0
    amounts = dict(db.session.execute(
        sa.select(Grant.id, Grant.amount).where(Grant.id.in_(sorted(by_grant)))).all())
    rule_set = rules_for(round_.scheme.questionnaire_id)
    return sum(flag_service.proposal_of(flags, amounts[grant_id], rule_set).amount_ore
               for grant_id, flags in by_grant.items())


# ---- the claims of a round -------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRow:
    municipality: Municipality
    claim: Claim
    repaid_ore: int

    @property
    def outstanding_ore(self) -> int:
        return payments.outstanding_ore(self.claim, self.repaid_ore)


def claim_rows(round_: Round, municipalities: Iterable[Municipality]) -> list[ClaimRow]:
    """Every claim of the round on these municipalities with what is repaid, by number."""
    by_number = {m.number: m for m in municipalities}
    if not by_number:
        return []
    found = db.session.execute(
        sa.select(Grant.municipality_number, Claim).join(Grant, Grant.id == Claim.grant_id)
        .where(Grant.round_id == round_.id, Grant.municipality_number.in_(sorted(by_number)))
        .order_by(Grant.municipality_number, Claim.id)).all()
    repaid = payments.repaid_by_claim(claim.id for _number, claim in found)
    return [ClaimRow(by_number[number], claim, repaid.get(claim.id, 0))
            for number, claim in found]


@dataclass(frozen=True)
class ClaimTotals:
    claimed_ore: int  # claims not cancelled
    repaid_ore: int
    outstanding_ore: int


def claim_totals(rows: Iterable[ClaimRow]) -> ClaimTotals:
    listed = list(rows)
    return ClaimTotals(
        sum(r.claim.amount_ore for r in listed if r.claim.status != ClaimStatus.CANCELLED),
        sum(r.repaid_ore for r in listed), sum(r.outstanding_ore for r in listed))
