"""The rows of the exports, read from the database for one round within a user's scope.

Data flows one way: models → these plain rows → `exports` (which knows nothing of the
database). A round costs a fixed handful of queries whatever its size: the register
entries (2), the grants, "paid" events, latest submissions, flag and claim sums, and
the case statuses (services.cases); the raw responses are streamed with `yield_per`.

Definitions used in the economy report:

* granted: the grant's amount now (kroner, after any redistribution);
* paid out ("Utbetalt") and its date: what was paid to the municipality and when
  (`Grant.paid_amount`/`paid_on`, recorded by services.payments for every grant, by the
  round's payment date or a payment file); 0 and empty until paid, and a payment dated
  after the day the report is made is not counted;
* reported used, unused: the answers to the questions with `role: amount_used` and
  `role: amount_unused` in the latest submission's questionnaire version (unused =
  received - used, by `role: amount_received`, when the version has no unused question or
  did not store it); empty without a submission or without the roles (never by id:
  `questionnaires check` warns of a questionnaire asking for amounts without them);
* repayment proposed: the money at stake by the rules' flags still standing (open or
  claimed), each krone once and never more than the grant (services.flags.round_proposals,
  the figure the case page and the claim form show), in kroner; empty without a flag;
* repayment claimed: the claims not cancelled (claimed or paid), in kroner;
* repaid ("Tilbakebetalt"): the payments received on those claims; outstanding: claimed
  less repaid; both empty without a claim;
* submitted at: the latest submission's time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from exports.csv import write_csv
from exports.economy import ECONOMY_COLUMNS, EconomyReport, write_economy
from exports.responses import (
    Option,
    QuestionSpec,
    RawResponse,
    ResponsesExport,
    group_codes,
    merge_versions,
    write_responses_csv,
    write_responses_xlsx,
)
from forms.builder import render_text
from forms.expressions import Kind
from forms.model import Question, Questionnaire, Text
from forms.money import from_ore
from survey_app.access import national_scope, regional_office
from survey_app.extensions import db
from survey_app.formatting import OSLO
from survey_app.models import (
    Claim,
    ClaimPayment,
    Flag,
    Grant,
    Municipality,
    Response,
    Round,
    Submission,
    User,
)
from survey_app.offices import office_name
from survey_app.questionnaires import all_questionnaires
from survey_app.services import tracking
from survey_app.services.cases import case_statuses
from survey_app.services.flags import round_proposals
from survey_app.services.rounds import round_context

LIVE_CLAIMS = ("claimed", "paid")
# Case statuses as the economy sheet shows them (bokmål data labels, not UI strings).
CASE_LABELS = {
    "declined": "Takket nei", "not_invited": "Ikke invitert", "invited": "Invitert",
    "started": "Påbegynt", "submitted": "Innsendt", "returned": "Sendt tilbake",
    "approved": "Godkjent", "claimed": "Krevd tilbakebetalt", "waived": "Frafalt krav",
    "repaid": "Tilbakebetalt",
}
STREAM_BATCH = 200


@dataclass(frozen=True)
class Scope:
    municipalities: dict[str, Municipality]  # kommunenummer -> register entry
    description: str  # in words, for the metadata sheet


def scope_of(round_: Round, user: User | None) -> Scope:
    """The round's municipalities the user may see; None (the CLI's operator) sees all."""
    if user is None:
        chosen = tracking.round_municipalities(round_)
        return Scope({m.number: m for m in chosen}, "Alle kommuner (kommandolinje)")
    chosen = tracking.scoped_municipalities(round_, user)
    office = regional_office(user)
    words = f"Kommuner i {office_name(office, round_.year)}" if office else (
        "Alle kommuner" if national_scope(user) else "Ingen kommuner (uten tilgang)")
    return Scope({m.number: m for m in chosen}, words)


def _latest_submissions() -> Any:
    """Each response's latest submission number, as a subquery."""
    return (sa.select(Submission.response_id, sa.func.max(Submission.number).label("n"))
            .group_by(Submission.response_id).subquery())


def _latest_query(round_: Round) -> sa.Select[str, Submission]:
    latest = _latest_submissions()
    return (sa.select(Grant.municipality_number, Submission)
            .join(Response, Response.grant_id == Grant.id)
            .join(latest, latest.c.response_id == Response.id)
            .join(Submission, sa.and_(Submission.response_id == Response.id,
                                      Submission.number == latest.c.n))
            .where(Grant.round_id == round_.id))


def _sums(model: type[Flag] | type[Claim], statuses: tuple[str, ...],
          round_: Round) -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(model.grant_id, sa.func.sum(model.amount_ore)).join(Grant)
        .where(Grant.round_id == round_.id, model.status.in_(statuses))
        .group_by(model.grant_id)).all())


