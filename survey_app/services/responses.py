"""A municipality's report: start, save a page, submit — each durable before it answers.

Writes lock the response row first and read it fresh (services.locking), so two servers
saving the same draft at once are serialised by the database and a conflict is decided
on the latest state.

Pages are kept as typed (`Response.pages[section] = {"data": fields, "version": n,
"by": email, "at": iso time}`), so a page that does not validate is still saved. A save
says which response version its form was loaded at; if that page was saved by somebody
else since, it is a conflict and nothing is overwritten. Saves of other pages merge.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError

from forms.answers import Evaluation, answers_hash, answers_to_json, evaluate
from forms.builder import find_section
from forms.model import Questionnaire
from survey_app import audit
from survey_app.extensions import db
from survey_app.formatting import OSLO
from survey_app.models import (
    Grant,
    GrantStatus,
    Mailbox,
    Municipality,
    PageSave,
    Response,
    ResponseStatus,
    ReviewComment,
    Round,
    Scheme,
    Submission,
)
from survey_app.models.users import utcnow
from survey_app.questionnaires import all_questionnaires
from survey_app.services import applications
from survey_app.services.locking import locked_row
from survey_app.services.register import entry_of_grant, in_force_on
from survey_app.services.rounds import grant_context

EDITABLE = (ResponseStatus.DRAFT, ResponseStatus.RETURNED)
KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class ReportError(Exception):
    """A report action refused; `code` names the reason for the page's message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# ---- finding things -------------------------------------------------------------------------


def find_grant(slug: str, year: int, number: str) -> Grant | None:
    return db.session.scalar(
        sa.select(Grant).join(Round).join(Scheme)
        .where(Scheme.slug == slug, Round.year == year, Grant.municipality_number == number))


@dataclass(frozen=True)
class FoundReport:
    """What every report page starts from: the grant, its municipality as it was on
    1 January of the grant year (None if the register lacks it), and its response; and
    the municipality's post box (None if the service has none), which the submit's
    receipt is copied to."""

    grant: Grant
    municipality: Municipality | None
    response: Response | None
    mailbox: Mailbox | None = None


def find_report(slug: str, year: int, number: str) -> FoundReport | None:
    """The grant a report's URL names, with its municipality and response, in one query:
    every report request needs all three (three round trips before, on the busiest path)."""
    if not dt.MINYEAR <= year <= dt.MAXYEAR:  # no 1 January to look the register up on
        return None
    row = db.session.execute(_report_query(), {
        "slug": slug, "year": year, "number": number, "day": dt.date(year, 1, 1)}).first()
    if row is None:
        return None
    return FoundReport(row[0], row[1], row[2], row[3])


@functools.cache
def _report_query() -> sa.Select[Grant, Municipality, Response, Mailbox]:
    # Built once: the busiest query of the service, its construction a tenth of its cost.
    # The post box rides along (an outer join on its primary key), so the submit's
    # receipt does not need a round trip of its own for it.
    day = sa.bindparam("day", type_=sa.Date)
    return (
        sa.select(Grant, Municipality, Response, Mailbox)
        .join(Round, Grant.round_id == Round.id).join(Scheme, Round.scheme_id == Scheme.id)
        .outerjoin(Municipality, sa.and_(Municipality.number == Grant.municipality_number,
                                         in_force_on(day)))
        .outerjoin(Response, Response.grant_id == Grant.id)
        .outerjoin(Mailbox, Mailbox.number == Grant.municipality_number)
        .where(Scheme.slug == sa.bindparam("slug"), Round.year == sa.bindparam("year"),
               Grant.municipality_number == sa.bindparam("number"))
        .options(so.contains_eager(Grant.round).contains_eager(Round.scheme))
        .limit(1))


def municipality_of(grant: Grant) -> Municipality | None:
    """The municipality as it was on 1 January of the grant year (its name, office, målform)."""
    return entry_of_grant(grant)


