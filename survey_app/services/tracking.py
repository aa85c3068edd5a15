"""Tracking a round: where each grant's report stands, and the response rates.

For reviewers, always within their scope: the caller passes the municipalities the
reviewer may see (:func:`scoped_municipalities`), and grants outside them are neither shown
nor counted. A round costs a handful of queries whatever its size (357 grants): one for
its municipalities, one each for grants, responses, first submissions and invitations.

The response rate is the share of the grants not declined (opted out) that have been
reported, computed exactly and rounded half up to one decimal only when shown. A report
returned for correction counts as reported, and on time or late by its first submission:
a correction the reviewer asked for after the deadline does not make a report late.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

import sqlalchemy as sa

from survey_app.access import in_scope
from survey_app.extensions import db
from survey_app.models import (
    Grant,
    GrantStatus,
    Invitation,
    Municipality,
    Recipient,
    Response,
    ResponseStatus,
    Round,
    Submission,
    User,
)
from survey_app.offices import office_name

NBSP = "\u00a0"


class State(enum.StrEnum):
    """Where a grant's report stands; the list is in order of precedence, lowest first."""

    NOT_INVITED = "not_invited"
    INVITED = "invited"
    OPENED = "opened"
    STARTED = "started"
    SUBMITTED = "submitted"  # on time
    SUBMITTED_LATE = "submitted_late"
    RETURNED = "returned"  # returned by a reviewer for correction
    DECLINED = "declined"  # the municipality opted out of the grant


REPORTED = frozenset({State.SUBMITTED, State.SUBMITTED_LATE, State.RETURNED})


@dataclass(frozen=True)
class GrantState:
    number: str  # kommunenummer
    name: str
    county_number: str
    county_name: str
    office: str  # office slug
    amount: int  # kroner
    state: State
    invited_at: dt.datetime | None = None  # the first invitation sent to any recipient
    opened_at: dt.datetime | None = None  # the first invitation link opened
    started_at: dt.datetime | None = None  # the report (draft) started
    submitted_at: dt.datetime | None = None  # the first submission
    late: bool = False  # the first submission came after the deadline
    year: int | None = None  # the grant year, whose office names apply (None: today's)

    @property
    def declined(self) -> bool:
        return self.state == State.DECLINED

    @property
    def reported(self) -> bool:
        return self.state in REPORTED


# ---- the municipalities of a round, in a reviewer's scope ----------------------------------


def _unknown(number: str) -> Municipality:
    """A stand-in (never stored) for a number the register lacks: no office, so only
    national reviewers and admins have it in scope."""
    return Municipality(number=number, name=number, name_other=None, county_number="",
                        county_name="", office="")


def round_municipalities(round_: Round) -> list[Municipality]:
    """The register entry of each municipality with a grant in the round: the one in force
    on 1 January of the grant year, never another year's (its county and office were
    others: 3001 Halden was in Viken in 2022). A number without one gets a stand-in."""
    numbers = set(db.session.scalars(
        sa.select(Grant.municipality_number).where(Grant.round_id == round_.id)))
    if not numbers:
        return []
    day = dt.date(round_.year, 1, 1)
    entries = db.session.scalars(sa.select(Municipality).where(
        Municipality.number.in_(sorted(numbers)), Municipality.valid_from <= day,
        sa.or_(Municipality.valid_to.is_(None), Municipality.valid_to > day))).all()
    chosen: dict[str, Municipality] = {m.number: m for m in entries}
    chosen.update({n: _unknown(n) for n in numbers - chosen.keys()})
    return [chosen[n] for n in sorted(chosen)]


def scoped_municipalities(round_: Round, user: User) -> list[Municipality]:
    """The round's municipalities that lie within the user's scope (access.in_scope)."""
    return [m for m in round_municipalities(round_) if in_scope(user, m)]


# ---- the state of each grant ---------------------------------------------------------------


@dataclass
class Participation:
    response_status: str | None = None
    started_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    late: bool = False
    invited_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None


def state_of(grant_status: str, facts: Participation) -> State:
    """The state by precedence: declined > returned > late > on time > started > opened >
    invited > not invited."""
    if grant_status == GrantStatus.OPTED_OUT:
        return State.DECLINED
    if facts.response_status == ResponseStatus.RETURNED:
        return State.RETURNED
    if facts.submitted_at is not None:
        return State.SUBMITTED_LATE if facts.late else State.SUBMITTED
    if facts.response_status is not None:
        return State.STARTED
    if facts.opened_at is not None:
        return State.OPENED
    return State.INVITED if facts.invited_at is not None else State.NOT_INVITED


