"""The office decides each application within its frame (issue 16, item 3).

Seed 001 (001_ee5cc4ae63bd1fb8.txt): "Helsedirektoratet utmåler en fordeling av midlene til
Statsforvalteren basert på innsendt søknadsgrunnlag": the Directorate sets each office's
``Frame`` for a chapter/post and year, and the office decides the applications of its
municipalities within it. Seed 001 again: "En overgangsordning kan ikke legge beslag på
hele bevilgningen, da den i utgangspunktet skal gå til ny innretning av ordningen": where
the Directorate sets a transitional cap, the decisions of the schemes marked
``transitional`` in schemes.yaml may take no more of the frame than the cap.

A decision is approved, reduced (with a reason) or rejected (with a reason). One reviewer of
the office proposes it; a second reviewer of the same office with the authority to approve
decisions (``User.approves_decisions``, as for repayment claims: services.claim_process)
approves it or sends it back. Approved + proposed decisions of the office, chapter/post and
year never exceed the frame: checked when proposed and again when approved, each time with
the frame row locked (SELECT ... FOR UPDATE on PostgreSQL, services.locking), so two
reviewers at once cannot overrun it. An approved decision that grants money becomes the
grant of the applied-for year's round, with its positions (services.grants makes it).

Each step is one transaction, as the other decisions are (services.decisions): everything
checked on the fresh rows, the change and its audit event committed together; a refused
step raises ``DecisionError`` before anything is written, and changes nothing. The first
part of this module is pure (figures and messages); the database part follows.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from forms.money import format_amount
from survey_app import audit
from survey_app.access import regional_office
from survey_app.extensions import db
from survey_app.formatting import oslo_date
from survey_app.models import (
    Application,
    ApplicationDecision,
    ApplicationStatus,
    Frame,
    Grant,
    Position,
    Role,
    Round,
    Scheme,
    User,
)
from survey_app.models.applications import DecisionOutcome, DecisionState
from survey_app.models.users import utcnow
from survey_app.offices import OFFICES, office_name
from survey_app.questionnaires import scheme_entries
from survey_app.rules import allocation
from survey_app.services import decision_letters, grants, letter_config, rounds
from survey_app.services.applications import Assessment, assess, proposed_amount, read_positions
from survey_app.services.decisions import DecisionError, _refuse
from survey_app.services.locking import locked

log = logging.getLogger(__name__)
GRANT_REASON = "application decision"  # GrantEvent.reason of a grant made by a decision
MAX_REASON = 4000  # characters: a reason is a paragraph for the letter, not a file
# An amount beyond any frame (Frame.amount is a BigInteger; forms.money caps typed amounts
# at 1 000 000 000 000 kr too).
MAX_AMOUNT = 1_000_000_000_000
COUNTED = (DecisionState.PROPOSED, DecisionState.APPROVED)  # what uses the frame


def kr(amount: int) -> str:
    return format_amount(amount)


# ---- pure: the frame's figures and the checks -------------------------------------------


@dataclass(frozen=True)
class Usage:
    """What the decisions of one office, chapter/post and year take of its frame (kroner)."""

    approved: int = 0
    proposed: int = 0
    transitional: int = 0  # of approved + proposed, the transitional schemes' part

    @property
    def total(self) -> int:
        return self.approved + self.proposed


def frame_refusal(frame: int, cap: int | None, usage: Usage, amount: int,
                  transitional: bool) -> Any | None:
    """Why a decision of ``amount`` does not fit the frame (with the figures); None if it
    does. ``usage`` leaves out the application being decided (its own proposal is the one
    replaced or approved)."""
    if usage.total + amount > frame:
        return _l("The frame is %(frame)s; decided and proposed %(used)s; this decision of "
                  "%(amount)s would make %(total)s.", frame=kr(frame), used=kr(usage.total),
                  amount=kr(amount), total=kr(usage.total + amount))
    if transitional and cap is not None and usage.transitional + amount > cap:
        return _l("The cap for the transitional scheme is %(cap)s of the frame; its "
                  "decisions decided and proposed %(used)s; this decision of %(amount)s "
                  "would make %(total)s.", cap=kr(cap), used=kr(usage.transitional),
                  amount=kr(amount), total=kr(usage.transitional + amount))
    return None


@dataclass(frozen=True)
class Proposal:
    """A decision as the reviewer asks for it, checked: the amount it grants and its reason."""

    outcome: DecisionOutcome
    amount: int
    reason: str


def _reason_text(reason: str | None) -> str:
    text = (reason or "").strip()
    if "\x00" in text:
        raise DecisionError(_l("The reason contains a null character. Remove it and try "
                               "again."))
    if len(text) > MAX_REASON:
        raise DecisionError(_l("The reason can be at most %(count)s characters.",
                               count=MAX_REASON))
    return text


def _reduced_amount(amount: int | None, full: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise DecisionError(_l("Enter the reduced amount in whole kroner."))
    if amount <= 0:
        raise DecisionError(_l("The reduced amount must be more than 0 kr. To grant "
                               "nothing, reject the application."))
    if amount >= full:
        raise DecisionError(_l("A reduced amount must be lower than %(full)s, what approving "
                               "would grant.", full=kr(full)))
    return amount


def check_proposal(outcome: str | None, amount: int | None, reason: str | None,
                   full: int) -> Proposal:
    """The proposal, or DecisionError saying what to fix. ``full`` is what approving grants
    (the computed amount, or the applied one if lower)."""
    try:
        chosen = DecisionOutcome(outcome or "")
    except ValueError:
        raise DecisionError(_l("Choose whether to approve, reduce or reject the "
                               "application.")) from None
    text = _reason_text(reason)
    if chosen == DecisionOutcome.REJECTED:
        if not text:
            raise DecisionError(_l("Give the reason for rejecting the application."))
        return Proposal(chosen, 0, text)
    if full <= 0:
        raise DecisionError(_l("The rules give 0 kr for this application, so it cannot be "
                               "approved or reduced. Reject it with a reason."))
    if chosen == DecisionOutcome.APPROVED:
        return Proposal(chosen, full, text)
    if not text:
        raise DecisionError(_l("Give the reason for reducing the amount."))
    return Proposal(chosen, _reduced_amount(amount, full), text)


def track_year(applied_year: int, funded_from_year: int | None) -> int:
    """The position's year in its track in the year applied for: first funded in the
    applied-for year (or not said: a new position) is year 1."""
    return 1 if funded_from_year is None else applied_year - funded_from_year + 1


# ---- configuration: which schemes are transitional ----------------------------------------


def transitional_slugs() -> frozenset[str]:
    """The schemes marked ``transitional: true`` in schemes.yaml (seed 001's
    "overgangsordning"), whose share of a frame the transitional cap limits."""
    return frozenset(str(e["slug"]) for e in scheme_entries() if e.get("transitional") is True)


# ---- reading: frames, usage, applications ------------------------------------------------


def frame_of(chapter_post: str, year: int, office: str) -> Frame | None:
    return db.session.scalar(sa.select(Frame).where(
        Frame.chapter_post == chapter_post, Frame.year == year, Frame.office == office))


def usage_of(chapter_post: str, year: int, office: str,
             leaving_out: int | None = None) -> Usage:
    """What the office's approved and proposed decisions take of its frame, leaving out
    the application ``leaving_out`` (the one being decided)."""
    query = (sa.select(ApplicationDecision.state, ApplicationDecision.amount, Scheme.slug)
             .join(Application, ApplicationDecision.application_id == Application.id)
             .join(Scheme, Application.scheme_id == Scheme.id)
             .where(Application.office == office, Application.year == year,
                    Scheme.chapter_post == chapter_post,
                    ApplicationDecision.state.in_([str(s) for s in COUNTED])))
    if leaving_out is not None:
        query = query.where(Application.id != leaving_out)
    transitional = transitional_slugs()
    approved = proposed = part = 0
    for state, amount, slug in db.session.execute(query):
        if state == DecisionState.APPROVED:
            approved += int(amount)
        else:
            proposed += int(amount)
        if slug in transitional:
            part += int(amount)
    return Usage(approved, proposed, part)


@dataclass(frozen=True)
class OfficeFrame:
    """One office's line on the frames page."""

    office: str
    name: str
    frame: Frame | None
    usage: Usage

    @property
    def left(self) -> int | None:
        return None if self.frame is None else self.frame.amount - self.usage.total