def _repaid(round_: Round) -> dict[int, int]:
    """Grant id -> øre paid back on its claims that are not cancelled."""
    return dict(db.session.execute(
        sa.select(Claim.grant_id, sa.func.sum(ClaimPayment.amount_ore))
        .join(Claim, Claim.id == ClaimPayment.claim_id).join(Grant)
        .where(Grant.round_id == round_.id, Claim.status.in_(LIVE_CLAIMS))
        .group_by(Claim.grant_id)).all())


def versions_in_round(round_: Round) -> tuple[int, ...]:
    return tuple(db.session.scalars(
        sa.select(Submission.questionnaire_version).distinct()
        .join(Response, Response.id == Submission.response_id)
        .join(Grant, Grant.id == Response.grant_id)
        .where(Grant.round_id == round_.id).order_by(Submission.questionnaire_version)))


def _money(answers: dict[str, Any], questionnaire: Questionnaire | None,
           role: str) -> Decimal | None:
    """The answer to the question with this role; None without it or an answer to it."""
    question = questionnaire.question_with_role(role) if questionnaire else None
    value = answers.get(question.id) if question is not None else None
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:  # not a number: an answer stored by another version's type
        return None


def _used_unused(answers: dict[str, Any] | None,
                 questionnaire: Questionnaire | None) -> tuple[Decimal | None, Decimal | None]:
    if answers is None:
        return None, None
    used = _money(answers, questionnaire, "amount_used")
    unused = _money(answers, questionnaire, "amount_unused")
    received = _money(answers, questionnaire, "amount_received")
    if unused is None and used is not None and received is not None:
        unused = received - used
    return used, unused


def _version_finder() -> Any:
    """(questionnaire id, version) → the loaded version; an unloaded version by the newest
    loaded one of its id (roles name what a question means, which a version keeps)."""
    loaded = {(q.id, q.version): q for q in all_questionnaires()}
    newest: dict[str, Questionnaire] = {}
    for q in sorted(loaded.values(), key=lambda q: q.version):
        newest[q.id] = q

    def find(qid: str, version: int) -> Questionnaire | None:
        return loaded.get((qid, version)) or newest.get(qid)
    return find


def _ore(amount: int | None) -> Decimal | None:
    return None if amount is None else from_ore(int(amount))


def _money_back(claimed: int | None, repaid: int | None) -> tuple[Any, ...]:
    """Claimed, repaid and outstanding in kroner; all empty for a grant without a claim."""
    if claimed is None:
        return None, None, None
    return _ore(claimed), _ore(int(repaid or 0)), _ore(max(int(claimed) - int(repaid or 0), 0))


def economy_rows(round_: Round, scope: Scope,
                 as_of: dt.date | None = None) -> Iterator[tuple[Any, ...]]:
    """One row per grant in scope, by kommunenummer (exports.economy.ECONOMY_COLUMNS);
    a payment out dated after ``as_of`` (default: today in Norway) is not yet paid."""
    as_of = as_of or dt.datetime.now(OSLO).date()
    latest = {number: submission for number, submission in
              db.session.execute(_latest_query(round_))}
    proposed = {grant_id: p.amount_ore for grant_id, p in round_proposals(round_).items()}
    claimed = _sums(Claim, LIVE_CLAIMS, round_)
    repaid = _repaid(round_)
    statuses = case_statuses(round_)
    version_of = _version_finder()
    grants = db.session.execute(
        sa.select(Grant.id, Grant.municipality_number, Grant.amount, Grant.paid_amount,
                  Grant.paid_on)
        .where(Grant.round_id == round_.id).order_by(Grant.municipality_number)).all()
    for grant in grants:
        m = scope.municipalities.get(grant.municipality_number)
        if m is None:
            continue
        submission = latest.get(grant.municipality_number)
        used, unused = _used_unused(
            submission.answers if submission else None,
            version_of(submission.questionnaire_id, submission.questionnaire_version)
            if submission else None)
        is_paid = grant.paid_on is not None and grant.paid_on <= as_of
        status = statuses.get(grant.id)
        yield (m.number, m.display_name, m.county_name, office_name(m.office, round_.year)
               if m.office else "", grant.amount, int(grant.paid_amount or 0) if is_paid else 0,
               grant.paid_on if is_paid else None, used, unused,
               _ore(proposed.get(grant.id)),
               *_money_back(claimed.get(grant.id), repaid.get(grant.id)),
               CASE_LABELS.get(str(status), str(status or "")),
               submission.submitted_at if submission else None)


