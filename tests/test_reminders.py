"""Reminders: only municipalities that have not reported, each step once, and never
twice even when two servers run the same cron job at the same moment."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Grant, Reminder, Response, Submission
from survey_app.services.invitations import due_step, send_reminders, sync_recipients
from survey_app.services.rounds import find_round
from tests.conftest import at_once
from tests.factories import LAVTERSKEL_2022
from tests.smtp import (
    BASE_URL,
    KLEPP_COORDINATOR,
    LILLEHAMMER_POSTBOX,
    OSLO_COORDINATOR,
    _free_port,
    add_mail_cast,
    smtp_server,  # noqa: F401  (the fixture)
)

DEADLINE = dt.date(2023, 4, 1)  # the lavterskel round's


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(6, 0))


TEN_DAYS_BEFORE = at(DEADLINE - dt.timedelta(days=10))


def mark_submitted(number: str) -> None:
    """The municipality's report is in: a submitted Response with its Submission."""
    grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == number))
    response = Response(grant_id=grant.id, questionnaire_id="lavterskel-psykisk-helse",
                        questionnaire_version=1, content_hash="0" * 64, status="submitted",
                        started_by="x@example.no", updated_by="x@example.no")
    response.submissions.append(Submission(
        number=1, idempotency_key=f"key-{number}", reference=f"REF-{number}",
        questionnaire_id="lavterskel-psykisk-helse", questionnaire_version=1,
        content_hash="0" * 64, answers={}, answers_hash="0" * 64,
        submitted_by="x@example.no"))
    db.session.add(response)
    db.session.commit()


@pytest.fixture
def smtp_app(app, lavterskel, make_app, smtp_server):  # noqa: F811
    """Delivering to the local SMTP server; Lillehammer has reported, Oslo and Klepp not."""
    other = make_app(**smtp_server.config())
    with other.app_context():
        add_mail_cast()
        mark_submitted("3405")
    return other


def remind(app, now: dt.datetime):
    with app.app_context():
        return send_reminders(find_round(LAVTERSKEL_2022), BASE_URL, now)


def test_the_steps_fall_14_and_3_days_before_the_deadline_and_after_it(ctx, lavterskel):
    round_ = find_round(LAVTERSKEL_2022)
    days = {-15: None, -14: 1, -4: 1, -3: 2, 0: 2, 1: 3, 60: 3}
    for offset, step in days.items():
        assert due_step(round_, DEADLINE + dt.timedelta(days=offset)) == step, offset


def test_only_municipalities_that_have_not_reported_are_reminded_once_per_step(
        smtp_app, smtp_server):  # noqa: F811
    assert remind(smtp_app, TEN_DAYS_BEFORE).line() == "sent 2, skipped 1, failed 0"
    assert not smtp_server.to(LILLEHAMMER_POSTBOX)
    [klepp] = smtp_server.to(KLEPP_COORDINATOR)
    assert klepp["Subject"].startswith("Påminning: rapportering om Mellombels styrking")
    assert "innan 01.04.2023" in klepp.get_content()
    assert remind(smtp_app, TEN_DAYS_BEFORE + dt.timedelta(hours=8)).sent == 0
    assert len(smtp_server.messages) == 2
    assert remind(smtp_app, at(DEADLINE + dt.timedelta(days=1))).sent == 2
    [_, overdue] = smtp_server.to(OSLO_COORDINATOR)
    assert overdue["Subject"].startswith("Fristen er ute: rapportering")


def test_nothing_is_sent_before_the_first_step(smtp_app, smtp_server):  # noqa: F811
    assert remind(smtp_app, at(DEADLINE - dt.timedelta(days=20))).sent == 0
    assert smtp_server.messages == []


def test_a_reminder_brings_a_fresh_link_only_to_whom_has_neither_link_nor_password(
        smtp_app, smtp_server):  # noqa: F811
    remind(smtp_app, TEN_DAYS_BEFORE)
    klepp = smtp_server.to(KLEPP_COORDINATOR)[0].get_content()
    oslo = smtp_server.to(OSLO_COORDINATOR)[0].get_content()
    assert f"{BASE_URL}/invitasjon/" in klepp
    assert "/invitasjon/" not in oslo and f"{BASE_URL}/logg-inn" in oslo


def test_a_failed_send_releases_its_claim_so_the_next_run_retries(
        smtp_app, smtp_server, make_app):  # noqa: F811
    down = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(),
                    SMTP_TIMEOUT=5)
    summary = remind(down, TEN_DAYS_BEFORE)
    assert (summary.sent, summary.failed) == (0, 2)
    assert any(KLEPP_COORDINATOR in failure for failure in summary.failures)
    with down.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 0
    assert remind(smtp_app, TEN_DAYS_BEFORE).sent == 2


def test_a_step_claimed_by_another_server_is_skipped(smtp_app, smtp_server):  # noqa: F811
    with smtp_app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "0301"))
        [oslo] = sync_recipients(grant)
        db.session.add(Reminder(recipient_id=oslo.id, step=1))
        db.session.commit()
    assert remind(smtp_app, TEN_DAYS_BEFORE).line() == "sent 1, skipped 2, failed 0"
    assert not smtp_server.to(OSLO_COORDINATOR)


def test_two_servers_running_the_job_at_once_send_each_reminder_once(
        smtp_app, smtp_server, make_app):  # noqa: F811
    servers = [smtp_app, make_app(**smtp_server.config())]
    results = at_once([lambda app=app: remind(app, TEN_DAYS_BEFORE) for app in servers])
    assert sum(r.sent for r in results) == 2 and sum(r.failed for r in results) == 0
    assert len(smtp_server.to(KLEPP_COORDINATOR)) == 1
    assert len(smtp_server.to(OSLO_COORDINATOR)) == 1


def test_the_cli_reminds_and_says_how_many(app, lavterskel, runner):
    with app.app_context():
        add_mail_cast()
    result = runner.invoke(args=["reminders", "send", LAVTERSKEL_2022, "--base-url", BASE_URL])
    assert result.exit_code == 0, result.output
    # Today is long after the 2023 deadline: the overdue step, to all three grants.
    assert result.output == f"{LAVTERSKEL_2022}: sent 3, skipped 0, failed 0\n"