def frames_overview(chapter_post: str, year: int,
                    offices: Sequence[str] = tuple(OFFICES)) -> list[OfficeFrame]:
    """The offices' frames for a chapter/post and year, with what their decisions take."""
    return [OfficeFrame(office, office_name(office, year), frame_of(chapter_post, year, office),
                        usage_of(chapter_post, year, office)) for office in offices]


def _scheme(application: Application) -> Scheme | None:
    return db.session.get(Scheme, application.scheme_id)


@dataclass(frozen=True)
class Figures:
    """What the rules make of one application: each position's amount, the computed sum,
    and what approving grants (``full``, services.applications.proposed_amount: the
    computed amount, or the applied one if lower; for a scheme without rates for the year,
    the applied amount, which the office then judges)."""

    assessment: Assessment
    full: int
    capped_by_applied: bool  # approving grants the applied amount, lower than computed

    @property
    def computed(self) -> int | None:
        return self.assessment.computed if self.assessment.has_rates else None


def figures_of(application: Application) -> Figures:
    scheme = _scheme(application)
    assert scheme is not None
    rules = rounds.scheme_rules(scheme.slug)
    assessment = assess(read_positions(application.positions or []), application.year, rules)
    full = proposed_amount(application, rules)
    return Figures(assessment, full, assessment.has_rates and full < assessment.computed)


