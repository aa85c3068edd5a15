"""The outbox: in development it is the delivery; in production it keeps a copy without
personal links. Only admins read it."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.mail import build_message, redact, send_mail
from survey_app.models import MailState, OutboxMail
from survey_app.models.users import utcnow
from survey_app.services.invitations import send_invitations
from survey_app.services.rounds import find_round
from tests.factories import LAVTERSKEL_2022
from tests.smtp import BASE_URL, LINK, add_mail_cast, smtp_server  # noqa: F401

BODY = f"Hei!\n\nÅpne {BASE_URL}/invitasjon/AbC-123_xyz for å rapportere.\n"


def test_in_development_the_whole_mail_is_stored_and_nothing_is_sent(ctx):
    mail = send_mail("a@example.no", "Æ ø å", BODY, kind="invitation")
    db.session.commit()
    assert (mail.body, mail.state, mail.sent_at) == (BODY, MailState.STORED, None)


def test_through_smtp_the_mail_arrives_whole_and_the_copy_has_no_link(
        app, make_app, smtp_server):  # noqa: F811
    with make_app(**smtp_server.config()).app_context():
        mail = send_mail("a@example.no", "Påminning – frist", BODY, kind="reminder")
        db.session.commit()
        assert mail.state == MailState.SENT and "AbC-123_xyz" not in mail.body
        assert "Åpne [personlig lenke] for å rapportere." in mail.body
    [received] = smtp_server.messages
    assert received["Subject"] == "Påminning – frist"
    assert received.get_content().replace("\r\n", "\n") == BODY


def test_every_personal_link_is_redacted_with_or_without_host():
    assert redact("a https://x.no/invitasjon/abc b /invitasjon/def-_1.") == (
        "a [personlig lenke] b [personlig lenke].")


def test_a_mail_has_the_headers_a_mail_server_expects(ctx):
    message = build_message("a@example.no", "Emne", "Tekst")
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        assert message[header], header
    assert message.get_content_charset() == "utf-8"


def test_an_admin_reads_the_outbox_newest_first_and_each_mail(
        app, client, auth, users, lavterskel):
    with app.app_context():
        add_mail_cast()
        send_invitations(find_round(LAVTERSKEL_2022), BASE_URL, utcnow())
        send_mail("sist@example.no", "Den siste", "Tekst", kind="test")
        db.session.commit()
        newest = db.session.scalar(sa.select(OutboxMail).order_by(OutboxMail.id.desc()))
    auth.login(users["admin"])
    page = client.get("/admin/utboks").get_data(as_text=True)
    assert page.index("sist@example.no") < page.index("postmottak@lillehammer.kommune.no")
    assert "Nei, bare lagret" in page
    detail = client.get(f"/admin/utboks/{newest.id}")
    assert detail.status_code == 200 and "Den siste" in detail.get_data(as_text=True)
    assert client.get("/admin/utboks/999999").status_code == 404


def test_in_development_an_admin_can_follow_the_link_in_the_outbox(app, lavterskel):
    with app.app_context():
        add_mail_cast()
        send_invitations(find_round(LAVTERSKEL_2022), BASE_URL, utcnow())
        body = db.session.scalar(sa.select(OutboxMail.body).where(
            OutboxMail.to == "koordinator@klepp.kommune.no"))
    assert LINK.search(body)


def test_a_coordinator_cannot_read_the_outbox(client, auth, users):
    auth.login(users["coordinator"])
    assert client.get("/admin/utboks").status_code == 404


def test_an_admin_finds_the_mail_that_was_given_up_from_the_start_page(
        app, client, auth, users):
    with app.app_context():
        for to, state in (("gitt.opp@example.no", MailState.FAILED),
                          ("venter@example.no", MailState.QUEUED),
                          ("lagret@example.no", MailState.STORED)):
            mail = send_mail(to, "Kvittering", "Tekst", kind="receipt")
            mail.state = state
        db.session.commit()
    auth.login(users["admin"])
    home = client.get("/admin").get_data(as_text=True)
    assert "E-post som er gitt opp: 1" in home and "E-post som venter på sending: 1" in home
    assert 'href="/admin/utboks?tilstand=failed"' in home
    failed = client.get("/admin/utboks?tilstand=failed").get_data(as_text=True)
    assert "gitt.opp@example.no" in failed
    assert "venter@example.no" not in failed and "lagret@example.no" not in failed
    assert '<option value="failed" selected>Gitt opp (1)</option>' in failed
    everything = client.get("/admin/utboks?tilstand=<script>").get_data(as_text=True)
    assert all(to in everything for to in ("gitt.opp@", "venter@", "lagret@"))
    assert "<script>" not in everything


def test_a_start_page_without_trouble_says_nothing_about_given_up_mail(client, auth, users):
    auth.login(users["admin"])
    assert "gitt opp" not in client.get("/admin").get_data(as_text=True)
