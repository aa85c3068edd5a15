"""Passwords only where they belong, and a second factor for staff who use one (issue 13):
the production policy, break-glass admins, TOTP set-up, codes, recovery codes, the
throttle, the pending step's expiry and bad input. Codes come from a real pyotp TOTP."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time

import pyotp
import pytest
import sqlalchemy as sa

from survey_app.config import ConfigError, defaults, finalise
from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Grant,
    Invitation,
    LoginAttempt,
    Recipient,
    RecoveryCode,
    User,
    UserSession,
)
from survey_app.services import password_resets
from survey_app.services.invitations import hash_token
from tests.conftest import csrf_token_in
from tests.factories import PASSWORD

PROTECTED = ("/gjennomgang", "/konto/passord", "/konto/tofaktor")


@pytest.fixture
def strict(make_app, app):
    """The app as production runs it: password sign-in for break-glass admins only, and a
    TOTP code after every staff password."""
    return make_app(PASSWORD_SIGN_IN="break-glass", TOTP_REQUIRED=True)


@pytest.fixture
def with_totp(make_app, app):
    """Every account signs in with its password, and staff give a TOTP code too."""
    return make_app(TOTP_REQUIRED=True)


def step_now() -> int:
    return int(time.time()) // 30


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def wrong_code(secret: str) -> str:
    """A code that none of the steps the service accepts now (±1) has."""
    valid = {code_at(secret, step_now() + d) for d in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in valid)


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def account(app, email: str) -> User:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email))


def sign_in_password(client, email: str, password: str = PASSWORD, **query: str):
    url = "/logg-inn" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return client.post(url, data={"email": email, "password": password})


def enrol(client, email: str) -> tuple[str, list[str]]:
    """Signs in with the password and sets TOTP up through the pages: the secret as the
    page shows it and the recovery codes shown once."""
    answer = sign_in_password(client, email)
    assert answer.status_code == 302 and answer.headers["Location"] == "/logg-inn/tofaktor"
    page = client.get("/logg-inn/tofaktor").get_data(as_text=True)
    shown = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page)
    assert shown, "the set-up page shows the secret as text"
    secret = shown.group(1).replace(" ", "")
    assert f"otpauth://totp/Tilskuddsrapportering:{email.replace('@', '%40')}?secret={secret}" in (
        page.replace("&amp;", "&"))
    done = client.post("/logg-inn/tofaktor", data={"code": code_at(secret, step_now())})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>",
                       done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def signed_in(client) -> bool:
    return client.get("/konto/passord").status_code == 200


# ---- the policy --------------------------------------------------------------------------


def test_the_defaults_follow_app_env_and_production_cannot_drop_the_second_factor(tmp_path):
    def settings(**given):
        config = {**defaults(str(tmp_path)), **given}
        finalise(config)
        return config

    production = settings(APP_ENV="production", SECRET_KEY=secrets.token_hex(32))
    assert (production["PASSWORD_SIGN_IN"], production["TOTP_REQUIRED"]) == ("break-glass", True)
    for env in ("development", "testing"):
        config = settings(APP_ENV=env)
        assert (config["PASSWORD_SIGN_IN"], config["TOTP_REQUIRED"]) == ("all", False)
    with pytest.raises(ConfigError, match="TOTP_REQUIRED"):
        settings(APP_ENV="production", SECRET_KEY=secrets.token_hex(32), TOTP_REQUIRED=False)
    with pytest.raises(ConfigError, match="PASSWORD_SIGN_IN"):
        settings(APP_ENV="testing", PASSWORD_SIGN_IN="everybody")
    with pytest.raises(ConfigError, match="TOTP_PENDING_SECONDS"):
        settings(APP_ENV="testing", TOTP_PENDING_SECONDS=0)


def test_in_development_a_demo_reviewer_signs_in_with_the_password_alone(make_app, users):
    development = make_app(APP_ENV="development")
    client = development.test_client()
    assert sign_in_password(client, users["reviewer_national"]).headers["Location"] == "/"
    assert client.get("/gjennomgang").status_code == 200


def test_production_refuses_a_coordinators_and_a_reviewers_right_password(strict, users):
    client = strict.test_client()
    for key in ("coordinator", "reviewer_national"):
        answer = sign_in_password(client, users[key])
        assert answer.status_code == 401
        page = answer.get_data(as_text=True)
        assert "Logg inn med en av knappene over" in page, page
        for url in ("/mine-rapporter", "/gjennomgang"):
            assert client.get(url).status_code == 302
    # The same answer for a wrong password: it tells nobody whose password was right.
    wrong = sign_in_password(client, users["coordinator"], "wrong password")
    assert wrong.status_code == 401
    assert "Logg inn med en av knappene over" in wrong.get_data(as_text=True)
    refused = events(strict, "user.sign-in-refused")
    assert [e.object_id for e in refused] == [
        str(account(strict, users[k]).id) for k in ("coordinator", "reviewer_national")]
    assert all(e.after["reason"] == "password-sign-in-off" for e in refused)
    # An admin not marked break-glass is refused the same way.
    assert sign_in_password(client, users["admin"]).status_code == 401


def test_the_refusal_is_said_in_nynorsk_and_english_too(strict, users):
    client = strict.test_client()
    client.post("/sprak/nn", data={})
    assert "Logg inn med ein av knappane over" in sign_in_password(
        client, users["coordinator"]).get_data(as_text=True)
    client.post("/sprak/en", data={})
    assert "Sign in with one of the buttons above" in sign_in_password(
        client, users["coordinator"]).get_data(as_text=True)


def test_the_password_form_sits_behind_emergency_access_in_production(strict, app):
    page = strict.test_client().get("/logg-inn").get_data(as_text=True)
    assert '<details class="break-glass">' in page and "Nødtilgang for administratorer" in page
    assert page.index("<summary>") < page.index('name="password"')
    development = app.test_client().get("/logg-inn").get_data(as_text=True)
    assert "break-glass" not in development and 'name="password"' in development


def test_a_break_glass_admin_signs_in_with_password_and_totp(strict, users):
    runner, client = strict.test_cli_runner(), strict.test_client()
    result = runner.invoke(args=["users", "break-glass", users["admin"]])
    assert result.exit_code == 0 and "has break-glass access" in result.output, result.output
    [marked] = events(strict, "user.break-glass")
    assert (marked.actor, marked.after["break_glass"]) == ("system", True)
    secret, _codes = enrol(client, users["admin"])
    assert client.get("/admin").status_code == 200
    with strict.app_context():
        record = db.session.scalar(sa.select(UserSession))
        assert record.via == "password+totp"
    [enrolled] = events(strict, "user.totp-enrolled")
    assert enrolled.actor == users["admin"]
    client.post("/logg-ut")
    assert sign_in_password(client, users["admin"]).headers["Location"] == "/logg-inn/kode"
    assert client.get("/admin").status_code == 302  # not without the code
    assert client.post("/logg-inn/kode", data={
        "code": code_at(secret, step_now() + 1)}).headers["Location"] == "/"
    assert client.get("/admin").status_code == 200
    # Taken away again: the password no longer signs in, and its sign-in has ended.
    result = runner.invoke(args=["users", "break-glass", users["admin"], "--off"])
    assert result.exit_code == 0 and "1 password sign-in(s) ended" in result.output
    assert client.get("/admin").status_code == 302
    assert sign_in_password(client, users["admin"]).status_code == 401


def test_only_an_admin_with_a_password_gets_break_glass_access(strict, users):
    runner = strict.test_cli_runner()
    result = runner.invoke(args=["users", "break-glass", users["reviewer_national"]])
    assert result.exit_code == 1 and "only an admin" in result.output
    result = runner.invoke(args=["users", "break-glass", "nobody@example.no"])
    assert result.exit_code == 1 and "there is no account" in result.output
    assert events(strict, "user.break-glass") == []


def test_in_production_only_a_break_glass_admin_is_mailed_a_reset_link(strict, users):
    with strict.test_request_context():
        for key in ("coordinator", "admin"):
            assert password_resets.request_reset(users[key], base_url="https://x.no",
                                                 language="nb", now=dt.datetime.now()) is None
    outcomes = [e.after["outcome"] for e in events(strict, "user.password-reset-requested")]
    assert outcomes == ["no-password-sign-in", "no-password-sign-in"]
    strict.test_cli_runner().invoke(args=["users", "break-glass", users["admin"]])
    with strict.test_request_context():
        assert password_resets.request_reset(users["admin"], base_url="https://x.no",
                                             language="nb", now=dt.datetime.now()) is not None


def test_in_production_an_invitation_binds_through_the_provider_only(strict, app, lavterskel):
    token = "invitasjon-for-tofaktortesten"
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        recipient = Recipient(grant_id=grant.id, email="postmottak@lillehammer.kommune.no",
                              kind="postbox")
        db.session.add(recipient)
        db.session.flush()
        db.session.add(Invitation(recipient_id=recipient.id, token_hash=hash_token(token),
                                  expires_at=dt.datetime.now() + dt.timedelta(days=1)))
        db.session.commit()
    client = strict.test_client()
    page = client.get(f"/invitasjon/{token}")
    assert page.status_code == 200 and 'name="password"' not in page.get_data(as_text=True)
    posted = client.post(f"/invitasjon/{token}", data={"password": "en lang og god frase 42",
                                                       "confirm": "en lang og god frase 42"})
    assert posted.status_code == 403
    assert "Du kan ikke velge passord her" in posted.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(
            User.email == "postmottak@lillehammer.kommune.no")) is None
    assert len(events(strict, "invitation.password-refused")) == 1


# ---- the second factor ---------------------------------------------------------------------


def test_nothing_is_signed_in_between_the_password_and_the_code(with_totp, users):
    client = with_totp.test_client()
    assert client.get("/logg-inn/kode").headers["Location"] == "/logg-inn"  # nothing waits
    answer = sign_in_password(client, users["reviewer_national"])
    assert answer.headers["Location"] == "/logg-inn/tofaktor"
    for url in PROTECTED:
        assert client.get(url).status_code == 302, url
        assert client.get(url).headers["Location"].startswith("/logg-inn?next=")
    with with_totp.app_context():
        assert db.session.scalar(sa.select(sa.func.count(UserSession.session_id))) == 0
        assert account(with_totp, users["reviewer_national"]).totp_enrolled_at is None
    assert len(events(with_totp, "user.totp-pending")) == 1
    assert events(with_totp, "user.sign-in") == []
    # A coordinator needs no second factor.
    other = with_totp.test_client()
    assert sign_in_password(other, users["coordinator"]).headers["Location"] == "/"


def test_a_code_signs_in_and_the_same_code_is_refused_the_second_time(with_totp, users):
    client = with_totp.test_client()
    email = users["reviewer_national"]
    secret, _codes = enrol(client, email)
    client.post("/logg-ut")
    code = code_at(secret, step_now() + 1)  # one step ahead: still accepted, not yet used
    answer = sign_in_password(client, email, next="/register")
    assert answer.headers["Location"] == "/logg-inn/kode"
    done = client.post("/logg-inn/kode", data={"code": code})
    assert done.status_code == 302 and done.headers["Location"] == "/register"
    assert signed_in(client)
    assert len(events(with_totp, "user.totp-code-ok")) == 1
    client.post("/logg-ut")
    sign_in_password(client, email)
    for used in (code, code_at(secret, step_now() - 1)):  # that one, or an older one
        again = client.post("/logg-inn/kode", data={"code": used})
        assert again.status_code == 401
        assert "Koden er feil, eller den er brukt allerede" in again.get_data(as_text=True)
    assert not signed_in(client)
    assert [e.after["kind"] for e in events(with_totp, "user.totp-code-failed")] == [
        "totp", "totp"]


def test_wrong_codes_are_throttled_under_their_own_key(with_totp, users):
    client = with_totp.test_client()
    email = users["auditor"]
    secret, _codes = enrol(client, email)
    client.post("/logg-ut")
    client.delete_cookie("device")  # a browser the account has not signed in from
    sign_in_password(client, email)
    for _ in range(with_totp.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/logg-inn/kode", data={"code": wrong_code(secret)}).status_code == 401
    blocked = client.post("/logg-inn/kode", data={"code": code_at(secret, step_now() + 1)})
    assert blocked.status_code == 429
    assert "For mange mislykkede forsøk" in blocked.get_data(as_text=True)
    assert not signed_in(client)
    assert len(events(with_totp, "user.totp-throttled")) == 1
    user_id = account(with_totp, email).id
    with with_totp.app_context():
        counted = list(db.session.scalars(sa.select(LoginAttempt.email).where(
            LoginAttempt.email.like("totp:%"))))
    assert counted == [f"totp:{user_id}"] * with_totp.config["LOGIN_MAX_FAILURES"]


def test_a_recovery_code_signs_in_once(with_totp, users):
    client = with_totp.test_client()
    email = users["admin"]
    _secret, codes = enrol(client, email)
    client.post("/logg-ut")
    sign_in_password(client, email)
    done = client.post("/logg-inn/kode", data={"code": codes[0]})
    assert done.status_code == 302 and signed_in(client)
    [used] = events(with_totp, "user.totp-recovery-code-used")
    assert used.after == {"unused": 9}
    with with_totp.app_context():
        assert db.session.scalar(sa.select(UserSession.via)) == "password+recovery-code"
        stored = set(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert not {c.replace("-", "") for c in codes} & stored  # only their hashes are kept
    client.post("/logg-ut")
    sign_in_password(client, email)
    assert client.post("/logg-inn/kode", data={"code": codes[0]}).status_code == 401
    # Typed without the hyphen and in capitals, another code works.
    second = codes[1].replace("-", "").upper()
    assert client.post("/logg-inn/kode", data={"code": second}).status_code == 302


def test_the_pending_step_expires(with_totp, users):
    client = with_totp.test_client()
    email = users["reviewer_innlandet"]
    secret, _codes = enrol(client, email)
    client.post("/logg-ut")
    sign_in_password(client, email)
    with client.session_transaction() as session:
        waiting = dict(session["second_factor"])
        waiting["since"] -= with_totp.config["TOTP_PENDING_SECONDS"] + 1
        session["second_factor"] = waiting
    late = client.post("/logg-inn/kode", data={"code": code_at(secret, step_now() + 1)})
    assert late.status_code == 302 and late.headers["Location"] == "/logg-inn"
    assert "Innloggingen tok for lang tid" in client.get("/logg-inn").get_data(as_text=True)
    assert not signed_in(client)
    assert events(with_totp, "user.totp-pending-expired")[0].after == {"reason": "time"}
    # The step is forgotten: the page sends to the sign-in again.
    assert client.get("/logg-inn/kode").headers["Location"] == "/logg-inn"


@pytest.mark.parametrize("typed, message", [
    ("", "Skriv inn koden."),
    ("12345a", "Skriv inn den sekssifrede koden"),
    ("1234567", "Skriv inn den sekssifrede koden"),
    ("9" * 100_000, "Skriv inn den sekssifrede koden"),
    ("12\x003456", "kontrolltegn"),
])
def test_bad_input_gets_a_clear_400(with_totp, users, typed, message):
    client = with_totp.test_client()
    sign_in_password(client, users["reviewer_national"])
    for url in ("/logg-inn/tofaktor", "/logg-inn/kode"):
        if url == "/logg-inn/kode":
            with with_totp.app_context():  # an enrolled account's page
                user = db.session.scalar(sa.select(User).where(
                    User.email == users["reviewer_national"]))
                user.totp_secret, user.totp_enrolled_at = pyotp.random_base32(), dt.datetime.now()
                db.session.commit()
        answer = client.post(url, data={"code": typed})
        assert answer.status_code == 400, (url, answer.status_code)
        assert message in answer.get_data(as_text=True), url
    assert not signed_in(client)
    with with_totp.app_context():  # refused unread: not counted as tries at a code
        assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id)).where(
            LoginAttempt.email.like("totp:%"))) == 0


def test_a_staff_user_makes_new_recovery_codes_on_the_account_page(with_totp, users):
    client = with_totp.test_client()
    email = users["reviewer_national"]
    _secret, old = enrol(client, email)
    page = client.get("/konto/tofaktor")
    assert page.status_code == 200 and "10 ubrukte gjenopprettingskoder" in page.get_data(
        as_text=True)
    made = client.post("/konto/tofaktor", data={})
    new = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>",
                     made.get_data(as_text=True))
    assert made.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert len(events(with_totp, "user.totp-recovery-codes-regenerated")) == 1
    client.post("/logg-ut")
    sign_in_password(client, email)
    assert client.post("/logg-inn/kode", data={"code": old[0]}).status_code == 401
    assert client.post("/logg-inn/kode", data={"code": new[0]}).status_code == 302


def test_an_account_without_totp_sees_that_on_the_account_page(client, auth, users):
    auth.login(users["coordinator"])
    page = client.get("/konto/tofaktor")
    assert page.status_code == 200 and "har ikke totrinnsinnlogging" in page.get_data(
        as_text=True)
    assert client.post("/konto/tofaktor", data={}).status_code == 400


def test_the_cli_resets_totp_and_ends_the_accounts_sessions(with_totp, users):
    client = with_totp.test_client()
    email = users["auditor"]
    enrol(client, email)
    assert signed_in(client)
    result = with_totp.test_cli_runner().invoke(args=["users", "totp-reset", email])
    assert result.exit_code == 0 and "1 session(s) ended" in result.output, result.output
    assert not signed_in(client)
    [reset] = events(with_totp, "user.totp-reset")
    assert reset.after == {"sessions_ended": 1} and reset.before["enrolled_at"]
    user = account(with_totp, email)
    assert (user.totp_secret, user.totp_enrolled_at, user.totp_last_step) == (None, None, None)
    with with_totp.app_context():
        assert db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))) == 0
    # The next password sign-in sets TOTP up again.
    assert sign_in_password(client, email).headers["Location"] == "/logg-inn/tofaktor"


def test_the_whole_flow_works_with_csrf_tokens_as_a_browser_posts_it(make_app, users):
    browser_app = make_app(TOTP_REQUIRED=True, WTF_CSRF_ENABLED=True)
    client = browser_app.test_client()
    email = users["reviewer_national"]
    token = csrf_token_in(client.get("/logg-inn").get_data(as_text=True))
    answer = client.post("/logg-inn", data={"email": email, "password": PASSWORD,
                                            "csrf_token": token})
    assert answer.headers["Location"] == "/logg-inn/tofaktor"
    page = client.get("/logg-inn/tofaktor").get_data(as_text=True)
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    code = code_at(secret.replace(" ", ""), step_now())
    assert client.post("/logg-inn/tofaktor", data={"code": code}).status_code == 400  # no token
    done = client.post("/logg-inn/tofaktor", data={"code": code,
                                                   "csrf_token": csrf_token_in(page)})
    assert done.status_code == 200 and signed_in(client)
