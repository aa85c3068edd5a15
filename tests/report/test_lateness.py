"""A report is late after the deadline's day as the calendar reads in Norway, not in UTC."""

from __future__ import annotations

import datetime as dt

from survey_app.models import Grant, Round
from survey_app.services.responses import is_late


def grant_due(deadline: dt.date) -> Grant:
    return Grant(round=Round(deadline=deadline))


def test_half_past_midnight_in_oslo_after_the_deadline_is_late_though_utc_is_still_on_it():
    grant = grant_due(dt.date(2023, 4, 1))  # summer time: Oslo is UTC+2
    assert not is_late(grant, dt.datetime(2023, 4, 1, 21, 30))  # 23:30 in Oslo
    assert is_late(grant, dt.datetime(2023, 4, 1, 22, 30))  # 00:30 on 2 April in Oslo


def test_in_winter_the_day_ends_at_23_utc():
    grant = grant_due(dt.date(2024, 2, 1))  # winter: UTC+1
    assert not is_late(grant, dt.datetime(2024, 2, 1, 22, 59))
    assert is_late(grant, dt.datetime(2024, 2, 1, 23, 0))
    assert is_late(grant, dt.datetime(2024, 2, 1, 23, 0, tzinfo=dt.UTC))