@dataclass(frozen=True)
class ApplicationLine:
    application: Application
    scheme: Scheme
    figures: Figures
    current: ApplicationDecision | None  # its proposed or approved decision, if any


def current_decision(application: Application) -> ApplicationDecision | None:
    live = [d for d in application.decisions if d.state in COUNTED]
    return live[-1] if live else None


def applications_of(chapter_post: str, year: int,
                    offices: Sequence[str]) -> list[ApplicationLine]:
    """The submitted applications of the offices' municipalities for a chapter/post and
    grant year, by office and kommunenummer."""
    found = db.session.scalars(
        sa.select(Application).join(Scheme, Application.scheme_id == Scheme.id)
        .where(Scheme.chapter_post == chapter_post, Application.year == year,
               Application.office.in_(list(offices)),
               Application.status == ApplicationStatus.SUBMITTED)
        .order_by(Application.office, Application.municipality_number, Scheme.slug))
    lines = []
    for application in found:
        scheme = _scheme(application)
        assert scheme is not None
        lines.append(ApplicationLine(application, scheme, figures_of(application),
                                     current_decision(application)))
    return lines


# ---- the Directorate sets the frames -------------------------------------------------------


def _frame_facts(frame: Frame | None) -> dict[str, Any] | None:
    if frame is None:
        return None
    return {"amount": frame.amount, "transitional_cap": frame.transitional_cap}


def _check_frame_input(office: str, amount: int | None, transitional_cap: int | None) -> int:
    if office not in OFFICES:
        raise DecisionError(_l("There is no office %(office)s.", office=office))
    for value in (amount, transitional_cap):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0 or value > MAX_AMOUNT):
            raise DecisionError(_l("Write the frame in whole kroner, 0 or more."))
    if amount is None:
        raise DecisionError(_l("Enter the frame in kroner."))
    if transitional_cap is not None and transitional_cap > amount:
        raise DecisionError(_l("The cap for the transitional scheme (%(cap)s) cannot be more "
                               "than the frame (%(frame)s).", cap=kr(transitional_cap),
                               frame=kr(amount)))
    return amount


def set_frame(chapter_post: str, year: int, office: str, amount: int | None,
              transitional_cap: int | None, actor: User | None, *,
              actor_email: str | None = None) -> tuple[Frame, bool]:
    """Set (or change) an office's frame; returns it and whether anything changed.

    Refused: an unknown office, an amount that is not whole kroner of 0 or more, a cap above
    the frame, or a frame below what the office has decided and proposed already (the
    decisions would no longer fit; the office must withdraw some first).
    """
    amount = _check_frame_input(office, amount, transitional_cap)
    existing = frame_of(chapter_post, year, office)
    if existing is not None:
        frame = locked(Frame, existing.id)
    else:
        frame = Frame(chapter_post=chapter_post, year=year, office=office, amount=amount,
                      transitional_cap=transitional_cap, set_by="")
    usage = usage_of(chapter_post, year, office)
    if usage.total > amount:
        _refuse(_l("%(office)s has decided and proposed %(used)s already, more than a frame "
                   "of %(frame)s.", office=office_name(office, year), used=kr(usage.total),
                   frame=kr(amount)))
    if transitional_cap is not None and usage.transitional > transitional_cap:
        _refuse(_l("The transitional scheme's decisions take %(used)s already, more than a "
                   "cap of %(cap)s.", used=kr(usage.transitional), cap=kr(transitional_cap)))
    before = _frame_facts(existing)
    after = {"amount": amount, "transitional_cap": transitional_cap}
    if before == after:
        db.session.rollback()
        return frame, False
    frame.amount, frame.transitional_cap = amount, transitional_cap
    frame.set_by = actor.email if actor is not None else (actor_email or "system")
    frame.set_at = utcnow()
    db.session.add(frame)
    audit.record("frame.set", "frame", f"{chapter_post}/{year}/{office}", actor=actor,
                 before=before, after=after)
    try:
        db.session.commit()
    except IntegrityError:  # a first frame set by another at the same moment (unique row)
        _refuse(_l("The frame was set by someone else at the same moment. Reload the page "
                   "and check it."))
    return frame, True