def questionnaire_version(qid: str, version: int) -> Questionnaire:
    for questionnaire in all_questionnaires():
        if questionnaire.id == qid and questionnaire.version == version:
            return questionnaire
    raise LookupError(f"questionnaire {qid} v{version} is not loaded")


def latest_questionnaire(qid: str) -> Questionnaire:
    versions = [q for q in all_questionnaires() if q.id == qid]
    if not versions:
        raise LookupError(f"no questionnaire {qid} is loaded")
    return max(versions, key=lambda q: q.version)


def questionnaire_of(grant: Grant, response: Response | None) -> Questionnaire:
    """A started report keeps its version; a new one gets the latest."""
    if response is not None:
        return questionnaire_version(response.questionnaire_id, response.questionnaire_version)
    return latest_questionnaire(grant.round.scheme.questionnaire_id)


def context_of(grant: Grant) -> dict[str, object]:
    return grant_context(grant, municipality_of(grant))


def response_of(grant: Grant) -> Response | None:
    return db.session.scalar(sa.select(Response).where(Response.grant_id == grant.id))


def page_data(response: Response | None) -> dict[str, Mapping[str, list[str]]]:
    """The typed fields of every saved page, as `forms.answers.evaluate` reads them."""
    pages = response.pages if response is not None else {}
    return {sid: page["data"] for sid, page in pages.items()}


def evaluation_of(grant: Grant, response: Response | None, language: str) -> Evaluation:
    return evaluate(questionnaire_of(grant, response), page_data(response), context_of(grant),
                    language)


@dataclass(frozen=True)
class Report:
    grant: Grant
    response: Response | None


def reports_of(numbers: list[str]) -> list[Report]:
    """The reports of these municipalities, the nearest deadline first, with their state:
    a small grant calendar, like the table that ends seed 004."""
    grants = db.session.scalars(
        sa.select(Grant).join(Round).join(Scheme)
        .where(Grant.municipality_number.in_(numbers))
        .order_by(Round.deadline.desc(), Scheme.slug, Grant.municipality_number)).all()
    found = {r.grant_id: r for r in db.session.scalars(
        sa.select(Response).where(Response.grant_id.in_([g.id for g in grants])))}
    return [Report(grant, found.get(grant.id)) for grant in grants]


def review_notes(response: Response | None) -> dict[str | None, list[str]]:
    """A returned report's comments from the reviewer, by question id (None: general)."""
    if response is None or response.status != ResponseStatus.RETURNED or \
            response.latest_submission is None:
        return {}
    notes: dict[str | None, list[str]] = {}
    for comment in db.session.scalars(
            sa.select(ReviewComment).where(
                ReviewComment.response_id == response.id,
                ReviewComment.submission_number == response.latest_submission.number)
            .order_by(ReviewComment.id)):
        notes.setdefault(comment.question_id, []).append(comment.text)
    return notes


# ---- writing --------------------------------------------------------------------------------


def start(grant: Grant, actor: str) -> Response:
    """The grant's response, created on first use (once, however many ask at once)."""
    existing = response_of(grant)
    if existing is not None:
        return existing
    questionnaire = questionnaire_of(grant, None)
    response = Response(grant_id=grant.id, questionnaire_id=questionnaire.id,
                        questionnaire_version=questionnaire.version,
                        content_hash=questionnaire.content_hash, pages={},
                        started_by=actor, updated_by=actor)
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError:  # somebody else started it this very moment: theirs it is
        db.session.rollback()
        found = response_of(grant)
        assert found is not None
        return found
    audit.record("response.start", "response", str(response.id),
                 after={"grant": grant.id, "questionnaire": questionnaire.id,
                        "version": questionnaire.version})
    db.session.commit()
    return response


@dataclass(frozen=True)
class Conflict:
    """A page saved by somebody else after this form was loaded."""

    section_id: str
    data: Mapping[str, list[str]]
    by: str
    at: str
    version: int


