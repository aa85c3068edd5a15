"""Queued mail: a receipt is committed with its submission and sent right after; when
the SMTP server is down it waits in the outbox and `flask mail send` delivers it later,
once, even with several servers running the job; a mail refused for a day is given up."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.mail import (
    CLAIM,
    MAX_ATTEMPTS,
    RETRY_PAUSE,
    Delivery,
    deliver_queued,
    queue_mail,
    send_mail,
)
from survey_app.models import AuditEvent, MailState, OutboxMail, Submission
from survey_app.models.users import utcnow
from tests.conftest import AuthActions, at_once
from tests.report.test_flow import REPORT, fill_all
from tests.smtp import _free_port, smtp_server  # noqa: F401  (the fixture)


def smtp_down() -> dict[str, object]:
    """Settings that send to a port nobody listens on: the connection is refused."""
    return {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": _free_port(),
            "SMTP_STARTTLS": False, "SMTP_TIMEOUT": 5}


def outbox() -> list[OutboxMail]:
    return list(db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)))


def test_with_smtp_down_the_submit_succeeds_and_the_receipt_waits_then_arrives_once(
        app, lavterskel, users, make_app, smtp_server):  # noqa: F811
    down = make_app(**smtp_down())
    client = down.test_client()
    AuthActions(client).login(users["coordinator"])
    summary = fill_all(client)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    answer = client.post(f"{REPORT}/send", data={"key": key})
    assert answer.status_code == 303 and "/kvittering/1" in answer.headers["Location"]
    answer.close()  # the WSGI server closes the response once sent: the first attempt
    with down.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1
        [mail] = outbox()
        assert (mail.kind, mail.state, mail.attempts) == ("receipt", MailState.QUEUED, 1)
        assert "refused" in mail.last_error.lower() or "errno" in mail.last_error.lower()
        retry_at = mail.next_attempt_at
        assert retry_at - mail.created_at >= RETRY_PAUSE - dt.timedelta(seconds=5)

    up = make_app(**smtp_server.config())
    with up.app_context():
        assert deliver_queued(retry_at - dt.timedelta(seconds=1)).sent == 0  # not due yet
        assert deliver_queued(retry_at).line() == "sent 1, to retry 0, given up 0, skipped 0"
        [mail] = outbox()
        assert (mail.state, mail.attempts, mail.sent_at) == (MailState.SENT, 2, retry_at)
        assert deliver_queued(retry_at + dt.timedelta(days=1)).sent == 0  # never twice
    [received] = smtp_server.to(users["coordinator"])
    assert received["Subject"] == "Kvittering 2022-3405-LPH-1"


def test_the_receipt_is_sent_after_the_response_so_nobody_waits_for_smtp(
        app, lavterskel, users, make_app, smtp_server):  # noqa: F811
    up = make_app(**smtp_server.config())
    client = up.test_client()
    AuthActions(client).login(users["coordinator"])
    summary = fill_all(client)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    answer = client.post(f"{REPORT}/send", data={"key": key})
    assert answer.status_code == 303
    with up.app_context():
        [mail] = outbox()
        assert (mail.state, mail.attempts) == (MailState.QUEUED, 0)  # committed, not tried
    assert smtp_server.messages == []
    answer.close()
    with up.app_context():
        [mail] = outbox()
        assert (mail.state, mail.attempts) == (MailState.SENT, 1)
    assert len(smtp_server.to(users["coordinator"])) == 1


def test_the_cron_command_sends_what_is_due_and_says_how_many(
        app, make_app, smtp_server):  # noqa: F811
    up = make_app(**smtp_server.config())
    with up.app_context():
        queue_mail("a@example.no", "Kvittering 1", "Tekst", kind="receipt")
        later = queue_mail("b@example.no", "Kvittering 2", "Tekst", kind="receipt")
        db.session.commit()
        later.next_attempt_at = utcnow() + dt.timedelta(hours=1)
        db.session.commit()
    result = up.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "mail: sent 1, to retry 0, given up 0, skipped 0" in result.output
    assert [m["To"] for m in smtp_server.messages] == ["a@example.no"]


def test_the_cron_command_fails_visibly_while_smtp_is_down(app, make_app):
    down = make_app(**smtp_down())
    with down.app_context():
        queue_mail("a@example.no", "Kvittering", "Tekst", kind="receipt")
        db.session.commit()
    result = down.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 1
    assert "failed: a@example.no (receipt)" in result.output
    with down.app_context():
        [mail] = outbox()
        assert (mail.state, mail.attempts) == (MailState.QUEUED, 1)


def test_two_servers_sending_at_once_send_each_mail_once(
        app, make_app, smtp_server):  # noqa: F811
    servers = [make_app(**smtp_server.config()) for _ in range(2)]
    with servers[0].app_context():
        for n in range(20):
            queue_mail(f"k{n}@example.no", f"Kvittering {n}", "Tekst", kind="receipt")
        db.session.commit()

    def run(server) -> Delivery:
        with server.app_context():
            return deliver_queued()

    results = at_once([lambda s=s: run(s) for s in servers])
    assert sum(r.sent for r in results) == 20
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        f"k{n}@example.no" for n in range(20))


def test_a_mail_claimed_by_a_server_that_died_is_sent_after_the_claim_runs_out(
        app, make_app, smtp_server):  # noqa: F811
    up = make_app(**smtp_server.config())
    with up.app_context():
        mail = queue_mail("a@example.no", "Kvittering", "Tekst", kind="receipt")
        db.session.commit()
        now = utcnow()
        mail.next_attempt_at = now + CLAIM  # what a claim leaves behind
        db.session.commit()
        assert deliver_queued(now).sent == 0
        assert deliver_queued(now + CLAIM).sent == 1


def test_a_mail_refused_on_every_attempt_is_given_up_and_the_admin_sees_why(
        app, make_app, client, auth, users):
    down = make_app(**smtp_down())
    with down.app_context():
        mail = queue_mail("a@example.no", "Kvittering", "Tekst", kind="receipt")
        db.session.commit()
        now = utcnow()
        for _ in range(MAX_ATTEMPTS):
            deliver_queued(now)
            now = db.session.get(OutboxMail, mail.id).next_attempt_at or now
        mail = db.session.get(OutboxMail, mail.id)
        assert (mail.state, mail.attempts, mail.next_attempt_at) == (
            MailState.FAILED, MAX_ATTEMPTS, None)
        assert deliver_queued(now + dt.timedelta(days=30)).line() == (
            "sent 0, to retry 0, given up 0, skipped 0")
        mail_id = mail.id
    auth.login(users["admin"])
    page = client.get(f"/admin/utboks/{mail_id}").get_data(as_text=True)
    assert f"Ikke sendt: ga opp etter {MAX_ATTEMPTS} forsøk" in page
    assert "Siste feil" in page


def test_an_admin_sends_a_given_up_mail_again_once_the_server_is_back(
        app, make_app, users, smtp_server):  # noqa: F811
    up = make_app(**smtp_server.config())
    with up.app_context():
        mail = queue_mail("a@example.no", "Kvittering", "Tekst", kind="receipt")
        db.session.commit()
        db.session.execute(sa.update(OutboxMail).values(
            state=MailState.FAILED, attempts=MAX_ATTEMPTS, next_attempt_at=None,
            last_error="[Errno 111] Connection refused"))
        db.session.commit()
        mail_id = mail.id
        stored = send_mail("dev@example.no", "Lagret", "Tekst", kind="test")
        stored.state = MailState.STORED
        db.session.commit()
        stored_id = stored.id
    [before] = smtp_server.messages  # the stored one went out through send_mail itself
    client = up.test_client()
    auth = AuthActions(client)
    auth.login(users["coordinator"])
    assert client.post(f"/admin/utboks/{mail_id}/send-igjen").status_code == 404
    auth.logout()
    auth.login(users["admin"])
    assert "Send på nytt nå" in client.get(f"/admin/utboks/{mail_id}").get_data(as_text=True)
    page = client.post(f"/admin/utboks/{mail_id}/send-igjen", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "E-posten ble sendt." in html and "Send på nytt nå" not in html
    assert [m["To"] for m in smtp_server.messages] == [before["To"], "a@example.no"]
    client.post(f"/admin/utboks/{mail_id}/send-igjen")  # a second admin, a moment later
    assert len(smtp_server.messages) == 2  # sent once
    refused = client.post(f"/admin/utboks/{stored_id}/send-igjen", follow_redirects=True)
    assert "Bare e-post som er gitt opp, kan sendes på nytt." in refused.get_data(as_text=True)
    with up.app_context():
        mail = db.session.get(OutboxMail, mail_id)
        assert (mail.state, mail.attempts) == (MailState.SENT, 1)
        events = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "outbox", AuditEvent.object_id == str(mail_id))).all()
        assert events == ["mail.send_again", "mail.send_again"]