# ---- the office proposes, a second reviewer approves --------------------------------------


def may_decide(user: Any, application: Application) -> bool:
    """Whether the user is a reviewer of the office that decides the application (the
    Directorate's national reviewers read the offices' decisions, never make them)."""
    return (getattr(user, "role", None) == Role.REVIEWER
            and regional_office(user) == application.office)


def _fresh_for_decision(application: Application, reviewer: User) -> tuple[Application, Frame]:
    """The frame locked and the application read afresh after it, or a refusal."""
    if not may_decide(reviewer, application):
        raise DecisionError(_l("Only a reviewer of %(office)s decides this application.",
                               office=office_name(application.office, application.year)))
    scheme = _scheme(application)
    assert scheme is not None
    frame = frame_of(scheme.chapter_post, application.year, application.office)
    if frame is None:
        raise DecisionError(_l("Helsedirektoratet has not set the frame of %(office)s for "
                               "%(chapter_post)s in %(year)s, so no application can be "
                               "decided yet.", office=office_name(application.office,
                                                                  application.year),
                               chapter_post=scheme.chapter_post, year=application.year))
    locked_frame = locked(Frame, frame.id)  # ends the read transaction: all read afresh
    fresh = db.session.get(Application, application.id, populate_existing=True)
    assert fresh is not None
    if fresh.status != ApplicationStatus.SUBMITTED:
        _refuse(_l("The application is not submitted (it was withdrawn or is a draft), so "
                   "it cannot be decided."))
    return fresh, locked_frame


def _decided_refusal(decision: ApplicationDecision) -> Any:
    return _l("The application was decided on %(day)s by %(proposer)s and %(approver)s; "
              "the decision cannot change.", day=_day(decision.approved_at),
              proposer=decision.proposed_by, approver=decision.approved_by or "")


def _day(value: dt.datetime | None) -> str:
    return oslo_date(value)


def _check_frame(frame: Frame, application: Application, amount: int) -> None:
    scheme = _scheme(application)
    assert scheme is not None
    usage = usage_of(frame.chapter_post, frame.year, frame.office, leaving_out=application.id)
    refusal = frame_refusal(frame.amount, frame.transitional_cap, usage, amount,
                            scheme.slug in transitional_slugs())
    if refusal is not None:
        _refuse(refusal)


@dataclass(frozen=True)
class Proposed:
    decision: ApplicationDecision
    repeated: bool  # the same proposal was made already (a double click): nothing changed


def _decision_facts(decision: ApplicationDecision) -> dict[str, Any]:
    return {"id": decision.id, "outcome": decision.outcome, "amount": decision.amount,
            "reason": decision.reason, "state": decision.state,
            "proposed_by": decision.proposed_by}


def propose(application: Application, outcome: str | None, amount: int | None,
            reason: str | None, reviewer: User) -> Proposed:
    """A reviewer of the office proposes the decision; a proposal waiting for approval is
    replaced by a new one (withdrawn, kept in the history)."""
    check_proposal(outcome, amount, reason, figures_of(application).full)  # refused early
    fresh, frame = _fresh_for_decision(application, reviewer)
    # Checked again on the fresh application: what approving grants may have changed
    # since the form was shown (the application was submitted again).
    full = figures_of(fresh).full
    try:
        proposal = check_proposal(outcome, amount, reason, full)
    except DecisionError as error:
        _refuse(error.message)
    current = current_decision(fresh)
    if current is not None and current.state == DecisionState.APPROVED:
        _refuse(_decided_refusal(current))
    if current is not None and (current.outcome, current.amount, current.reason,
                                current.proposed_by) == (proposal.outcome, proposal.amount,
                                                         proposal.reason, reviewer.email):
        db.session.rollback()
        return Proposed(current, repeated=True)
    if proposal.amount:
        _check_frame(frame, fresh, proposal.amount)
    before = None
    if current is not None:
        before = _decision_facts(current)
        current.state = DecisionState.WITHDRAWN
    decision = ApplicationDecision(application=fresh, outcome=proposal.outcome,
                                   amount=proposal.amount, reason=proposal.reason,
                                   state=DecisionState.PROPOSED, proposed_by=reviewer.email)
    db.session.add(decision)
    db.session.flush()
    audit.record("application.propose", "application", _reference(fresh), actor=reviewer,
                 before=before, after={**_decision_facts(decision), "full": full,
                                       "frame": frame.amount})
    db.session.commit()
    return Proposed(decision, repeated=False)


