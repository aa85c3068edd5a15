"""Applications for next year's grant, made in the report's application pages (issue 16).

765.62 (seeds 001, 003, 004): "Søknad og rapportering i samme elektroniske skjema". The
questionnaire marks its application pages (``application: true``) and the answers the
service reads by role (``applies``, ``applied_positions``, ``applied_amount``; see
forms/model.py ROLES). This module turns those answers into the ``Application`` row and
computes what the scheme's rules propose for it.

The first half is pure (no database, no Flask): ``read_positions``, ``assess`` and
``proposed_amount`` take plain values and ``SchemeRules``; the office's decisions
(survey_app/services/application_decisions.py) import ``proposed_amount``.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext

from forms.answers import answers_to_json
from survey_app import audit
from survey_app.extensions import db
from survey_app.models import Grant, GrantStatus, Round, Scheme
from survey_app.models.applications import Application, ApplicationStatus, DecisionState
from survey_app.models.users import utcnow
from survey_app.questionnaires import all_questionnaires, scheme_entries
from survey_app.services import register
from survey_app.services.grants import chapter_grant_years
from survey_app.services.rounds import scheme_rules
from survey_app.services.scheme_rules import ANY_YEAR, SchemeRules

if TYPE_CHECKING:
    from forms.answers import Evaluation
    from forms.model import Questionnaire
    from survey_app.models import Municipality, Response


# ---- pure: positions, eligibility and the proposed amount ---------------------------------


class PositionProblem(enum.StrEnum):
    """Why a position gets no proposed amount; the page words each in Norwegian."""

    NOT_CONTINUING = "not_continuing"  # first funded after the qualifying year
    FUNDED_LATER = "funded_later"  # first funded after the year applied for
    NO_FIRST_YEAR = "no_first_year"  # the rate depends on the track year, none given
    NO_RATE = "no_rate"  # the year's rates have none for its year in the track


@dataclass(frozen=True)
class Position:
    """One position applied for, as stored in ``Application.positions``."""

    title: str
    percent: Decimal  # of a full-time position, 0 < percent <= 100 (the question checks)
    funded_from_year: int | None

    def to_json(self) -> dict[str, Any]:
        # A whole percentage is stored as an int, as the model documents; a fractional one
        # (the percent type allows 50,5) as its exact decimal text.
        whole = self.percent == self.percent.to_integral_value()
        return {"title": self.title,
                "percent": int(self.percent) if whole else str(self.percent),
                "funded_from_year": self.funded_from_year}


@dataclass(frozen=True)
class PositionAssessment:
    position: Position
    track_year: int | None  # applied-for year - first funded year + 1
    amount: int  # kroner proposed for it; 0 when refused or without a rate
    problem: PositionProblem | None = None


@dataclass(frozen=True)
class Assessment:
    """What the rules propose for an application's positions in the applied-for year."""

    year: int
    positions: tuple[PositionAssessment, ...]
    has_rates: bool  # False: the scheme has no rates for the year, nothing is computed

    @property
    def computed(self) -> int:
        return sum(line.amount for line in self.positions)

    @property
    def refused(self) -> tuple[PositionAssessment, ...]:
        return tuple(line for line in self.positions if line.problem is not None)


