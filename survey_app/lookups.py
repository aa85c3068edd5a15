"""The objects a URL names, found for a view: 404 when missing or outside the user's scope.

One place, so that every page addressed by round (`<slug>/<year>`) or by a municipality's
grant in it (`<slug>/<year>/<kommunenummer>`) answers the same way.
"""

from __future__ import annotations

from flask import abort

from survey_app.access import Action, enforce
from survey_app.models import Grant, Municipality, Round
from survey_app.services import responses
from survey_app.services.rounds import RoundError, find_round


def round_or_404(slug: str, year: int) -> Round:
    try:
        return find_round(f"{slug}/{year}")
    except RoundError:
        abort(404)


def grant_or_404(slug: str, year: int, number: str,
                 action: Action) -> tuple[Grant, Municipality]:
    """The grant and its municipality, if the user may do `action` there (else 404 and,
    for a municipality out of scope, an audit event)."""
    grant = responses.find_grant(slug, year, number) if number.isdigit() else None
    municipality = responses.municipality_of(grant) if grant is not None else None
    if grant is None or municipality is None:
        abort(404)
    enforce(action, municipality)
    return grant, municipality