def _reference(application: Application) -> str:
    scheme = _scheme(application)
    slug = scheme.slug if scheme else str(application.scheme_id)
    return f"{slug}/{application.year}/{application.municipality_number}"


def _fresh_proposal(application: Application, decision_id: int | None,
                    reviewer: User) -> tuple[Application, Frame, ApplicationDecision]:
    fresh, frame = _fresh_for_decision(application, reviewer)
    decision = next((d for d in fresh.decisions if d.id == decision_id), None)
    if decision is None:
        _refuse(_l("There is no such proposal for this application. Reload the page."))
    if decision.state == DecisionState.APPROVED:
        _refuse(_decided_refusal(decision))
    if decision.state == DecisionState.WITHDRAWN:
        _refuse(_l("This proposal was sent back or replaced; nothing was changed. Reload "
                   "the page to see the current one."))
    return fresh, frame, decision


class LetterState(enum.StrEnum):
    QUEUED = "queued"
    NOT_CONFIGURED = "not-configured"  # the scheme has no decision letter texts
    NOT_QUEUED = "not-queued"  # texts exist, but the letter could not be queued (why)
    NONE = "none"  # a rejection: no grant, no grant letter


@dataclass(frozen=True)
class Approved:
    decision: ApplicationDecision
    grant: Grant | None
    letter: LetterState
    letter_problem: str = ""


def approve(application: Application, decision_id: int | None, approver: User) -> Approved:
    """A second reviewer of the office approves the proposal; an approval or reduction
    becomes the grant of the applied-for year's round, and its decision letter is queued
    where the scheme has letter texts."""
    fresh, frame, decision = _fresh_proposal(application, decision_id, approver)
    if approver.email == decision.proposed_by:
        _refuse(_l("You proposed this decision, so you cannot approve it: a second reviewer "
                   "of the office with authority to approve decisions must do so."))
    if not approver.approves_decisions:
        _refuse(_l("You do not have the authority to approve decisions. A reviewer who has "
                   "it must approve this one."))
    grant: Grant | None = None
    if decision.amount > 0:
        _check_frame(frame, fresh, decision.amount)
        grant = _grant_of(fresh, decision, approver)
    decision.state, decision.approved_by = DecisionState.APPROVED, approver.email
    decision.approved_at = utcnow()
    if grant is not None:
        db.session.flush()
        decision.grant_id = grant.id
    audit.record("application.approve", "application", _reference(fresh), actor=approver,
                 before={"state": DecisionState.PROPOSED},
                 after={**_decision_facts(decision), "approved_by": approver.email,
                        "grant_id": decision.grant_id})
    db.session.commit()
    if grant is None:
        return Approved(decision, None, LetterState.NONE)
    return _queue_letter(decision, grant, approver)


def _positions(application: Application, round_: Round) -> list[Position]:
    """The grant's positions: those the rules give an amount, by the round's rates."""
    assessment = assess(read_positions(application.positions or []), application.year,
                        rounds.scheme_rules(round_.scheme.slug))
    rates = grants.position_rates(round_) if round_.position_rates else None
    made = []
    for line in assessment.positions:
        if line.problem is not None or (assessment.has_rates and line.amount <= 0):
            continue  # the rules give it nothing: not a position of the grant
        percent = line.position.percent
        if percent != percent.to_integral_value():
            _refuse(_l("The position %(title)s is %(percent)s %%; a grant's positions are in "
                       "whole percent. The application must be corrected first.",
                       title=line.position.title, percent=str(percent).replace(".", ",")))
        year = track_year(application.year, line.position.funded_from_year)
        if not 1 <= year <= 4:
            _refuse(_l("The position %(title)s would be in year %(year)s of its track; a "
                       "grant funds a position for at most four years.",
                       title=line.position.title, year=year))
        amount = line.amount
        if rates is not None:
            try:
                amount = allocation.grant_for_positions(
                    [allocation.Position(int(percent), year)], rates)
            except ValueError:
                amount = line.amount  # the round has no rate for it: the scheme's rate
        made.append(Position(title=line.position.title[:200], percent=int(percent),
                             track_year=year, amount=amount))
    return made


