"""Passwords (issue 13, item 4): checked for strength wherever one is chosen, changed by
the signed-in user, and reset through a single-use, short-lived link sent by e-mail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.mail import redact
from survey_app.models import AuditEvent, OutboxMail, PasswordReset, User
from survey_app.models.users import utcnow
from survey_app.services import password_resets
from survey_app.services.invitations import send_invitations
from survey_app.services.rounds import find_round
from tests.factories import LAVTERSKEL_2022, PASSWORD, UserFactory
from tests.smtp import BASE_URL, KLEPP_COORDINATOR, add_mail_cast

STRONG = "blå fjorder under grå himmel"
KARI = "kari.nordmann@hamar.kommune.no"
RESET_LINK = re.compile(r"https?://[^/\s]+(/tilbakestill-passord/[A-Za-z0-9_\-]+)")
INVITATION_LINK = re.compile(re.escape(BASE_URL) + r"(/invitasjon/[A-Za-z0-9_\-]+)")
TOO_EASY = {"nb": "Passordet er for lett å gjette.", "nn": "Passordet er for lett å gjette.",
            "en": "The password is too easy to guess."}
REPEATS = {"nb": "Gjentakelser som «aaa» er lette å gjette.",
           "nn": "Gjentakingar som «aaa» er lette å gjette.",
           "en": "Repeats like &#34;aaa&#34; are easy to guess."}


@pytest.fixture
def kari(app) -> str:
    with app.app_context():
        UserFactory(email=KARI, name="Kari Nordmann", numbers=["3403"])
    return KARI


def sign_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/logg-inn", data={"email": email, "password": password})
    assert response.status_code == 302, "the sign-in failed"
    return client


def signs_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/logg-inn", data={"email": email, "password": password})
    return response.status_code == 302


def signed_in(client) -> bool:
    return client.get("/konto/passord").status_code == 200


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == action).order_by(AuditEvent.id)))


def reset_mails(app, to: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxMail.body).where(
            OutboxMail.to == to, OutboxMail.kind == "password-reset").order_by(OutboxMail.id)))


def link_in(body: str) -> str:
    match = RESET_LINK.search(body)
    assert match, "the mail has no reset link"
    return match.group(1)


# ---- the strength check, where a password is chosen ---------------------------------


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_weak_password_is_refused_on_the_invitation_page_in_the_users_language(
        app, lavterskel, language):
    with app.app_context():
        add_mail_cast()
        send_invitations(find_round(LAVTERSKEL_2022), BASE_URL, utcnow())
        body = db.session.scalar(sa.select(OutboxMail.body).where(
            OutboxMail.to == KLEPP_COORDINATOR))
    link = INVITATION_LINK.search(body).group(1)
    client = app.test_client()
    client.post(f"/sprak/{language}", data={"next": "/"})
    weak = client.post(link, data={"password": "a" * 12, "confirm": "a" * 12})
    assert weak.status_code == 400
    page = weak.get_data(as_text=True)
    assert TOO_EASY[language] in page and REPEATS[language] in page
    if language != "en":  # zxcvbn's own English never reaches a Norwegian page
        assert "easy to guess" not in page
    # The invitee's own address is as easy to guess as a common word.
    own = client.post(link, data={"password": KLEPP_COORDINATOR, "confirm": KLEPP_COORDINATOR})
    assert own.status_code == 400 and TOO_EASY[language] in own.get_data(as_text=True)
    assert client.post(link, data={"password": STRONG, "confirm": STRONG}).status_code == 302


def test_ten_as_for_an_admin_are_refused_by_the_cli_and_a_strong_password_is_taken(
        runner, ctx):
    for password, reason in (("a" * 10, "at least 12 characters"),
                             ("a" * 12, "too easy to guess"),
                             ("Nordmann2024!", "too easy to guess"),  # the person's name
                             ("x" * 129, "at most 128 characters")):
        result = runner.invoke(args=["users", "create", "kari.nordmann@helsedir.no", "--role",
                                     "admin", "--name", "Kari Nordmann", "--password-stdin"],
                               input=password + "\n")
        assert result.exit_code == 1, password
        assert reason in result.output, (password, result.output)
        assert db.session.scalar(sa.select(User).where(User.role == "admin")) is None
    created = runner.invoke(args=["users", "create", "kari.nordmann@helsedir.no", "--role",
                                  "admin", "--password-stdin"], input=STRONG + "\n")
    assert created.exit_code == 0, created.output


# ---- changing one's own password -------------------------------------------------------


def test_a_signed_in_user_changes_their_password_and_other_sessions_end(app, kari):
    here, elsewhere = sign_in(app, kari), sign_in(app, kari)
    page = here.get("/konto/passord")
    assert page.status_code == 200 and "Endre passordet ditt" in page.get_data(as_text=True)
    weak = here.post("/konto/passord", data={"current": PASSWORD, "password": "a" * 12,
                                             "confirm": "a" * 12})
    assert weak.status_code == 400 and TOO_EASY["nb"] in weak.get_data(as_text=True)
    wrong = here.post("/konto/passord", data={"current": "not my password",
                                              "password": STRONG, "confirm": STRONG})
    assert wrong.status_code == 400
    assert "Det nåværende passordet er feil." in wrong.get_data(as_text=True)
    assert [e.actor for e in events(app, "user.password-change-refused")] == [kari]
    assert signs_in(app, kari, PASSWORD) and signed_in(elsewhere)  # nothing changed

    changed = here.post("/konto/passord", data={"current": PASSWORD, "password": STRONG,
                                                "confirm": STRONG})
    assert changed.status_code == 302
    assert "Passordet er endret" in here.get(changed.headers["Location"]).get_data(as_text=True)
    assert signed_in(here)  # this browser goes on, in a new session
    assert not signed_in(elsewhere)  # the other one is signed out
    assert not signs_in(app, kari, PASSWORD)
    assert signs_in(app, kari, STRONG)
    (event,) = events(app, "user.password-changed")
    # this browser's, the other browser's and the one signs_in just made
    assert event.actor == kari and event.after["sessions_ended"] == 3


def test_the_sign_in_page_and_the_header_link_to_the_password_pages(app, kari):
    assert 'href="/glemt-passord"' in app.test_client().get("/logg-inn").get_data(as_text=True)
    page = sign_in(app, kari).get("/mine-rapporter").get_data(as_text=True)
    assert 'href="/konto/passord"' in page


# ---- reset by e-mail -------------------------------------------------------------------


def test_reset_by_e_mail_from_request_to_sign_in(app, kari):
    signed_in_before = sign_in(app, kari)
    client = app.test_client()
    assert client.get("/glemt-passord").status_code == 200
    answer = client.post("/glemt-passord", data={"email": "Kari.Nordmann@hamar.kommune.no"})
    assert answer.status_code == 200
    assert "er en lenke for å velge nytt passord på vei" in answer.get_data(as_text=True)
    (body,) = reset_mails(app, kari)
    assert "i 30 minutter" in body
    link = link_in(body)
    with app.app_context():  # only the token's hash is stored
        token = link.rsplit("/", 1)[1]
        assert db.session.scalar(sa.select(PasswordReset.token_hash)) == (
            password_resets.hash_token(token))
        assert token not in redact(body)  # what an SMTP send keeps of it

    page = client.get(link)
    assert page.status_code == 200 and kari in page.get_data(as_text=True)
    weak = client.post(link, data={"password": "kari nordmann", "confirm": "kari nordmann"})
    assert weak.status_code == 400 and TOO_EASY["nb"] in weak.get_data(as_text=True)
    done = client.post(link, data={"password": STRONG, "confirm": STRONG})
    assert done.status_code == 302 and done.headers["Location"].startswith("/logg-inn")
    assert "Det nye passordet er lagret" in client.get(done.headers["Location"]).get_data(
        as_text=True)
    assert signs_in(app, kari, STRONG) and not signs_in(app, kari, PASSWORD)
    assert not signed_in(signed_in_before)  # the session from before the reset ended

    again = client.get(link)
    assert again.status_code == 410
    assert "Denne lenken er allerede brukt" in again.get_data(as_text=True)
    assert client.post(link, data={"password": "et annet sterkt passord her",
                                   "confirm": "et annet sterkt passord her"}).status_code == 410
    assert signs_in(app, kari, STRONG)
    actions = [e.action for e in events(app, "user.password-reset-requested")
               + events(app, "user.password-reset-opened") + events(app, "user.password-reset")
               + events(app, "user.password-reset-refused")]
    assert actions.count("user.password-reset") == 1
    assert "user.password-reset-refused" in actions and "user.password-reset-opened" in actions
    (reset_event,) = events(app, "user.password-reset")
    assert reset_event.after["sessions_ended"] == 1


def test_a_link_works_for_the_configured_minutes_only(app, kari):
    with app.app_context():
        now = utcnow()
        # 31 minutes ago: expired (the default is 30); 29 minutes ago: still valid
        for minutes in (31, 29):
            password_resets.request_reset(kari, base_url="https://x.no", language="nb",
                                          now=now - dt.timedelta(minutes=minutes))
    old, recent = (link_in(body) for body in reset_mails(app, kari))
    client = app.test_client()
    client.post("/sprak/nn", data={"next": "/"})
    expired = client.get(old)
    assert expired.status_code == 410
    assert "verkar berre i kort tid" in expired.get_data(as_text=True)
    assert client.post(old, data={"password": STRONG, "confirm": STRONG}).status_code == 410
    assert client.get(recent).status_code == 200
    assert client.get("/tilbakestill-passord/ukjent-lenke").status_code == 404


def test_the_answer_is_the_same_for_every_address_and_only_a_real_account_gets_mail(
        app, kari):
    with app.app_context():
        UserFactory(email="slutta@hamar.kommune.no", active=False)
        db.session.add(User(email="bare-idporten@hamar.kommune.no", role="coordinator"))
        db.session.commit()
    client = app.test_client()

    def answer(email: str) -> str:
        page = client.post("/glemt-passord", data={"email": email}).get_data(as_text=True)
        return page.split("<main", 1)[1]

    expected = answer(kari)
    for email in ("ukjent@hamar.kommune.no", "slutta@hamar.kommune.no",
                  "bare-idporten@hamar.kommune.no"):
        assert answer(email) == expected, email
        assert reset_mails(app, email) == []
    outcomes = [e.after["outcome"] for e in events(app, "user.password-reset-requested")]
    assert outcomes == ["mailed", "unknown", "inactive", "no-password"]


def test_a_fourth_request_within_the_hour_sends_no_fourth_mail(app, kari):
    client = app.test_client()
    for _ in range(4):
        assert client.post("/glemt-passord", data={"email": kari}).status_code == 200
    assert len(reset_mails(app, kari)) == 3
    outcomes = [e.after["outcome"] for e in events(app, "user.password-reset-requested")]
    assert outcomes == ["mailed"] * 3 + ["throttled"]


def test_the_mail_is_in_the_users_language_and_a_new_password_spends_every_open_link(
        app, kari):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == kari).values(language="nn"))
        db.session.commit()
    client = app.test_client()
    for _ in range(2):
        client.post("/glemt-passord", data={"email": kari})
    first, second = reset_mails(app, kari)
    assert "Vel eit nytt passord" in first
    assert client.post(link_in(second), data={"password": STRONG,
                                              "confirm": STRONG}).status_code == 302
    assert client.get(link_in(first)).status_code == 410  # asked for before the new password


def test_a_bad_address_gets_a_clear_message_and_no_mail(app, kari):
    client = app.test_client()
    empty = client.post("/glemt-passord", data={"email": ""})
    assert empty.status_code == 400
    assert "Skriv inn e-postadressen din." in empty.get_data(as_text=True)
    long = client.post("/glemt-passord", data={"email": "x" * 300 + "@hamar.kommune.no"})
    assert long.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMail.id))) == 0


def test_of_two_uses_of_one_link_at_once_only_the_first_sets_a_password(app, kari):
    """Both browsers found the link valid; the second to save finds it spent (the UPDATE …
    WHERE used_at IS NULL), and its password is not set."""
    app.test_client().post("/glemt-passord", data={"email": kari})
    token = link_in(reset_mails(app, kari)[0]).rsplit("/", 1)[1]
    with app.app_context():
        first = password_resets.check_link(token, utcnow())
        second = password_resets.check_link(token, utcnow())
        assert first.state == second.state == "valid"
        password_resets.complete_reset(first, STRONG, utcnow())
        with pytest.raises(password_resets.LinkTaken):
            password_resets.complete_reset(second, "et helt annet og langt passord", utcnow())
        assert db.session.scalar(sa.select(User).where(User.email == kari)).check_password(
            STRONG)
