"""What a signed-in request asks the database (issue 12, deadline-day speed): the session's
row, the signed-in user with its sign-in record and the published questionnaires' stamp
in one statement; and the page markup cached by the figures a page reads, not by all."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.models import Mailbox, OutboxMail, UserSession
from survey_app.questionnaire_view import section_fields
from tests.conftest import AuthActions
from tests.report.test_flow import fill_all

REPORT = "/rapporter/lavterskel-psykisk-helse/2022/3405"


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every statement the app runs meanwhile, in order."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def test_a_report_page_reads_session_user_and_stamp_in_one_statement(
        app, client, auth: AuthActions, users, lavterskel):
    auth.login(users["coordinator"])
    assert client.get(f"{REPORT}/side/services").status_code == 200  # the session settles
    with statements(app) as seen:
        page = client.get(f"{REPORT}/side/services")
    assert page.status_code == 200
    assert "Lillehammer" in page.get_data(as_text=True)
    first = seen[0]
    assert "FROM sessions" in first and "users" in first and "user_sessions" in first
    assert "published_definitions" in first
    # nothing of it is read again in the request
    assert not [s for s in seen[1:] if "FROM users" in s or "published_definitions" in s
                or "FROM sessions" in s], seen
    assert len(seen) == 2, seen  # and the report (grant, municipality, response)


def test_a_sign_in_ended_elsewhere_signs_nobody_in_at_the_next_request(
        app, client, auth: AuthActions, users, lavterskel):
    auth.login(users["coordinator"])
    assert client.get(REPORT).status_code == 200
    with app.app_context():  # another server ends the session (sign-out everywhere)
        db.session.execute(sa.delete(UserSession))
        db.session.commit()
    answer = client.get(REPORT)
    assert answer.status_code == 302 and "/logg-inn" in answer.headers["Location"]


def test_an_expired_sign_in_read_with_the_session_is_still_ended(
        app, client, auth: AuthActions, users, lavterskel):
    """The user read with the session's row goes through the same idle check."""
    auth.login(users["coordinator"])
    assert client.get(REPORT).status_code == 200
    with app.app_context():
        for record in db.session.scalars(sa.select(UserSession)):
            record.last_seen -= dt.timedelta(
                seconds=app.config["SIGN_IN_IDLE_SECONDS"] + 60)
        db.session.commit()
    answer = client.get(REPORT)
    assert answer.status_code == 302 and "/logg-inn" in answer.headers["Location"]


def test_a_submit_reads_the_post_box_with_the_report_not_on_its_own(
        app, client, auth: AuthActions, users, lavterskel):
    """The receipt's copy to the post box is addressed from the report's one query."""
    with app.app_context():
        db.session.add(Mailbox(number="3405", email="postmottak@lillehammer.kommune.no"))
        db.session.commit()
    auth.login(users["coordinator"])
    summary = fill_all(client)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    with statements(app) as seen:
        answer = client.post(f"{REPORT}/send", data={"key": key})
        answer.close()
    assert answer.status_code == 303
    assert not [s for s in seen if s.startswith("SELECT") and "FROM mailboxes" in s
                and "grants" not in s], seen
    with app.app_context():
        to = set(db.session.scalars(sa.select(OutboxMail.to)))
    assert to == {users["coordinator"], "postmottak@lillehammer.kommune.no"}


FIGURES = """
id: figures
version: 1
scheme: "765.60"
title: Tall
sections:
  - id: plain
    title: Uten tall
    questions:
      - {id: used, type: amount, label: Brukt beløp}
  - id: shown
    title: Med tall
    questions:
      - id: spent
        type: amount
        label: "Hvor mye av {grant.amount} ble brukt i {grant.year}?"
      - id: kind
        type: single_choice
        label: Type
        choices:
          - {code: a, label: "Alt i {municipality.name}"}
          - {code: b, label: Annet}
"""
ONE = {"grant.amount": 1111, "grant.year": 2022, "municipality.name": "Aurland",
       "municipality.number": "4641", "round.year": 2023}
OTHER = {**ONE, "grant.amount": 2222, "municipality.name": "Bremanger"}


def figures_questionnaire():
    from forms.loader import load_text

    questionnaire, problems = load_text(FIGURES, "figures.v1.yaml")
    assert questionnaire is not None, problems
    return questionnaire


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_page_without_figures_is_built_once_for_every_grant(app):
    questionnaire = figures_questionnaire()
    with app.test_request_context():
        first = section_fields(questionnaire, "plain", "nb", ONE)
        assert section_fields(questionnaire, "plain", "nb", OTHER) is first
        assert section_fields(questionnaire, "plain", "en", OTHER) is not first


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_figure_a_page_shows_is_each_grants_own(app):
    questionnaire = figures_questionnaire()
    with app.test_request_context():
        for _ in range(2):  # the first build notes what it reads, the second is cached
            one = shown(section_fields(questionnaire, "shown", "nb", ONE))
            other = shown(section_fields(questionnaire, "shown", "nb", OTHER))
            assert "1\xa0111" in one and "Aurland" in one
            assert "2\xa0222" in other and "Bremanger" in other
            assert "1\xa0111" not in other and "Aurland" not in other
        # a figure missing is not the same as one given: its neutral words are shown
        missing = shown(section_fields(questionnaire, "shown", "nb",
                                       {k: v for k, v in ONE.items() if k != "grant.amount"}))
        assert "1\xa0111" not in missing and "{grant.amount}" not in missing
        assert "Aurland" in missing


def shown(fields: tuple[dict[str, object], ...]) -> str:
    """The labels and the choices' markup of a page's questions, as text."""
    return " ".join(str(view.get("label", "")) + "".join(
        str(piece) for choice in view.get("choices", ()) for piece in choice[1:])  # type: ignore[attr-defined]
        for view in fields)
