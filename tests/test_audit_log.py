"""The audit log: written with each change, readable and filterable by admins and auditors."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db


def test_auditor_filters_the_log_by_event_and_actor(client, auth, users, runner):
    runner.invoke(args=["users", "create", "ny@helsedir.no", "--role", "admin"])
    auth.login(users["coordinator"])
    client.get("/kommuner/0301")  # refused, and recorded
    auth.logout()
    auth.login(users["auditor"])
    everything = client.get("/logg").get_data(as_text=True)
    for action in ("user.create", "access.denied", "user.sign-in", "register.import"):
        assert action in everything
    denied = client.get("/logg", query_string={"action": "access.denied"}).get_data(as_text=True)
    assert users["coordinator"] in denied and "Kommune 0301" in denied
    assert "Ble nektet en side eller en handling" in denied  # the event in words
    assert "user.create" not in denied.split("<tbody>")[1]
    mine = client.get("/logg", query_string={"actor": users["auditor"]}).get_data(as_text=True)
    assert "user.sign-in" in mine.split("<tbody>")[1]
    assert "access.denied" not in mine.split("<tbody>")[1]
    future = client.get("/logg", query_string={"from": "2999-01-01"}).get_data(as_text=True)
    assert "Ingen hendelser samsvarer med filteret." in future


def test_the_new_users_record_shows_what_was_created(client, auth, users, runner):
    runner.invoke(args=["users", "create", "ny@sf.no", "--role", "reviewer",
                        "--office", "Vestland"])
    auth.login(users["admin"])
    page = client.get("/logg", query_string={"action": "user.create"}).get_data(as_text=True)
    assert "ny@sf.no" in page and "vestland" in page and "Tjenesten, automatisk" in page
    assert "Opprettet en konto" in page and "<code>user.create</code>" in page


OSLO_COORDINATOR = "koord@oslo.kommune.no"
OSLO_REVIEWER = "rev@sfov.no"
REPORTS = "/rapporter/lavterskel-psykisk-helse/2022"


def rows_of(page: str) -> set[tuple[str, str, str]]:
    """(who, event, object) of each row of the log's table, as recorded (the row's
    `data-record`; the cells show them in words)."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return {tuple(html.unescape(r).split("|", 2))  # type: ignore[misc]
            for r in re.findall(r'<tr data-record="([^"]*)"', body)}


@pytest.fixture
def two_offices(app, users, runner, lavterskel) -> dict[str, set[tuple[str, str, str]]]:
    """Events of 3405 Lillehammer (Innlandet) and of 0301 Oslo (Oslo og Viken): each
    municipality's coordinator saves a page and is refused the other's municipality page,
    the national reviewer waives a flag on each grant, and each office has a reviewer.
    Returns the rows each office's events make in the log."""
    from survey_app import audit
    from survey_app.models import Flag, Grant, Response, User
    from survey_app.services import decisions
    from tests.conftest import AuthActions
    from tests.factories import make_coordinator
    from tests.report.test_flow import PAGES, save

    for email, office in ((OSLO_REVIEWER, "oslo-og-viken"), ("ny@sfin.no", "innlandet")):
        result = runner.invoke(args=["users", "create", email, "--role", "reviewer",
                                     "--office", office])
        assert result.exit_code == 0, result.output
    with app.app_context():
        make_coordinator("0301", email=OSLO_COORDINATOR)
    for email, own, other in ((users["coordinator"], "3405", "0301"),
                              (OSLO_COORDINATOR, "0301", "3405")):
        client = app.test_client()
        AuthActions(client).login(email)
        assert save(client, "services", PAGES["services"],
                    report=f"{REPORTS}/{own}").status_code == 302
        assert client.get(f"/kommuner/{other}").status_code == 404
    rows: dict[str, set[tuple[str, str, str]]] = {"3405": set(), "0301": set()}
    with app.app_context():
        reviewer = db.session.scalar(sa.select(User).where(
            User.email == users["reviewer_national"]))
        for number, coordinator, staff in (("3405", users["coordinator"], "ny@sfin.no"),
                                           ("0301", OSLO_COORDINATOR, OSLO_REVIEWER)):
            grant = db.session.scalar(sa.select(Grant).where(
                Grant.municipality_number == number))
            response = db.session.scalar(sa.select(Response).where(Response.grant_id == grant.id))
            flag = Flag(grant_id=grant.id, rule_id="not-reported", severity="repayment",
                        amount_ore=100_000, explanation={"title": {"nb": "Ikke rapportert"}})
            db.session.add(flag)
            db.session.commit()
            decisions.waive(flag, "Rapporten kom.", reviewer)
            # as services.grants.opt_out names a grant: by round and kommunenummer
            audit.record("grant.opt-out", "grant", f"{lavterskel}/{number}")
            db.session.commit()
            account = db.session.scalar(sa.select(User.id).where(User.email == staff))
            rows[number] |= {
                (coordinator, "response.start", f"response {response.id}"),
                (coordinator, "response.save-page", f"response {response.id}"),
                # refused the other office's municipality: an event of that municipality
                ({"3405": OSLO_COORDINATOR, "0301": users["coordinator"]}[number],
                 "access.denied", f"municipality {number}"),
                (users["reviewer_national"], "flag.waive", f"flag {flag.id}"),
                ("system", "grant.opt-out", f"grant {lavterskel}/{number}"),
                ("system", "user.create", f"user {account}"),
            }
    return rows