@dataclass(frozen=True)
class Saved:
    version: int
    conflict: Conflict | None = None


def save_page(response_id: int, section_id: str, data: Mapping[str, list[str]],
              loaded_version: int, actor: str) -> Saved:
    """Saves what was typed on one page, unless that page changed since it was loaded.

    After a conflict the page is shown again loaded at the newer version, with both
    answers side by side: saving it then is the respondent's explicit "keep mine".
    """
    response = locked_row(Response, response_id)
    if response.status not in EDITABLE:
        db.session.rollback()
        raise ReportError("not-editable")
    questionnaire = questionnaire_version(response.questionnaire_id,
                                          response.questionnaire_version)
    find_section(questionnaire, section_id)  # KeyError for a page that is not there
    page = response.pages.get(section_id)
    if not 0 <= loaded_version <= response.version:
        # No form of this server ever carried that version: the client cannot skip the
        # conflict check by sending a large one, so it counts as "loaded nothing".
        loaded_version = 0
    if page is not None and page["version"] > loaded_version:
        conflict = conflict_of(response, section_id)
        db.session.rollback()
        return Saved(response.version, conflict)
    version = response.version + 1
    now = utcnow()
    response.pages = {**response.pages, section_id: {
        "data": dict(data), "version": version, "by": actor, "at": now.isoformat()}}
    response.version, response.updated_at, response.updated_by = version, now, actor
    response.current_section = section_id
    db.session.add(PageSave(response_id=response.id, section_id=section_id, version=version,
                            data=dict(data), saved_by=actor, saved_at=now))
    audit.record("response.save-page", "response", str(response.id),
                 after={"section": section_id, "version": version})
    db.session.commit()
    return Saved(version)


def loaded_version(text: str | None) -> int:
    """The version a page form says it was loaded at: ASCII digits only, else 0."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else 0


def conflict_of(response: Response, section_id: str) -> Conflict | None:
    """The page as last saved, shown beside answers that could not be saved over it."""
    page = response.pages.get(section_id)
    if page is None:
        return None
    return Conflict(section_id, page["data"], page["by"], page["at"], page["version"])


def page_history(response: Response) -> list[PageSave]:
    """Every save of the draft's pages, oldest first: what it said at any time."""
    return list(db.session.scalars(
        sa.select(PageSave).where(PageSave.response_id == response.id)
        .order_by(PageSave.version)))


# ---- submitting -----------------------------------------------------------------------------


def _initials(slug: str) -> str:
    return "".join(part[0] for part in slug.split("-")).upper()


def reference(grant: Grant, number: int) -> str:
    """A receipt reference a person can read out: 2022-3405-LPH-1."""
    return (f"{grant.round.year}-{grant.municipality_number}-"
            f"{_initials(grant.round.scheme.slug)}-{number}")


def is_late(grant: Grant, now: dt.datetime) -> bool:
    """After the deadline's day in Norway: the deadline is a Norwegian calendar day and
    `now` a UTC time (naive, as stored), so 00:30 in Oslo on the next day is late."""
    aware = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return aware.astimezone(OSLO).date() > grant.round.deadline


@dataclass(frozen=True)
class Submitted:
    submission: Submission
    created: bool  # False: this was a repeat of a submit already made
    # The submission's number, read before the transaction ended: the receipt's address
    # without reloading the (expired) submission.
    number: int


def _repeat(previous: Submission | None, stored_hash: str) -> Submitted | None:
    """The submission made earlier with the same key, if any: the same answers are a
    repeat (a double click, a reload), other answers a reuse of the key (refused)."""
    if previous is None:
        return None
    if previous.answers_hash != stored_hash:
        raise ReportError("key-reused")
    return Submitted(previous, created=False, number=previous.number)


def _with_key(submissions: Iterable[Submission], key: str) -> Submission | None:
    return next((s for s in submissions if s.idempotency_key == key), None)


