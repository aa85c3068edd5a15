"""Tracking a round: each grant's state, and the response rates a reviewer sees — only
ever of the municipalities in the reviewer's scope."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    Grant,
    GrantStatus,
    Invitation,
    Recipient,
    Response,
    ResponseStatus,
    Submission,
)
from survey_app.review.views import local_date
from survey_app.services import tracking
from survey_app.services.tracking import State
from tests.factories import LAVTERSKEL_2022, make_round

NBSP = "\u00a0"
# Six grants in Innlandet, Oslo, two in Rogaland and Bergen in Vestland.
AMOUNTS = {"3401": 100_000, "3403": 200_000, "3405": 300_000, "3407": 400_000,
           "3411": 500_000, "3413": 600_000, "0301": 5_000_000, "1103": 700_000,
           "1106": 800_000, "4601": 900_000}
EXPECTED_STATES = {
    "3401": State.SUBMITTED,  # Kongsvinger, on time
    "3403": State.SUBMITTED_LATE,  # Hamar
    "3405": State.OPENED,  # Lillehammer opened its invitation
    "3407": State.DECLINED,  # Gjøvik opted out
    "3411": State.RETURNED,  # Ringsaker, returned for correction
    "3413": State.NOT_INVITED,  # Stange
    "0301": State.SUBMITTED,  # Oslo, on time
    "1103": State.STARTED,  # Stavanger, invited and started a draft
    "1106": State.NOT_INVITED,  # Haugesund
    "4601": State.INVITED,  # Bergen, invited, not opened
}
SENT = dt.datetime(2023, 1, 9, 23, 30)  # UTC: 10 January in Norway
OPENED = dt.datetime(2023, 1, 12, 8, 0)
STARTED = dt.datetime(2023, 2, 1, 9, 0)
ON_TIME = dt.datetime(2023, 3, 20, 12, 0)
LATE = dt.datetime(2023, 4, 10, 12, 0)


def _respond(grant: Grant, status: str, submitted_at: dt.datetime | None = None,
             late: bool = False) -> None:
    response = Response(grant_id=grant.id, questionnaire_id="lavterskel-psykisk-helse",
                        questionnaire_version=1, content_hash="x" * 64, status=status,
                        started_at=STARTED, started_by="koord@example.no",
                        updated_by="koord@example.no")
    db.session.add(response)
    db.session.flush()
    if submitted_at is not None:
        db.session.add(Submission(
            response_id=response.id, number=1, idempotency_key=f"key-{grant.id}",
            reference=f"2022-{grant.municipality_number}-LPH-1",
            questionnaire_id="lavterskel-psykisk-helse", questionnaire_version=1,
            content_hash="x" * 64, answers={}, answers_hash="y" * 64,
            submitted_at=submitted_at, submitted_by="koord@example.no", late=late))


def _invite(grant: Grant, opened_at: dt.datetime | None = None) -> None:
    recipient = Recipient(grant_id=grant.id, email=f"post@{grant.municipality_number}.no",
                          kind="postbox")
    db.session.add(recipient)
    db.session.flush()
    db.session.add(Invitation(recipient_id=recipient.id,
                              token_hash=f"{grant.municipality_number:0>64}",
                              expires_at=dt.datetime(2023, 6, 1), sent_at=SENT,
                              opened_at=opened_at))


@pytest.fixture
def tracked(app) -> str:
    """The lavterskel 2022 round with one grant in every state (EXPECTED_STATES)."""
    with app.app_context():
        created = make_round(amounts=AMOUNTS)
        grants = {g.municipality_number: g for g in created.grants}
        _respond(grants["3401"], ResponseStatus.SUBMITTED, ON_TIME)
        _respond(grants["3403"], ResponseStatus.SUBMITTED, LATE, late=True)
        _invite(grants["3405"], opened_at=OPENED)
        grants["3407"].status = GrantStatus.OPTED_OUT
        _respond(grants["3411"], ResponseStatus.RETURNED, ON_TIME)
        _respond(grants["0301"], ResponseStatus.SUBMITTED, ON_TIME)
        _invite(grants["1103"])
        _respond(grants["1103"], ResponseStatus.DRAFT)
        _invite(grants["4601"])
        db.session.commit()
        return created.key


def _states(app, **scope):
    from survey_app.models import User
    from survey_app.services.rounds import find_round

    with app.app_context():
        round_ = find_round(LAVTERSKEL_2022)
        user = User(email="x@example.no", role="reviewer", **{"office": "national", **scope})
        return tracking.grant_states(round_, tracking.scoped_municipalities(round_, user))


def test_every_grant_has_its_state_and_dates(app, tracked):
    states = {s.number: s for s in _states(app)}
    assert {n: s.state for n, s in states.items()} == EXPECTED_STATES
    lillehammer = states["3405"]
    assert (lillehammer.name, lillehammer.county_name, lillehammer.office) == (
        "Lillehammer", "Innlandet", "innlandet")
    assert (lillehammer.invited_at, lillehammer.opened_at, lillehammer.started_at) == (
        SENT, OPENED, None)
    assert (states["3403"].started_at, states["3403"].submitted_at) == (STARTED, LATE)
    assert states["1103"].invited_at == SENT and states["1103"].submitted_at is None


def test_the_national_rates_overall_by_county_and_by_office(app, tracked):
    rates = tracking.response_rates(_states(app))
    # 10 grants, Gjøvik declined: 9 granted; Kongsvinger, Hamar (late), Ringsaker
    # (returned, first sent on time) and Oslo reported.
    assert rates.overall == tracking.Rate("", "", granted=9, declined=1, submitted=4,
                                          on_time=3, late=1)
    assert rates.overall.rate == Fraction(400, 9)
    assert rates.overall.percent == f"44,4{NBSP}%"
    assert [(r.key, r.name, r.granted, r.submitted, r.on_time, r.late, r.percent)
            for r in rates.by_county] == [
        ("03", "Oslo", 1, 1, 1, 0, f"100,0{NBSP}%"),
        ("11", "Rogaland", 2, 0, 0, 0, f"0,0{NBSP}%"),
        ("34", "Innlandet", 5, 3, 2, 1, f"60,0{NBSP}%"),
        ("46", "Vestland", 1, 0, 0, 0, f"0,0{NBSP}%"),
    ]
    assert [(r.key, r.granted, r.submitted, r.percent) for r in rates.by_office] == [
        ("innlandet", 5, 3, f"60,0{NBSP}%"),
        ("oslo-og-viken", 1, 1, f"100,0{NBSP}%"),
        ("rogaland", 2, 0, f"0,0{NBSP}%"),
        ("vestland", 1, 0, f"0,0{NBSP}%"),
    ]
    assert rates.counts[State.NOT_INVITED] == 2 and sum(rates.counts.values()) == 10


def test_an_office_reviewer_counts_only_the_municipalities_of_the_office(app, tracked):
    states = _states(app, office="innlandet")
    assert sorted(s.number for s in states) == ["3401", "3403", "3405", "3407", "3411", "3413"]
    rates = tracking.response_rates(states)
    assert (rates.overall.granted, rates.overall.submitted, rates.overall.percent) == (
        5, 3, f"60,0{NBSP}%")
    assert [r.key for r in rates.by_county] == ["34"]
    assert [r.key for r in rates.by_office] == ["innlandet"]


def test_a_round_costs_a_handful_of_queries_whatever_its_size(app, tracked):
    from survey_app.services.rounds import find_round

    statements: list[str] = []
    with app.app_context():
        round_ = find_round(LAVTERSKEL_2022)
        municipalities = tracking.round_municipalities(round_)

        def count(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            tracking.grant_states(round_, municipalities)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 4  # grants, responses, first submissions, invitations


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(200, 3), "66,7"), (Fraction(25, 2), "12,5"), (Fraction(25, 4), "6,3"),
    (Fraction(1, 20), "0,1"), (Fraction(1, 21), "0,0"), (Fraction(100), "100,0")])
def test_a_percentage_is_rounded_half_up_to_one_decimal_with_a_comma(value, text):
    assert tracking.format_percent(value) == f"{text}{NBSP}%"


def test_nothing_granted_has_no_rate():
    assert tracking.Rate("", "").rate is None
    assert tracking.Rate("", "").percent == "–"


def test_times_are_shown_as_the_norwegian_calendar_day():
    assert local_date(SENT) == "10.01.2023"
    assert local_date(None) == ""


ROUND_PAGE = "/gjennomgang/runder/lavterskel-psykisk-helse/2022"


def test_the_innlandet_reviewer_never_sees_nor_counts_oslo(client, auth, users, tracked):
    auth.login(users["reviewer_innlandet"])
    for url in ("/gjennomgang/runder", ROUND_PAGE):
        page = client.get(url).get_data(as_text=True)
        assert "0301" not in page and "Oslo" not in page and "Bergen" not in page, url
        assert f"60,0{NBSP}%" in page and "44,4" not in page, url
    page = client.get(ROUND_PAGE).get_data(as_text=True)
    assert "Lillehammer" in page
    assert "10.01.2023" in page  # Lillehammer's invitation, sent late on 9 January UTC


def test_the_national_reviewer_sees_every_municipality(client, auth, users, tracked):
    auth.login(users["reviewer_national"])
    assert f"44,4{NBSP}%" in client.get("/gjennomgang/runder").get_data(as_text=True)
    page = client.get(ROUND_PAGE).get_data(as_text=True)
    assert "0301" in page and "Oslo" in page and f"44,4{NBSP}%" in page
    assert f"100,0{NBSP}%" in page  # Oslo's county and office


def test_the_grants_can_be_filtered_by_state_and_county(client, auth, users, tracked):
    auth.login(users["reviewer_national"])
    late = client.get(ROUND_PAGE, query_string={"state": "submitted_late"}).get_data(
        as_text=True)
    assert ">Hamar</a></th>" in late
    assert ">Kongsvinger</a></th>" not in late
    rogaland = client.get(ROUND_PAGE, query_string={"county": "11"}).get_data(as_text=True)
    assert ">Stavanger</a></th>" in rogaland
    assert ">Hamar</a></th>" not in rogaland
    unknown = client.get(ROUND_PAGE, query_string={"state": "nonsense"})
    assert unknown.status_code == 200 and ">Bergen</a></th>" in unknown.get_data(
        as_text=True)


def test_a_coordinator_cannot_open_the_tracking_pages(client, auth, users, tracked):
    auth.login(users["coordinator"])
    assert client.get("/gjennomgang/runder").status_code == 404
    assert client.get(ROUND_PAGE).status_code == 404


def test_a_round_that_does_not_exist_is_not_found(client, auth, users, tracked):
    auth.login(users["reviewer_national"])
    assert client.get("/gjennomgang/runder/lavterskel-psykisk-helse/2031").status_code == 404
    assert client.get("/gjennomgang/runder/finnes-ikke/2022").status_code == 404
