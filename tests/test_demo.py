"""`demo seed`: the register and one user per role, printed; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Grant,
    GrantEvent,
    Municipality,
    Response,
    Round,
    Submission,
    User,
)
from survey_app.services.demo import DEMO_USERS


def snapshot() -> tuple:
    def rows(model):
        return sorted(tuple(getattr(r, c.name) for c in model.__table__.columns)
                      for r in db.session.scalars(sa.select(model)))

    return (rows(Municipality), rows(User), rows(AuditEvent), rows(Round), rows(Grant),
            rows(GrantEvent), rows(Response), rows(Submission))


def test_demo_seed_prints_working_logins_and_is_idempotent(app, runner, client):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    for demo in DEMO_USERS:
        assert demo.email in first.output and demo.password in first.output
    assert {u.role for u in DEMO_USERS} == {"coordinator", "reviewer", "auditor", "admin",
                                             "author"}
    with app.app_context():
        before = snapshot()
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0
    assert "0 municipalities added" in second.output and "0 added" in second.output
    with app.app_context():
        assert snapshot() == before
    for demo in DEMO_USERS:
        response = client.post("/logg-inn", data={"email": demo.email, "password": demo.password})
        assert response.status_code == 302, demo.email
        client.post("/logg-ut")


def test_demo_seed_refuses_in_production(make_app):
    production = make_app(APP_ENV="production", SECRET_KEY=secrets.token_hex(32))
    result = production.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 1
    assert "not loaded in production" in result.output


def test_the_demo_rounds_have_the_letters_figures_and_a_realistic_spread(app, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    listed = runner.invoke(args=["grants", "list", "lavterskel-psykisk-helse/2022"])
    lines = [line.split(";") for line in listed.output.splitlines()]
    # The 356 municipalities of the 2022 register, by the key called population.
    assert len(lines) == 356
    numbers = {number for number, *_ in lines}
    assert {"3001", "1507", "5401"} <= numbers and not {"1580", "3101", "1508"} & numbers
    assert sum(int(amount) for _, _, amount, _ in lines) == 100_000_000
    statuses = [status for *_, status in lines]
    assert statuses.count("opted_out") == 3
    with app.app_context():
        submissions = db.session.scalars(sa.select(Submission)).all()
        drafts = db.session.scalar(sa.select(sa.func.count(Response.id)).where(
            Response.status == "draft"))
    late = sum(s.late for s in submissions)
    assert 250 < len(submissions) < 353 and 0 < late < len(submissions) / 4
    assert 0 < drafts < 60 and len(submissions) + drafts < 353  # some never opened
    flagged = [line.split(";") for line in runner.invoke(
        args=["flags", "list", "lavterskel-psykisk-helse/2022"]).output.splitlines()]
    not_reported = {number for number, rule, _, _ in flagged if rule == "not-reported"}
    assert len(not_reported) == 353 - len(submissions)  # every non-reporter, for its grant
    rounds = runner.invoke(args=["rounds", "list"]).output
    assert "kommunalt-rusarbeid-overgang/2024" in rounds
    assert "langvarige-sammensatte-voksne/" in rounds


def test_the_demo_2022_round_has_2022_counties_offices_and_economy_rows(app, runner):
    """Seed 000's round as it was in 2022: Halden 3001 in Viken under the office then
    called Oslo og Viken, in the tracking rates and in the economy export alike."""
    from survey_app.services import export_data, rounds, tracking

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        found = rounds.find_round("lavterskel-psykisk-helse/2022")
        places = {m.number: m for m in tracking.round_municipalities(found)}
        assert len(places) == 356
        assert (places["3001"].county_name, places["5401"].county_name) == (
            "Viken", "Troms og Finnmark")
        states = tracking.grant_states(found, places.values())
        offices = {rate.name for rate in tracking.response_rates(states).by_office}
        assert "Statsforvalteren i Oslo og Viken" in offices
        assert "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus" not in offices
        counties = {rate.name for rate in tracking.response_rates(states).by_county}
        assert {"Viken", "Vestfold og Telemark", "Troms og Finnmark"} <= counties
        assert not {"Østfold", "Akershus", "Buskerud", "Troms", "Finnmark"} & counties
        rows = {row[0]: row for row in export_data.economy_rows(
            found, export_data.scope_of(found, None))}
        assert rows["3001"][1:4] == ("Halden", "Viken", "Statsforvalteren i Oslo og Viken")
        assert sum(row[4] for row in rows.values()) == 100_000_000
        # Paid out on seed 000's day by the same job an operator runs (`grants pay`).
        assert sum(row[5] for row in rows.values()) == 100_000_000
        assert {row[6] for row in rows.values() if row[4]} == {dt.date(2022, 4, 29)}
        assert "1580" not in rows