def _percent(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        percent = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    # Never trust a stored row more than the question did: 0 < percent <= 100.
    return percent if percent.is_finite() and 0 < percent <= 100 else None


def _year(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1900 <= value <= 2100 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) == 4:
        return int(value)
    return None


def read_positions(rows: Iterable[Mapping[str, Any]]) -> list[Position]:
    """``Position``s from stored rows (``Application.positions``); a row without a valid
    percentage is left out (it cannot be given an amount, and the question refuses it)."""
    positions = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        percent = _percent(row.get("percent"))
        if percent is None:
            continue
        positions.append(Position(str(row.get("title") or "")[:200], percent,
                                  _year(row.get("funded_from_year"))))
    return positions


def pro_rata(rate: int, percent: Decimal) -> int:
    """Kroner for ``percent`` of a full-time position at ``rate``, rounded down.

    Integer arithmetic for a whole percentage (rate * percent // 100); every seed rate
    (660 000, 550 000, 440 000, 330 000; seeds 001, 003, 004) is a multiple of 100, so a
    whole percentage always divides exactly and nothing is rounded. A fractional
    percentage is rounded down to whole kroner, the project's choice: never more than the
    rate gives.
    """
    if percent == percent.to_integral_value():
        return rate * int(percent) // 100
    return int((Decimal(rate) * percent) // 100)


def assess(positions: Sequence[Position], year: int, rules: SchemeRules) -> Assessment:
    """Each position's proposed amount in ``year`` (the year applied for), or why none.

    The rate is the scheme's for ``year``: one rate (``any``), or by the position's year
    in its track, track year = year - first funded year + 1 (seed 001's ladder, by seed 004
    used for 2022). A scheme for continuing positions only refuses a position first funded
    after its qualifying year (seed 004: "Bare til videreføring av eksisterende
    stillinger"), with the reason.
    """
    rates = rules.rates_for(year)
    lines = []
    for position in positions:
        first = position.funded_from_year
        track = None if first is None else year - first + 1
        problem: PositionProblem | None = None
        if track is not None and track < 1:
            problem = PositionProblem.FUNDED_LATER
        elif track is not None and rules.position_refusal(year, track) is not None:
            problem = PositionProblem.NOT_CONTINUING
        elif rules.continuing_positions_only and track is None:
            # Continuing-only needs the first year to know the position existed.
            problem = PositionProblem.NO_FIRST_YEAR
        rate: int | None = None
        if problem is None and rates is not None:
            if ANY_YEAR in rates:
                rate = rates[ANY_YEAR]
            elif track is None:
                problem = PositionProblem.NO_FIRST_YEAR
            else:
                rate = rates.get(str(track))
                if rate is None:
                    problem = PositionProblem.NO_RATE
        amount = pro_rata(rate, position.percent) if rate is not None else 0
        lines.append(PositionAssessment(position, track, amount, problem))
    return Assessment(year, tuple(lines), rates is not None)


def proposed_amount(application: Application, rules: SchemeRules) -> int:
    """The kroner the scheme's rules propose for ``application`` (whole kroner, >= 0).

    The sum of its positions' pro rata amounts at the rate of the year applied for (see
    ``assess``), capped at the amount applied for when one is given (a municipality is
    never proposed more than it asked for; the model's "the computed amount (or the
    applied one, if lower)"). A year the scheme has no round for proposes 0. A scheme with
    no rates for the year computes nothing, and proposes the amount applied for (the
    project's choice: the new design has no seed rates, so the office judges the amount).
    A withdrawn application proposes 0.
    """
    if application.status == "withdrawn" or rules.year_refusal(application.year):
        return 0
    applied = application.applied_amount
    assessment = assess(read_positions(application.positions or []), application.year,
                        rules)
    if not assessment.has_rates:
        return max(applied or 0, 0)
    computed = assessment.computed
    return computed if applied is None else max(min(computed, applied), 0)


# ---- pure: reading the application pages' answers by role --------------------------------


@dataclass(frozen=True)
class ReadApplication:
    """What the application pages answer, read by role (forms/model.py ROLES)."""

    applies: bool | None  # None: the question was not answered (hidden or left empty)
    positions: tuple[Position, ...]
    applied_amount: int | None


def _whole_kroner(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.to_integral_value():
        return None
    # A BigInteger column holds up to 2**63 - 1; the question's own max is far below.
    return int(amount) if amount < 2 ** 63 else None


def read_answers(questionnaire: Questionnaire, answers: Mapping[str, object]
                 ) -> ReadApplication:
    """The application read from the (typed) answers of its pages, by role, never by id."""
    applies_q = questionnaire.question_with_role("applies")
    amount_q = questionnaire.question_with_role("applied_amount")
    group = questionnaire.question_with_role("applied_positions")
    applies = answers.get(applies_q.id) if applies_q is not None else None
    positions: list[Position] = []
    if group is not None:
        columns = {role: group.column_with_role(role) for role in
                   ("position_title", "position_percent", "position_first_year")}
        rows = answers.get(group.id)
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, Mapping):
                continue

            def cell(role: str, row: Mapping[str, object] = row) -> object:
                column = columns[role]
                return row.get(column.id) if column is not None else None

            percent = _percent(cell("position_percent"))
            if percent is not None:
                positions.append(Position(str(cell("position_title") or "")[:200], percent,
                                          _year(cell("position_first_year"))))
    return ReadApplication(applies if isinstance(applies, bool) else None, tuple(positions),
                           _whole_kroner(answers.get(amount_q.id)) if amount_q else None)


# ---- the database: the Application row --------------------------------------------------

log = logging.getLogger(__name__)


def page_answers(questionnaire: Questionnaire, evaluation: Evaluation) -> dict[str, Any]:
    """The application pages' answers as stored (section id -> answers), shown pages only."""
    return {section.id: answers_to_json(evaluation.results[section.id].answers)
            for section in questionnaire.application_sections()
            if section.id in evaluation.results}


def _office(number: str, year: int, fallback: Municipality | None) -> str:
    """The office that decides: the register's for the applied-for year, else the one the
    caller read (the report's year). Empty when the register has neither (logged: nobody
    would see the application)."""
    entry = register.entry_for(number, year) or fallback
    if entry is None:
        log.warning("application of %s for %s: no register entry, so no office", number,
                    year)
        return ""
    return entry.office


def has_approved_decision(application: Application) -> bool:
    return any(d.state == DecisionState.APPROVED for d in application.decisions)


def find_application(scheme_id: int, year: int, number: str) -> Application | None:
    return db.session.scalar(
        sa.select(Application).where(Application.scheme_id == scheme_id,
                                     Application.year == year,
                                     Application.municipality_number == number)
        .options(so.selectinload(Application.decisions)))


def record_from_report(grant: Grant, response: Response, questionnaire: Questionnaire,
                       evaluation: Evaluation, actor: str,
                       municipality: Municipality | None = None) -> Application | None:
    """On a report's submit: its application pages' answers become (or refresh) the
    municipality's Application for the year after the grant, in the submit's transaction.

    "Not applying" makes it withdrawn; a re-submission after a return updates it, unless
    the office has approved a decision on it (then the decided application is kept as it
    was, and the refusal to change it is logged and audit-logged). None when the
    questionnaire has no application pages, or they were hidden (e.g. the 2024 report of
    the transitional scheme, which has no year after).
    """
    answers = page_answers(questionnaire, evaluation)
    if not answers:
        return None
    read = read_answers(questionnaire, evaluation.answers)
    scheme_id, number, year = grant.round.scheme_id, grant.municipality_number, \
        grant.round.year + 1
    application = find_application(scheme_id, year, number)
    if application is not None and has_approved_decision(application):
        log.info("application %s (%s/%s/%s) has an approved decision: the report's "
                 "re-submission does not change it", application.id, scheme_id, year, number)
        audit.record("application.kept", "application", application.id,
                     after={"reason": "approved decision", "response": response.id})
        return application
    before = None if application is None else {"status": application.status,
                                               "applied_amount": application.applied_amount}
    office = _office(number, year, municipality)  # read before the new row is added
    if application is None:
        application = Application(scheme_id=scheme_id, year=year, municipality_number=number,
                                  version=0)
        db.session.add(application)
    status = ApplicationStatus.WITHDRAWN if read.applies is False else \
        ApplicationStatus.SUBMITTED
    application.office = office
    application.response_id = response.id
    application.questionnaire_id = questionnaire.id
    application.questionnaire_version = questionnaire.version
    application.answers = answers
    application.positions = [p.to_json() for p in read.positions] \
        if status == ApplicationStatus.SUBMITTED else []
    application.applied_amount = read.applied_amount \
        if status == ApplicationStatus.SUBMITTED else None
    application.status = status
    application.version += 1
    application.submitted_at, application.submitted_by = utcnow(), actor
    db.session.flush()  # its id, for the audit event
    audit.record("application.submit", "application", application.id, before=before,
                 after={"status": status, "year": year, "applied_amount":
                        application.applied_amount, "positions": len(application.positions),
                        "response": response.id})
    return application


# ---- what the coordinator is told: the reasons in their language --------------------------


def position_reason(line: PositionAssessment, rules: SchemeRules, year: int) -> str:
    """Why a position gets nothing, in the reader's language (Flask-Babel; a request)."""
    title = line.position.title or gettext("Untitled position")
    first = line.position.funded_from_year
    if line.problem is PositionProblem.NOT_CONTINUING:
        return gettext("%(title)s: the position was first funded in %(first)s. The scheme "
                       "only continues existing positions (funded in %(qualifying)s or "
                       "before).", title=title,
                       first=first, qualifying=rules.recipients_of_year)
    if line.problem is PositionProblem.FUNDED_LATER:
        return gettext("%(title)s: the first year of funding (%(first)s) is after the year "
                       "applied for (%(year)s).", title=title, first=first, year=year)
    if line.problem is PositionProblem.NO_FIRST_YEAR:
        return gettext("%(title)s: give the first year the position was funded, so the "
                       "grant can be calculated.", title=title)
    return gettext("%(title)s: the scheme has no rate for year %(track)s of the "
                   "position's track in %(year)s.", title=title, track=line.track_year, year=year)


def recipient_reason(rules: SchemeRules, year: int, grant_years: Iterable[int]) -> str | None:
    """Why a municipality may not apply for ``year`` (seed 004: "Bare kommuner som fikk
    tilskudd i 2021 kan søke"), in the reader's language; None when it may."""
    if not rules.checks_recipients(year):
        return None
    if rules.recipient_refusal("", "", grant_years) is None:
        return None
    return gettext("Only municipalities that received the grant in %(year)s can apply.",
                   year=rules.recipients_of_year)


def year_reason(rules: SchemeRules, year: int) -> str | None:
    refusal = rules.year_refusal(year)
    if refusal is None:
        return None
    if refusal.too_late:
        return gettext("The scheme has no application round for %(year)s: the last is for "
                       "%(last)s.", year=year, last=refusal.last_year)
    return gettext("The scheme has no application round for %(year)s: the first is for "
                   "%(first)s.", year=year, first=refusal.first_year)


@dataclass(frozen=True)
class CoordinatorView:
    """What an application page and the summary tell the coordinator."""

    year: int
    applies: bool | None
    computed: int | None  # None: the scheme has no rates for the year
    reasons: tuple[str, ...]  # refusals: the whole application's first, then positions'
    positions: int = 0  # how many positions were read


def coordinator_view(rules: SchemeRules, year: int, read: ReadApplication,
                     grant_years: Iterable[int] = ()) -> CoordinatorView:
    assessment = assess(read.positions, year, rules)
    reasons = [reason for reason in (year_reason(rules, year),
                                     recipient_reason(rules, year, grant_years)) if reason]
    reasons += [position_reason(line, rules, year) for line in assessment.refused]
    return CoordinatorView(year, read.applies,
                           assessment.computed if assessment.has_rates else None,
                           tuple(reasons), len(read.positions))


# ---- stand-alone applications (without a grant) -----------------------------------------


def allows_without_grant(slug: str) -> bool:
    """Whether the scheme's entry says `applications: {without_grant: true}`."""
    entry = next((e for e in scheme_entries() if e.get("slug") == slug), None)
    config = entry.get("applications") if entry else None
    return isinstance(config, Mapping) and config.get("without_grant") is True


def application_year(scheme: Scheme, today: dt.date) -> int:
    """The grant year a stand-alone application is for: the year after the scheme's latest
    round (the round whose report would carry the application), or the year after this
    one when the scheme has no round yet. The project's choice: the seeds name the
    deadline of the call (seed 003: "Søknads og rapporteringsfrist 1. februar 2024") but
    no round is opened for applications, so the year follows the report's: grant year + 1.
    """
    latest = db.session.scalar(sa.select(sa.func.max(Round.year))
                               .where(Round.scheme_id == scheme.id))
    return (latest if latest is not None else today.year) + 1


def has_grant(scheme: Scheme, year: int, number: str) -> bool:
    """A grant of the scheme in ``year`` (any status but opted out): its report applies."""
    found = db.session.scalar(
        sa.select(Grant.id).join(Round)
        .where(Round.scheme_id == scheme.id, Round.year == year,
               Grant.municipality_number == number,
               Grant.status != GrantStatus.OPTED_OUT).limit(1))
    return found is not None


@dataclass(frozen=True)
class StandAlone:
    """Whether a municipality may apply in a scheme's application pages alone, and why not."""

    scheme: Scheme
    year: int
    number: str
    questionnaire: Questionnaire
    refusal: str | None  # in the reader's language; None: it may

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def latest_questionnaire(qid: str) -> Questionnaire:
    """The latest loaded version (as services.responses, which imports this module)."""
    versions = [q for q in all_questionnaires() if q.id == qid]
    if not versions:
        raise LookupError(f"no questionnaire {qid} is loaded")
    return max(versions, key=lambda q: q.version)


def stand_alone(scheme: Scheme, number: str, today: dt.date) -> StandAlone | None:
    """The stand-alone application ``number`` may make in ``scheme`` now, or why it may
    not; None when the scheme's questionnaire has no application pages."""
    try:
        questionnaire = latest_questionnaire(scheme.questionnaire_id)
    except LookupError:
        return None
    if not questionnaire.application_sections():
        return None
    year = application_year(scheme, today)
    rules = scheme_rules(scheme.slug)
    refusal = year_reason(rules, year) or (recipient_reason(
        rules, year, chapter_grant_years(scheme.chapter_post, number))
        if rules.checks_recipients(year) else None)
    if refusal is None and not allows_without_grant(scheme.slug):
        refusal = gettext("The scheme only takes applications for %(year)s in the report of "
                          "municipalities with a grant for %(report)s.", year=year,
                          report=year - 1)
    if refusal is None and has_grant(scheme, year - 1, number):
        refusal = gettext("The municipality has a grant for %(report)s and applies in that "
                          "year's report.", report=year - 1)
    return StandAlone(scheme, year, number, questionnaire, refusal)


def offers(numbers: Iterable[str], today: dt.date) -> list[StandAlone]:
    """The start page's stand-alone applications: for every scheme with application pages
    and every municipality of the coordinator without a grant in its latest round, the
    application it may make, or the reason it may not (the transitional scheme)."""
    found = []
    for scheme in db.session.scalars(sa.select(Scheme).order_by(Scheme.slug)):
        for number in numbers:
            offer = stand_alone(scheme, number, today)
            if offer is None or has_grant(scheme, offer.year - 1, number) or \
                    year_reason(scheme_rules(scheme.slug), offer.year):
                continue  # it applies in its report, or the scheme has ended
            found.append(offer)
    return found


def stand_alone_context(year: int, municipality: Municipality) -> dict[str, object]:
    """The figures an application page may show without a grant: no amount, the report's
    year before the one applied for, the municipality. The project's choice: the deadline
    is the applied-for year's 1 January (no round gives one)."""
    return {"grant.amount": Decimal(0), "grant.year": year - 1,
            "municipality.name": municipality.display_name,
            "municipality.number": municipality.number,
            "round.year": year, "round.deadline": dt.date(year, 1, 1)}


class ApplicationError(Exception):
    """A stand-alone application's save or submit refused; ``code`` names the reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def draft_of(offer: StandAlone) -> Application | None:
    return find_application(offer.scheme.id, offer.year, offer.number)


def save_stand_alone(offer: StandAlone, municipality: Municipality,
                     pages: Mapping[str, Mapping[str, list[str]]], loaded_version: int,
                     actor: str) -> Application:
    """Keeps what was typed on the application pages (``answers``: section id -> fields),
    valid or not, as the report's pages are; ``loaded_version`` is the optimistic lock
    (0: none yet). A submitted one is changed only by submitting it again."""
    if not offer.allowed:
        raise ApplicationError("refused")
    application = draft_of(offer)
    current = application.version if application is not None else 0
    if current != loaded_version:
        raise ApplicationError("conflict")
    if application is not None and has_approved_decision(application):
        raise ApplicationError("decided")
    if application is not None and application.response_id is not None:
        raise ApplicationError("in-report")
    if application is not None and application.status != ApplicationStatus.DRAFT:
        # Submitted: the office may be deciding it; a change would go unseen (the
        # project's choice: a submitted stand-alone application is final).
        raise ApplicationError("not-draft")
    before = None if application is None else {"status": application.status,
                                               "version": application.version}
    if application is None:
        application = Application(
            scheme_id=offer.scheme.id, year=offer.year, municipality_number=offer.number,
            office=municipality.office, questionnaire_id=offer.questionnaire.id,
            questionnaire_version=offer.questionnaire.version, version=0)
        db.session.add(application)
    application.answers = {"typed": {sid: dict(fields) for sid, fields in pages.items()}}
    application.status = ApplicationStatus.DRAFT
    application.version += 1
    db.session.flush()
    audit.record("application.save", "application", application.id, before=before,
                 after={"status": application.status, "version": application.version})
    return application


def typed_pages(application: Application | None) -> dict[str, Mapping[str, list[str]]]:
    if application is None or application.status != ApplicationStatus.DRAFT:
        return {}
    typed = (application.answers or {}).get("typed")
    return typed if isinstance(typed, dict) else {}


def submit_stand_alone(offer: StandAlone, evaluation: Evaluation, loaded_version: int,
                       actor: str) -> Application:
    """Submits a saved stand-alone application whose pages validate."""
    if not offer.allowed:
        raise ApplicationError("refused")
    application = draft_of(offer)
    if application is None or application.version != loaded_version:
        raise ApplicationError("conflict")
    if application.status != ApplicationStatus.DRAFT:
        raise ApplicationError("not-draft")
    if not evaluation.ok:
        raise ApplicationError("has-errors")
    read = read_answers(offer.questionnaire, evaluation.answers)
    status = ApplicationStatus.WITHDRAWN if read.applies is False else \
        ApplicationStatus.SUBMITTED
    application.answers = page_answers(offer.questionnaire, evaluation)
    application.positions = [p.to_json() for p in read.positions] \
        if status == ApplicationStatus.SUBMITTED else []
    application.applied_amount = read.applied_amount \
        if status == ApplicationStatus.SUBMITTED else None
    application.status = status
    application.version += 1
    application.submitted_at, application.submitted_by = utcnow(), actor
    audit.record("application.submit", "application", application.id,
                 before={"status": ApplicationStatus.DRAFT},
                 after={"status": status, "year": offer.year, "stand_alone": True,
                        "applied_amount": application.applied_amount,
                        "positions": len(application.positions)})
    return application