def participation_facts(round_: Round) -> dict[int, Participation]:
    """Responses, first submissions and invitations of every grant in the round: 3 queries."""
    of_round = Grant.round_id == round_.id
    facts: dict[int, Participation] = {}
    for grant_id, status, started_at in db.session.execute(
            sa.select(Response.grant_id, Response.status, Response.started_at)
            .join(Grant, Grant.id == Response.grant_id).where(of_round)):
        f = facts.setdefault(grant_id, Participation())
        f.response_status, f.started_at = status, started_at
    for grant_id, submitted_at, late in db.session.execute(
            sa.select(Response.grant_id, Submission.submitted_at, Submission.late)
            .join(Response, Response.id == Submission.response_id)
            .join(Grant, Grant.id == Response.grant_id)
            .where(of_round, Submission.number == 1)):
        f = facts.setdefault(grant_id, Participation())
        f.submitted_at, f.late = submitted_at, late
    for grant_id, sent_at, opened_at in db.session.execute(
            sa.select(Recipient.grant_id, sa.func.min(Invitation.sent_at),
                      sa.func.min(Invitation.opened_at))
            .join(Recipient, Recipient.id == Invitation.recipient_id)
            .join(Grant, Grant.id == Recipient.grant_id)
            .where(of_round).group_by(Recipient.grant_id)):
        f = facts.setdefault(grant_id, Participation())
        f.invited_at, f.opened_at = sent_at, opened_at
    return facts


def grant_states(round_: Round, municipalities: Iterable[Municipality]) -> list[GrantState]:
    """One state per grant of the round to these municipalities (and to no other), by
    kommunenummer."""
    by_number = {m.number: m for m in municipalities}
    if not by_number:
        return []
    grants = db.session.execute(
        sa.select(Grant.id, Grant.municipality_number, Grant.amount, Grant.status)
        .where(Grant.round_id == round_.id).order_by(Grant.municipality_number)).all()
    facts = participation_facts(round_)
    states = []
    for grant in grants:
        m = by_number.get(grant.municipality_number)
        if m is None:
            continue
        f = facts.get(grant.id, Participation())
        states.append(GrantState(
            number=m.number, name=m.display_name, county_number=m.county_number,
            county_name=m.county_name, office=m.office, amount=grant.amount,
            state=state_of(grant.status, f), invited_at=f.invited_at, opened_at=f.opened_at,
            started_at=f.started_at, submitted_at=f.submitted_at, late=f.late,
            year=round_.year))
    return states


# ---- response rates ------------------------------------------------------------------------


def format_percent(value: Fraction) -> str:
    """A percentage with one decimal, rounded half up, as Norwegian writes it: ``66,7 %``."""
    tenths = value * 10
    rounded = (2 * tenths.numerator + tenths.denominator) // (2 * tenths.denominator)
    return f"{rounded // 10},{rounded % 10}{NBSP}%"


@dataclass(frozen=True)
class Rate:
    key: str  # "" overall, a county number, or an office slug
    name: str
    granted: int = 0  # grants not declined
    declined: int = 0
    submitted: int = 0  # reported: on time + late (returned for correction included)
    on_time: int = 0
    late: int = 0

    @property
    def rate(self) -> Fraction | None:
        """Reported as a percentage of granted, exactly; None when nothing was granted."""
        return Fraction(100 * self.submitted, self.granted) if self.granted else None

    @property
    def percent(self) -> str:
        return format_percent(self.rate) if self.rate is not None else "–"


@dataclass(frozen=True)
class RateTable:
    overall: Rate
    by_county: list[Rate]  # by county number
    by_office: list[Rate]  # by office name
    counts: dict[State, int] = field(default_factory=dict)  # grants per state


def _rate(key: str, name: str, states: list[GrantState]) -> Rate:
    reported = [s for s in states if s.reported]
    late = sum(1 for s in reported if s.late)
    declined = sum(1 for s in states if s.declined)
    return Rate(key=key, name=name, granted=len(states) - declined, declined=declined,
                submitted=len(reported), on_time=len(reported) - late, late=late)


def _grouped(states: list[GrantState], key: Callable[[GrantState], str],
             name: Callable[[GrantState], str]) -> list[Rate]:
    groups: dict[str, list[GrantState]] = {}
    for s in states:
        groups.setdefault(key(s), []).append(s)
    return [_rate(k, name(group[0]), group) for k, group in groups.items()]


def response_rates(states: list[GrantState]) -> RateTable:
    """The rates overall, per county and per Statsforvalter office, of exactly ``states``."""
    by_county = sorted(_grouped(states, lambda s: s.county_number, lambda s: s.county_name),
                       key=lambda r: (r.key == "", r.key))
    by_office = sorted(_grouped(states, lambda s: s.office,
                                lambda s: office_name(s.office, s.year) if s.office else ""),
                       key=lambda r: (r.name == "", r.name))
    counts = {state: sum(1 for s in states if s.state == state) for state in State}
    return RateTable(overall=_rate("", "", states), by_county=by_county,
                     by_office=by_office, counts=counts)


# ---- pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundRate:
    round: Round
    rate: Rate  # within the user's scope


def round_rates(user: User) -> list[RoundRate]:
    """Every round, the latest deadline first, with its response rate in the user's scope."""
    found = db.session.scalars(sa.select(Round).order_by(Round.deadline.desc(), Round.id)).all()
    return [RoundRate(r, response_rates(grant_states(r, scoped_municipalities(r, user))).overall)
            for r in found]


def filter_states(states: list[GrantState], state: str | None,
                  county: str | None) -> list[GrantState]:
    """The grants in this state and county (a county number); an empty value, or a state
    that does not exist, lets all by."""
    wanted = State(state) if state in set(State) else None
    return [s for s in states
            if (wanted is None or s.state == wanted) and (not county or s.county_number == county)]