def economy_report(round_: Round, user: User | None, generated_at: dt.datetime,
                   generated_by: str) -> EconomyReport:
    scope = scope_of(round_, user)
    as_of = generated_at.replace(tzinfo=generated_at.tzinfo or dt.UTC).astimezone(OSLO).date()
    rows = list(economy_rows(round_, scope, as_of))
    return EconomyReport(
        round_key=round_.key, scheme_name=round_.scheme.name("nb"),
        questionnaire=round_.scheme.questionnaire_id,
        questionnaire_versions=versions_in_round(round_), generated_at=generated_at,
        generated_by=generated_by, selection=scope.description, rows=rows,
        submissions=sum(1 for row in rows if row[-1] is not None))


# ---- raw responses ------------------------------------------------------------------------


def _type_of(question: Question) -> str:
    """A computed value's type by what it holds; other questions' as they are."""
    if question.type != "computed":
        return question.type
    if question.options.get("format") == "amount":
        return "amount"
    kind = getattr(getattr(question.expression, "type", None), "kind", None)
    if kind is Kind.NUMBER:
        return "number"
    if kind is Kind.DATE:
        return "date"  # a date cell in the xlsx (exports.responses)
    return "boolean" if kind is Kind.BOOL else "text"


def question_spec(question: Question,
                  context: Mapping[str, object] | None = None) -> QuestionSpec:
    """A question as the code sheet names it, its texts rendered (forms.builder.render_text)
    with ``context``: the round's figures (rounds.round_context) for a round's export."""
    figures = context or {}

    def words(text: Text) -> tuple[str, str]:
        return render_text(text, "nb", figures), render_text(text, "nn", figures)

    def option(choice: Any) -> Option:
        return Option(choice.code, *words(choice.label))

    return QuestionSpec(
        question.id, _type_of(question), *words(question.label),
        options=tuple(option(c) for c in question.choices),
        rows=tuple(option(r) for r in question.rows),
        columns=tuple(question_spec(c, figures) for c in question.columns),
        dont_know=bool(question.options.get("dont_know")))


def questionnaire_versions(round_: Round) -> list[Questionnaire]:
    """The loaded versions answered in the round; the newest when none was answered yet."""
    qid = round_.scheme.questionnaire_id
    loaded = {q.version: q for q in all_questionnaires() if q.id == qid}
    answered = [loaded[v] for v in versions_in_round(round_) if v in loaded]
    if answered or not loaded:
        return answered
    return [loaded[max(loaded)]]


def _raw_responses(round_: Round, scope: Scope) -> Iterator[RawResponse]:
    query = (_latest_query(round_)
             .where(Grant.municipality_number.in_(sorted(scope.municipalities)))
             .order_by(Grant.municipality_number)
             .execution_options(yield_per=STREAM_BATCH))
    for number, s in db.session.execute(query):
        m = scope.municipalities[number]
        yield RawResponse(
            meta=(m.number, m.display_name, m.county_name,
                  office_name(m.office, round_.year) if m.office else "", s.reference,
                  s.number,
                  s.questionnaire_version, s.submitted_at, int(s.late)),
            answers=s.answers)


def _merged_questions(versions: list[Questionnaire],
                      context: Mapping[str, object]) -> tuple[QuestionSpec, ...]:
    return merge_versions([[question_spec(q, context) for q in v.questions()]
                           for v in versions])


def responses_export(round_: Round, user: User | None, generated_at: dt.datetime,
                     generated_by: str) -> ResponsesExport:
    """The raw responses, streamed: iterate `responses` once, inside the app context."""
    scope = scope_of(round_, user)
    versions = questionnaire_versions(round_)
    questions = _merged_questions(versions, round_context(round_))
    return ResponsesExport(
        round_key=round_.key, questionnaire=round_.scheme.questionnaire_id,
        versions=tuple(v.version for v in versions), questions=questions,
        generated_at=generated_at, generated_by=generated_by,
        selection=scope.description, responses=_raw_responses(round_, scope))


# ---- files --------------------------------------------------------------------------------

KINDS = ("economy", "responses")
FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class RepeatingGroup:
    """A repeating group of the round's questionnaire: a table (sheet, CSV) of its own."""

    code: str  # the group's question id: the sheet's and the CSV file's name
    label: Text  # the newest version's, by language; may hold placeholders ({grant.year})
    context: Mapping[str, object] = field(default_factory=dict)  # rounds.round_context

    def label_in(self, language: str, year: int) -> str:
        return render_text(self.label, language, {**self.context, "grant.year": year})


def repeating_groups(round_: Round) -> list[RepeatingGroup]:
    """The round's repeating groups, in the order the responses export has their tables."""
    versions = questionnaire_versions(round_)
    newest: dict[str, Question] = {}
    for version in versions:  # oldest first, so a newer version's label wins
        for question in version.questions():
            if question.type == "group":
                newest[question.id] = question
    # The export's order (all versions merged), so the page lists them as the file has them.
    context = round_context(round_)
    return [RepeatingGroup(code, dict(newest[code].label), context)
            for code in group_codes(_merged_questions(versions, context))]


