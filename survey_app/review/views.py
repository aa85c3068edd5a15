"""Tracking for reviewers: each round's response rate, and where each grant's report stands.

A reviewer sees only the municipalities in scope (a Statsforvalter office its own, the
Directorate all): the service is given only those, so nothing else is shown or counted.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.access import Action, requires
from survey_app.services import tracking
from survey_app.services.rounds import RoundError, find_round
from survey_app.services.tracking import State

bp = Blueprint("review", __name__)

OSLO = ZoneInfo("Europe/Oslo")
STATE_LABELS = {
    State.NOT_INVITED: _l("Not invited"),
    State.INVITED: _l("Invited"),
    State.OPENED: _l("Invitation opened"),
    State.STARTED: _l("Started"),
    State.SUBMITTED: _l("Submitted on time"),
    State.SUBMITTED_LATE: _l("Submitted late"),
    State.RETURNED: _l("Returned for correction"),
    State.DECLINED: _l("Declined"),
}


def local_date(value: dt.datetime | None) -> str:
    """A stored UTC time as the Norwegian calendar day it happened on: ``dd.mm.åååå``."""
    if value is None:
        return ""
    return value.replace(tzinfo=dt.UTC).astimezone(OSLO).strftime("%d.%m.%Y")


@bp.context_processor
def helpers() -> dict[str, object]:
    return {"state_labels": STATE_LABELS, "local_date": local_date}


@bp.route("/gjennomgang/runder")
@requires(Action.REVIEW)
def rounds() -> str:
    return render_template("review/rounds.html", rows=tracking.round_rates(current_user))


@bp.route("/gjennomgang/runder/<slug>/<int:year>")
@requires(Action.REVIEW)
def round_tracking(slug: str, year: int) -> str:
    try:
        round_ = find_round(f"{slug}/{year}")
    except RoundError:
        abort(404)
    states = tracking.grant_states(round_, tracking.scoped_municipalities(round_, current_user))
    state, county = request.args.get("state", ""), request.args.get("county", "")
    return render_template(
        "review/round.html", round=round_, rates=tracking.response_rates(states),
        shown=tracking.filter_states(states, state, county), state=state, county=county)