def _taken(key: str, response_id: int, stored_hash: str) -> Submitted | None:
    """After the unique index refused the key: the submission of the same report that won
    a race with this one counts; another report's key is refused (None: not the key)."""
    taken = db.session.scalar(sa.select(Submission).where(Submission.idempotency_key == key))
    if taken is not None and taken.response_id != response_id:
        raise ReportError("key-reused")
    return _repeat(taken, stored_hash)


def submit(grant: Grant, key: str, actor: str, language: str,
           within: Callable[[Submission], object] | None = None,
           context: Mapping[str, object] | None = None,
           response: Response | None = None) -> Submitted:
    """Submits the draft once: a repeat with the same key and answers gets the same
    submission; the same key with other answers is refused. `within` is called with a new
    submission before the commit, so what it adds (the receipt mail) commits with it.
    `context` is the grant's `context_of` and `response` its report as read in this
    request (`find_report`), when the caller has them already; the report is read again
    under its lock either way."""
    if not KEY.match(key):
        raise ReportError("bad-key")
    existing = response if response is not None else response_of(grant)
    if existing is None:
        raise ReportError("nothing-to-submit")
    context = context if context is not None else context_of(grant)
    # Evaluated before the lock, so that SQLite's one write lock is not held for it; a
    # draft saved meanwhile (a newer version) is evaluated again once locked.
    read_version = existing.version
    evaluation = evaluate(questionnaire_of(grant, existing), page_data(existing), context,
                          language)
    response = locked_row(Response, existing.id)
    if response.version != read_version:
        evaluation = evaluate(questionnaire_of(grant, response), page_data(response), context,
                              language)
    stored = answers_to_json(evaluation.answers)
    # The report's own submissions are read anyway (for the next number); a key used on
    # another report is refused by the unique index at the commit, below.
    repeat = _repeat(_with_key(response.submissions, key), answers_hash(stored))
    if repeat is None and response.status == ResponseStatus.SUBMITTED:
        latest = response.latest_submission
        assert latest is not None
        repeat = Submitted(latest, created=False, number=latest.number)
    if repeat is not None:
        db.session.rollback()
        return repeat
    if not evaluation.ok:
        db.session.rollback()
        raise ReportError("has-errors")
    submission = _record(grant, response, key, stored, actor)
    # The report's application pages (issue 16) become next year's application, in the
    # same transaction: one row read and written.
    applications.record_from_report(grant, response, questionnaire_of(grant, response),
                                    evaluation, actor)
    if within is not None:
        within(submission)
    number, response_id = submission.number, response.id
    try:
        db.session.commit()
    except IntegrityError:  # the key is taken: by a race on another server, or elsewhere
        db.session.rollback()
        repeat = _taken(key, response_id, answers_hash(stored))
        if repeat is None:
            raise
        return repeat
    return Submitted(submission, created=True, number=number)


def _record(grant: Grant, response: Response, key: str, stored: dict[str, Any],
            actor: str) -> Submission:
    now = utcnow()
    number = len(response.submissions) + 1
    submission = Submission(
        response=response, number=number, idempotency_key=key,
        reference=reference(grant, number), questionnaire_id=response.questionnaire_id,
        questionnaire_version=response.questionnaire_version,
        content_hash=response.content_hash, answers=stored, answers_hash=answers_hash(stored),
        submitted_at=now, submitted_by=actor, late=is_late(grant, now))
    db.session.add(submission)
    response.status = ResponseStatus.SUBMITTED
    response.version += 1
    response.updated_at, response.updated_by = now, actor
    before = grant.status
    if grant.status in (GrantStatus.ALLOCATED, GrantStatus.PAID):
        grant.status = GrantStatus.REPORTED
    audit.record("response.submit", "response", str(response.id),
                 before={"grant_status": before},
                 after={"reference": submission.reference, "late": submission.late,
                        "answers_sha256": submission.answers_hash})
    return submission