@dataclass(frozen=True)
class ExportFile:
    kind: str  # economy | responses
    format: str  # xlsx | csv
    rows: int
    sha256: str  # of the file's bytes: what a recipient can check with sha256sum
    # The data rows' checksum as the workbook's metadata sheet states it (for a CSV file:
    # the SHA-256 of the file itself, the bytes the checksum is defined by).
    data_sha256: str | None = None
    group: str | None = None  # a responses CSV of this repeating group's rows
    # A responses workbook: each group sheet's data checksum, by group code.
    group_sha256: dict[str, str] = field(default_factory=dict)

    def audit_facts(self, file_name: str) -> dict[str, Any]:
        """What the audit log records of the file: enough to check a copy of it later."""
        facts: dict[str, Any] = {"kind": f"{self.kind}.{self.format}", "rows": self.rows,
                                 "sha256": self.sha256, "file": file_name}
        if self.data_sha256 is not None:
            facts["data_sha256"] = self.data_sha256
        if self.group is not None:
            facts["group"] = self.group
        if self.group_sha256:
            facts["group_sha256"] = dict(self.group_sha256)
        return facts


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_export(kind: str, fmt: str, round_: Round, user: User | None, path: Path,
                 generated_at: dt.datetime, generated_by: str, *,
                 group: str | None = None) -> ExportFile:
    """Writes one export to `path` (a file on disk: bounded memory at any size).

    `group` (responses CSV only): that repeating group's table instead of the main one;
    ValueError when the round's questionnaire has no such group.
    """
    if kind not in KINDS or fmt not in FORMATS:
        raise ValueError(f"no export {kind}.{fmt}")
    if group is not None and (kind, fmt) != ("responses", "csv"):
        raise ValueError(f"no export {kind}.{fmt} of a group")
    data_sha256 = None
    group_sha256: dict[str, str] = {}
    if kind == "economy":
        report = economy_report(round_, user, generated_at, generated_by)
        if fmt == "xlsx":
            written = write_economy(str(path), report)
            rows, data_sha256 = written.rows, written.data_sha256
        else:
            with path.open("wb") as stream:
                rows, data_sha256 = write_csv(stream, ECONOMY_COLUMNS, report.rows)
    else:
        export = responses_export(round_, user, generated_at, generated_by)
        if fmt == "xlsx":
            responses = write_responses_xlsx(str(path), export)
            rows, data_sha256 = responses.rows, responses.data_sha256
            group_sha256 = {code: t.sha256 for code, t in responses.groups.items()}
        elif group is None:
            with path.open("wb") as stream:
                responses = write_responses_csv(stream, export)
            rows, data_sha256 = responses.rows, responses.data_sha256
        else:
            if group not in group_codes(export.questions):
                raise ValueError(f"no repeating group {group} in {round_.key}")
            # The main table is only hashed, never written: this file is the group's.
            with path.open("wb") as stream:
                table = write_responses_csv(None, export, {group: stream}).groups[group]
            rows, data_sha256 = table.rows, table.sha256
    return ExportFile(kind, fmt, rows, file_sha256(path), data_sha256, group, group_sha256)


def group_csv_path(path: Path, code: str) -> Path:
    """`FILE.csv` → `FILE.<code>.csv`: a repeating group's table beside the main one."""
    return path.with_name(f"{path.stem}.{code}{path.suffix}")


def write_responses_csvs(round_: Round, user: User | None, path: Path,
                         generated_at: dt.datetime,
                         generated_by: str) -> list[tuple[Path, ExportFile]]:
    """The responses as CSV, one file per table (a CSV file holds one): the main table at
    `path` and each repeating group's at `group_csv_path(path, code)`, all in one pass
    over the responses. Returns each file written with its facts, the main one first."""
    export = responses_export(round_, user, generated_at, generated_by)
    paths = {code: group_csv_path(path, code) for code in group_codes(export.questions)}
    with ExitStack() as files:
        main = files.enter_context(path.open("wb"))
        streams = {code: files.enter_context(p.open("wb")) for code, p in paths.items()}
        written = write_responses_csv(main, export, streams)
    made = [(path, ExportFile("responses", "csv", written.rows, file_sha256(path),
                              written.data_sha256))]
    for code, group_path in paths.items():
        table = written.groups[code]
        made.append((group_path, ExportFile("responses", "csv", table.rows,
                                            file_sha256(group_path), table.sha256,
                                            group=code)))
    return made
