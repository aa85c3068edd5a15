"""The objects a URL names, found for a view: 404 when missing or outside the user's scope.

One place, so that every page addressed by round (`<slug>/<year>`) or by a municipality's
grant in it (`<slug>/<year>/<kommunenummer>`) answers the same way.
"""

from __future__ import annotations

from flask import abort, url_for

from survey_app.access import Action, enforce
from survey_app.extensions import db
from survey_app.models import Grant, Municipality, Round
from survey_app.services import responses
from survey_app.services.rounds import RoundError, find_round


def round_or_404(slug: str, year: int) -> Round:
    try:
        return find_round(f"{slug}/{year}")
    except RoundError:
        abort(404)


def report_or_404(slug: str, year: int, number: str, action: Action) -> responses.FoundReport:
    """The grant, its municipality and its response, if the user may do `action` there
    (else 404 and, for a municipality out of scope, an audit event)."""
    report = responses.find_report(slug, year, number) if number.isdigit() else None
    if report is None or report.municipality is None:
        abort(404)
    enforce(action, report.municipality)
    return report


def grant_or_404(slug: str, year: int, number: str,
                 action: Action) -> tuple[Grant, Municipality]:
    """The grant and its municipality, as `report_or_404`."""
    report = report_or_404(slug, year, number, action)
    assert report.municipality is not None  # report_or_404 answered 404 otherwise
    return report.grant, report.municipality


def report_url_of(grant_id: int) -> str:
    """The report of a grant (where an invited coordinator wants to land), or their list
    of reports if the grant is gone."""
    grant = db.session.get(Grant, grant_id)
    if grant is None:
        return url_for("main.my_reports")
    return url_for("report.overview", slug=grant.round.scheme.slug, year=grant.round.year,
                   number=grant.municipality_number)
