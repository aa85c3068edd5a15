"""A coordinator's reports split as "Mine rapporter" shows them: what is still to do,
the soonest deadline first, and the earlier reports, the latest deadline first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from survey_app.formatting import OSLO
from survey_app.models import GrantStatus, ResponseStatus
from survey_app.services.responses import Report


def oslo_today() -> dt.date:
    """The day it is in Norway: a deadline is a Norwegian calendar day."""
    return dt.datetime.now(OSLO).date()


@dataclass(frozen=True)
class ToDo:
    report: Report
    overdue: bool  # never submitted, and the deadline day has passed in Norway
    opens_later: bool  # the round's reporting has not opened yet


@dataclass(frozen=True)
class MyReports:
    to_do: list[ToDo]
    earlier: list[Report]


def needs_doing(report: Report) -> bool:
    """Not submitted yet, or returned for correction; a declined or closed grant needs
    nothing."""
    if report.grant.status in (GrantStatus.OPTED_OUT, GrantStatus.CLOSED):
        return False
    response = report.response
    return response is None or response.status in (ResponseStatus.DRAFT,
                                                   ResponseStatus.RETURNED)


def split(reports: list[Report], today: dt.date) -> MyReports:
    """`reports` (any order) as to do and earlier. A returned report is not marked
    overdue: it was submitted in time or not, and the reviewer asked for the correction."""
    to_do = [ToDo(r, overdue=(r.response is None or r.response.latest_submission is None)
                  and today > r.grant.round.deadline,
                  opens_later=not r.grant.round.is_open(today))
             for r in reports if needs_doing(r)]
    to_do.sort(key=lambda item: (item.report.grant.round.deadline,
                                 item.report.grant.round.scheme.slug,
                                 item.report.grant.municipality_number))
    earlier = sorted((r for r in reports if not needs_doing(r)),
                     key=lambda r: (r.grant.round.deadline, r.grant.round.scheme.slug),
                     reverse=True)
    return MyReports(to_do, earlier)
