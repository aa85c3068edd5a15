"""A round's invitations: a personal link by mail, in the municipality's written standard,
that lets its recipient choose a password once and then sign in."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Grant, GrantStatus, Invitation, OutboxMail, User
from survey_app.models.users import utcnow
from survey_app.services.invitations import hash_token, send_invitations
from survey_app.services.rounds import find_round
from tests.factories import LAVTERSKEL_2022, PASSWORD
from tests.smtp import (
    BASE_URL,
    KLEPP_COORDINATOR,
    LILLEHAMMER_POSTBOX,
    OSLO_COORDINATOR,
    add_mail_cast,
    link_in,
    smtp_server,  # noqa: F401  (the fixture)
)

NEW_PASSWORD = "lange ord er gode passord"


@pytest.fixture
def smtp_app(app, lavterskel, make_app, smtp_server):  # noqa: F811
    """The service delivering to the local SMTP server, with the mail cast in place."""
    other = make_app(**smtp_server.config())
    with other.app_context():
        add_mail_cast()
    return other


def invite(app, now: dt.datetime | None = None):
    with app.app_context():
        return send_invitations(find_round(LAVTERSKEL_2022), BASE_URL, now or utcnow())


def test_each_recipient_gets_one_mail_in_the_written_standard_of_its_municipality(
        smtp_app, smtp_server):  # noqa: F811
    assert invite(smtp_app).line() == "sent 3, skipped 0, failed 0"
    [klepp] = smtp_server.to(KLEPP_COORDINATOR)
    assert klepp["Subject"] == ("Rapportering om tilskot: Mellombels styrking av "
                                "lågterskeltilbod innan psykisk helse 2022 – Klepp")
    body = klepp.get_content()
    assert "Klepp kommune fekk 250\u00a0000\u00a0kr i tilskot frå ordninga" in body
    assert "innan 01.04.2023" in body and "tilskudd" not in body
    [lillehammer] = smtp_server.to(LILLEHAMMER_POSTBOX)
    body = lillehammer.get_content()
    assert "Lillehammer kommune fikk 1\u00a0234\u00a0567\u00a0kr i tilskudd" in body
    assert "postmottak" in body and "innen 01.04.2023" in body
    assert smtp_server.to(OSLO_COORDINATOR)  # Oslo's standard is neutral: bokmål
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        assert klepp[header], header
    assert klepp.get_content_type() == "text/plain"
    assert klepp.get_content_charset() == "utf-8"


def test_a_second_run_sends_nothing_new(smtp_app, smtp_server):  # noqa: F811
    invite(smtp_app)
    assert invite(smtp_app).line() == "sent 0, skipped 3, failed 0"
    assert len(smtp_server.messages) == 3


def test_a_grant_that_was_opted_out_gets_no_invitation(smtp_app, smtp_server):  # noqa: F811
    with smtp_app.app_context():
        db.session.execute(sa.update(Grant).where(Grant.municipality_number == "0301")
                           .values(status=GrantStatus.OPTED_OUT))
        db.session.commit()
    assert invite(smtp_app).sent == 2
    assert not smtp_server.to(OSLO_COORDINATOR)


def test_only_the_hash_of_the_token_is_stored(smtp_app, smtp_server):  # noqa: F811
    invite(smtp_app)
    token = link_in(smtp_server.to(KLEPP_COORDINATOR)[0]).rsplit("/", 1)[1]
    with smtp_app.app_context():
        hashes = set(db.session.scalars(sa.select(Invitation.token_hash)))
        bodies = db.session.scalars(sa.select(OutboxMail.body)).all()
    assert token not in hashes and hash_token(token) in hashes
    assert len(bodies) == 3 and not any(token in body for body in bodies)
    assert all("[personlig lenke]" in body for body in bodies)


def test_the_coordinator_follows_the_link_chooses_a_password_and_lands_on_the_report(
        smtp_app, smtp_server):  # noqa: F811
    invite(smtp_app)
    link = link_in(smtp_server.to(KLEPP_COORDINATOR)[0])
    client = smtp_app.test_client()
    page = client.get(link)
    assert page.status_code == 200
    assert KLEPP_COORDINATOR in page.get_data(as_text=True)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    # straight to the report the invitation was about
    assert response.headers["Location"] == "/rapporter/lavterskel-psykisk-helse/2022/1120"
    report = client.get(response.headers["Location"])
    assert report.status_code == 200 and "Klepp" in report.get_data(as_text=True)
    client.post("/logg-ut")
    signed_in = client.post("/logg-inn", data={"email": KLEPP_COORDINATOR,
                                               "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_a_short_or_mistyped_password_is_refused_with_the_error_at_its_field(
        smtp_app, smtp_server):  # noqa: F811
    invite(smtp_app)
    link = link_in(smtp_server.to(KLEPP_COORDINATOR)[0])
    client = smtp_app.test_client()
    short = client.post(link, data={"password": "kort", "confirm": "kort"})
    assert short.status_code == 400
    page = short.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'href="#password"' in page
    assert 'aria-describedby="password-hint password-error"' in page
    mistyped = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert mistyped.status_code == 400
    assert 'aria-describedby="confirm-error"' in mistyped.get_data(as_text=True)
    assert client.get(link).status_code == 200  # nothing was spent


def test_a_post_box_gets_a_coordinator_account_for_its_municipality_on_first_use(
        smtp_app, smtp_server):  # noqa: F811
    invite(smtp_app)
    client = smtp_app.test_client()
    link = link_in(smtp_server.to(LILLEHAMMER_POSTBOX)[0])
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/rapporter/lavterskel-psykisk-helse/2022/3405"
    with smtp_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == LILLEHAMMER_POSTBOX))
        assert (user.role, user.municipality_numbers) == ("coordinator", {"3405"})


def test_a_used_link_says_so_and_points_to_sign_in(smtp_app, smtp_server):  # noqa: F811
    invite(smtp_app)
    link = link_in(smtp_server.to(KLEPP_COORDINATOR)[0])
    smtp_app.test_client().post(link, data={"password": NEW_PASSWORD,
                                            "confirm": NEW_PASSWORD})
    again = smtp_app.test_client().get(link)
    assert again.status_code == 410
    page = again.get_data(as_text=True)
    assert "Lenken er allerede brukt" in page and 'href="/logg-inn"' in page
    replay = smtp_app.test_client().post(link, data={"password": "noe annet helt nytt",
                                                     "confirm": "noe annet helt nytt"})
    assert replay.status_code == 410


def test_an_expired_link_says_so(smtp_app, smtp_server):  # noqa: F811
    invite(smtp_app)
    link = link_in(smtp_server.to(KLEPP_COORDINATOR)[0])
    with smtp_app.app_context():
        db.session.execute(sa.update(Invitation).values(
            expires_at=utcnow() - dt.timedelta(minutes=1)))
        db.session.commit()
    response = smtp_app.test_client().get(link)
    assert response.status_code == 410
    assert "Lenken har gått ut" in response.get_data(as_text=True)


def test_an_unknown_link_is_not_found(client):
    response = client.get("/invitasjon/finnes-ikke")
    assert response.status_code == 404
    assert "Vi kjenner ikke denne lenken" in response.get_data(as_text=True)


def test_a_link_whose_account_has_a_password_only_leads_to_sign_in(
        smtp_app, smtp_server):  # noqa: F811
    invite(smtp_app)
    link = link_in(smtp_server.to(OSLO_COORDINATOR)[0])
    client = smtp_app.test_client()
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/logg-inn?email=koord@oslo.kommune.no"
    login = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'value="{OSLO_COORDINATOR}"' in login
    assert client.get("/mine-rapporter").status_code == 302  # not signed in
    assert client.post(link, data={"password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD}).status_code == 410
    with smtp_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == OSLO_COORDINATOR))
        assert user.check_password(PASSWORD)


def test_the_cli_prints_one_summary_line_and_is_safe_to_repeat(app, lavterskel, runner):
    with app.app_context():
        add_mail_cast()
    args = ["invitations", "send", LAVTERSKEL_2022, "--base-url", BASE_URL]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert first.output == f"{LAVTERSKEL_2022}: sent 3, skipped 0, failed 0\n"
    assert runner.invoke(args=args).output.endswith("sent 0, skipped 3, failed 0\n")


def test_the_cli_needs_an_address_for_the_links(app, lavterskel, runner):
    result = runner.invoke(args=["invitations", "send", LAVTERSKEL_2022])
    assert result.exit_code == 1
    assert "PUBLIC_URL" in result.output


def test_the_cli_fails_when_the_mail_server_is_down(app, lavterskel, make_app):
    from tests.smtp import _free_port

    down = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(),
                    SMTP_TIMEOUT=5)
    with down.app_context():
        add_mail_cast()
    result = down.test_cli_runner().invoke(
        args=["invitations", "send", LAVTERSKEL_2022, "--base-url", BASE_URL])
    assert result.exit_code == 1
    assert "sent 0, skipped 0, failed 3" in result.output