def test_an_office_auditor_reads_only_the_offices_events_a_national_one_all(
        client, auth, users, two_offices):
    auth.login(users["auditor_innlandet"])
    shown = rows_of(client.get("/logg").get_data(as_text=True))
    assert two_offices["3405"] <= shown  # Lillehammer's, and Innlandet's reviewer
    assert not two_offices["0301"] & shown  # nothing of Oslo's, nor of Oslo's reviewer
    assert not any("0301" in obj for _who, _action, obj in shown)
    # Oslo's coordinator appears only where refused Lillehammer's page (3405's event)
    assert {(a, o) for who, a, o in shown if who == OSLO_COORDINATOR} == {
        ("access.denied", "municipality 3405")}
    asked = client.get("/logg", query_string={"object_type": "municipality",
                                              "object_id": "0301"}).get_data(as_text=True)
    assert "Ingen hendelser samsvarer med filteret." in asked
    auth.logout()
    auth.login(users["auditor"])
    everything = rows_of(client.get("/logg").get_data(as_text=True))
    assert two_offices["3405"] | two_offices["0301"] <= everything


def test_the_events_of_a_round_are_every_offices_unless_another_offices_staff_made_them(
        app, client, auth, users, two_offices, lavterskel):
    from survey_app import audit
    from survey_app.models import User

    with app.app_context():
        oslo = db.session.scalar(sa.select(User).where(User.email == OSLO_REVIEWER))
        audit.record("export.download", "round", lavterskel, actor=oslo)
        audit.record("flags.compute", "round", lavterskel)
        db.session.commit()
    auth.login(users["auditor_innlandet"])
    shown = rows_of(client.get("/logg").get_data(as_text=True))
    assert ("system", "flags.compute", f"round {lavterskel}") in shown
    assert (OSLO_REVIEWER, "export.download", f"round {lavterskel}") not in shown
    # an account without a scope reads nothing at all
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == users["auditor_innlandet"])
                           .values(office=None))
        db.session.commit()
    assert rows_of(client.get("/logg").get_data(as_text=True)) == set()


def test_every_action_the_service_records_has_words_in_the_log():
    """An action added without words would show its code to the reader: name them all."""
    import ast
    import pathlib

    from survey_app.audit_words import ACTIONS
    recorded: set[str] = set()
    for path in pathlib.Path("survey_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and getattr(
                    node.func, "attr", getattr(node.func, "id", "")) == "record":
                recorded.update(c.value for c in ast.walk(node.args[0])
                                if isinstance(c, ast.Constant) and isinstance(c.value, str))
    recorded = {a for a in recorded if "." in a and not a.endswith("-")}
    recorded |= {"user.password-reset-opened", "user.password-reset-refused"}  # an f-string
    assert len(recorded) > 50
    assert sorted(recorded - ACTIONS.keys()) == []