def _grant_of(application: Application, decision: ApplicationDecision,
              approver: User) -> Grant:
    """The new grant in the applied-for year's round (not committed), or a refusal."""
    scheme = _scheme(application)
    assert scheme is not None
    round_ = db.session.scalar(sa.select(Round).where(Round.scheme_id == scheme.id,
                                                      Round.year == application.year))
    if round_ is None:
        key = f"{scheme.slug}/{application.year}"
        _refuse(_l("There is no round %(key)s, so the grant cannot be made. An administrator "
                   "must create the round first (Administration, Rounds, or `flask --app "
                   "wsgi rounds create %(key)s ...`); then approve again.", key=key))
    number = application.municipality_number
    existing = db.session.scalar(sa.select(Grant).where(Grant.round_id == round_.id,
                                                        Grant.municipality_number == number))
    if existing is not None:
        _refuse(_l("%(number)s has a grant in %(key)s already (%(amount)s); a second one "
                   "cannot be made.", number=number, key=round_.key,
                   amount=kr(existing.amount)))
    problem = grants.Numbering.for_year(round_.year)
    if problem.refusal:
        _refuse(problem.refusal)
    refusal = problem.check(number)[1]
    if refusal:
        _refuse(refusal)
    positions = _positions(application, round_)
    grant = grants._new_grant(round_, number, decision.amount, approver.email, GRANT_REASON)
    grant.positions.extend(positions)
    return grant


def has_letter_texts(slug: str) -> bool:
    """Whether the scheme has grant decision letter texts (letters.yaml `decision:`)."""
    try:
        letter_config.decision_texts(slug)
    except letter_config.LetterConfigError:
        return False
    return True


def _queue_letter(decision: ApplicationDecision, grant: Grant, approver: User) -> Approved:
    """The grant's decision letter, queued if the scheme has letter texts (letters.yaml
    `decision:`); the 765.62 schemes have none (no seed gives that letter), and none is
    invented here: the page then says the letter must be sent outside the service."""
    round_ = grant.round
    if not has_letter_texts(round_.scheme.slug):
        return Approved(decision, grant, LetterState.NOT_CONFIGURED)
    try:
        summary = decision_letters.queue_decisions(
            round_, only=[grant.municipality_number], workers=1, actor=approver.email)
    except decision_letters.DecisionLetterError as error:
        db.session.rollback()
        return Approved(decision, grant, LetterState.NOT_QUEUED, str(error))
    except Exception as error:  # the grant is decided and committed: say it, never a 500
        db.session.rollback()
        log.exception("decision letter of %s/%s not queued", round_.key,
                      grant.municipality_number)
        return Approved(decision, grant, LetterState.NOT_QUEUED,
                        f"{type(error).__name__}; queue it with `flask --app wsgi letters "
                        f"decisions {round_.key} --municipality {grant.municipality_number}`")
    if summary.no_postbox:
        return Approved(decision, grant, LetterState.NOT_QUEUED,
                        f"{grant.municipality_number}: no post box registered")
    return Approved(decision, grant, LetterState.QUEUED)


def send_back(application: Application, decision_id: int | None, reviewer: User,
              comment: str | None = None) -> ApplicationDecision:
    """A second reviewer sends the proposal back: it is withdrawn (kept in the history),
    and the office may propose again."""
    text = (comment or "").strip()
    if "\x00" in text or len(text) > MAX_REASON:
        raise DecisionError(_l("The comment can be at most %(count)s characters, without "
                               "null characters.", count=MAX_REASON))
    fresh, _frame, decision = _fresh_proposal(application, decision_id, reviewer)
    if reviewer.email == decision.proposed_by:
        _refuse(_l("You proposed this decision; a second reviewer sends it back. To change "
                   "it, propose again."))
    decision.state = DecisionState.WITHDRAWN
    audit.record("application.send-back", "application", _reference(fresh), actor=reviewer,
                 before={"state": DecisionState.PROPOSED},
                 after={**_decision_facts(decision), "comment": text})
    db.session.commit()
    return decision
