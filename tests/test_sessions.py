"""Sessions on the server: an old cookie replayed after sign-out, expiry, deactivation or an
admin's "end all sessions" opens only the sign-in page; every sign-in gets a new id."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.config import ConfigError, defaults, finalise
from survey_app.extensions import db
from survey_app.models import AuditEvent, LoginAttempt, ServerSession, User, UserSession
from survey_app.models.users import utcnow
from survey_app.services.users import activate_user, deactivate_user
from tests.factories import PASSWORD

COOKIE = "session"  # the cookie's name outside production
ADMIN_PAGE = "/admin"
REVIEW_PAGE = "/gjennomgang"


def cookie_of(client: FlaskClient, name: str = COOKIE) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, "the browser has no session cookie"
    return cookie.value


def replayed(app: Flask, value: str) -> FlaskClient:
    """Another browser that sends the same session cookie (a copied or stolen one)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def sends_to_sign_in(client: FlaskClient, page: str) -> bool:
    answer = client.get(page)
    return answer.status_code == 302 and answer.headers["Location"].startswith("/logg-inn")


def records_of(app: Flask, email: str) -> list[UserSession]:
    with app.app_context():
        return list(db.session.scalars(sa.select(UserSession).join(User).where(
            User.email == email)))


def move_back(app: Flask, email: str, **columns: dt.timedelta) -> None:
    """The sign-in of this user happened earlier than it did (instead of waiting)."""
    with app.app_context():
        for record in db.session.scalars(sa.select(UserSession).join(User).where(
                User.email == email)):
            for name, by in columns.items():
                setattr(record, name, getattr(record, name) - by)
        db.session.commit()


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == action).order_by(AuditEvent.id)))


def test_after_sign_out_the_old_cookie_replayed_gets_the_sign_in_page(app, client, auth, users):
    auth.login(users["admin"])
    stolen = cookie_of(client)
    assert replayed(app, stolen).get(ADMIN_PAGE).status_code == 200  # the cookie is the key

    auth.logout()
    assert sends_to_sign_in(replayed(app, stolen), ADMIN_PAGE)
    assert sends_to_sign_in(client, ADMIN_PAGE)
    assert records_of(app, users["admin"]) == []
    with app.app_context():
        assert db.session.scalar(sa.select(ServerSession).where(
            ServerSession.session_id == "session:" + stolen)) is None


def test_the_cookie_holds_only_an_id_and_the_data_stays_on_the_server(app, client, auth,
                                                                       users):
    auth.login(users["admin"])
    value = cookie_of(client)
    assert users["admin"] not in value and "_user_id" not in value and "." not in value
    with app.app_context():
        stored = db.session.scalar(sa.select(ServerSession).where(
            ServerSession.session_id == "session:" + value))
    assert stored is not None and stored.expiry > utcnow()


def test_every_sign_in_gets_a_new_session_id_and_the_old_one_is_gone(app, client, users):
    assert client.post("/sprak/nn", data={"next": "/"}).status_code == 302
    before = cookie_of(client)  # the visitor's session, with the chosen language
    assert client.post("/logg-inn", data={"email": users["admin"],
                                          "password": PASSWORD}).status_code == 302
    after = cookie_of(client)
    assert after != before
    assert sends_to_sign_in(replayed(app, before), ADMIN_PAGE)
    assert client.get(ADMIN_PAGE).status_code == 200
    with client.session_transaction() as session:
        assert session["lang"] == "nn"  # what a fresh session keeps of the old one
    with app.app_context():
        assert db.session.scalar(sa.select(ServerSession).where(
            ServerSession.session_id == "session:" + before)) is None
    [record] = records_of(app, users["admin"])
    assert (record.session_id, record.via) == (after, "password")


def test_signing_in_again_in_the_same_browser_replaces_the_sign_in(app, client, auth, users):
    auth.login(users["admin"])
    first = cookie_of(client)
    auth.login(users["admin"])  # the sign-in page sends a signed-in user on: still one
    assert cookie_of(client) == first
    auth.logout()
    auth.login(users["admin"])
    assert cookie_of(client) != first
    assert len(records_of(app, users["admin"])) == 1


def test_a_sign_in_idle_for_longer_than_the_limit_ends(app, client, auth, users):
    auth.login(users["reviewer_national"])
    idle = dt.timedelta(seconds=app.config["SIGN_IN_IDLE_SECONDS"])
    assert idle == dt.timedelta(minutes=30)  # the default, as issue 13 asks
    move_back(app, users["reviewer_national"], last_seen=idle - dt.timedelta(minutes=1))
    assert client.get(REVIEW_PAGE).status_code == 200  # 29 minutes: still signed in

    # That request was noted: idle from now on, for 31 minutes.
    move_back(app, users["reviewer_national"], last_seen=idle + dt.timedelta(minutes=1))
    assert sends_to_sign_in(client, REVIEW_PAGE)
    assert records_of(app, users["reviewer_national"]) == []
    [event] = events(app, "user.sign-in-expired")
    assert (event.actor, event.after) == (users["reviewer_national"], {"reason": "idle"})


def test_a_busy_sign_in_ends_after_its_absolute_lifetime(app, client, auth, users):
    auth.login(users["reviewer_national"])
    lifetime = dt.timedelta(seconds=app.config["SIGN_IN_MAX_SECONDS"])
    assert lifetime == dt.timedelta(hours=8)
    move_back(app, users["reviewer_national"], created_at=lifetime - dt.timedelta(minutes=1))
    assert client.get(REVIEW_PAGE).status_code == 200  # used a minute ago: not idle

    move_back(app, users["reviewer_national"], created_at=dt.timedelta(minutes=2))
    assert sends_to_sign_in(client, REVIEW_PAGE)
    [event] = events(app, "user.sign-in-expired")
    assert event.after == {"reason": "lifetime"}


def test_the_last_request_is_noted_on_the_sign_in_for_the_idle_limit(app, client, auth, users):
    auth.login(users["reviewer_national"])
    move_back(app, users["reviewer_national"], last_seen=dt.timedelta(minutes=10))
    assert client.get(REVIEW_PAGE).status_code == 200
    [record] = records_of(app, users["reviewer_national"])
    assert utcnow() - record.last_seen < dt.timedelta(minutes=1)  # the request just made


def test_deactivating_a_user_ends_their_open_session_at_once(app, client, auth, users):
    auth.login(users["coordinator"])
    stolen = cookie_of(client)
    assert client.get("/mine-rapporter").status_code == 200
    with app.app_context():
        deactivate_user(users["coordinator"])
    assert sends_to_sign_in(client, "/mine-rapporter")
    with app.app_context():
        activate_user(users["coordinator"])  # and back: no old session comes with it
    assert sends_to_sign_in(client, "/mine-rapporter")
    assert sends_to_sign_in(replayed(app, stolen), "/mine-rapporter")
    [deactivated] = events(app, "user.deactivate")
    assert deactivated.after == {"active": False, "sessions_ended": 1}
    assert auth.login(users["coordinator"]).status_code == 302  # a new sign-in works


def test_the_cli_deactivates_and_activates_on_the_record(app, runner, client, auth, users):
    auth.login(users["auditor"])
    result = runner.invoke(args=["users", "deactivate", users["auditor"].upper()])
    assert result.exit_code == 0, result.output
    assert "is deactivated" in result.output
    assert sends_to_sign_in(client, "/revisjon")
    assert auth.login(users["auditor"]).status_code == 401  # an inactive account
    again = runner.invoke(args=["users", "deactivate", users["auditor"]])
    assert again.exit_code == 0 and "already" in again.output
    assert len(events(app, "user.deactivate")) == 1  # the second changed nothing
    result = runner.invoke(args=["users", "activate", users["auditor"]])
    assert result.exit_code == 0 and "active again" in result.output
    assert auth.login(users["auditor"]).status_code == 302
    unknown = runner.invoke(args=["users", "deactivate", "nobody@example.no"])
    assert unknown.exit_code == 1 and "no account" in unknown.output


def test_an_inactive_account_with_a_session_record_is_not_signed_in(app, client, auth, users):
    """The user loader itself refuses an inactive account, whatever else is left."""
    auth.login(users["admin"])
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == users["admin"])
                           .values(active=False))  # behind the ORM's back
        db.session.commit()
    assert len(records_of(app, users["admin"])) == 1
    assert sends_to_sign_in(client, ADMIN_PAGE)


@pytest.mark.parametrize("change", ["role", "password"])
def test_a_new_role_or_password_ends_every_session_of_the_account(app, client, auth, users,
                                                                  change):
    auth.login(users["reviewer_national"])
    other = app.test_client()
    other.post("/logg-inn", data={"email": users["reviewer_national"], "password": PASSWORD})
    assert len(records_of(app, users["reviewer_national"])) == 2
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(
            User.email == users["reviewer_national"]))
        if change == "role":
            user.role, user.office = "auditor", "national"
        else:
            user.set_password("another long passphrase")
        db.session.commit()
    assert sends_to_sign_in(client, "/register")
    assert sends_to_sign_in(other, "/register")
    assert records_of(app, users["reviewer_national"]) == []


def test_a_change_of_name_ends_no_session(app, client, auth, users):
    auth.login(users["reviewer_national"])
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(
            User.email == users["reviewer_national"]))
        user.name = "Rita Revisor"
        db.session.commit()
    assert client.get(REVIEW_PAGE).status_code == 200


def test_an_admin_lists_and_ends_a_users_sessions(app, client, auth, users):
    coordinator = app.test_client()
    coordinator.post("/logg-inn", data={"email": users["coordinator"], "password": PASSWORD},
                     headers={"User-Agent": "Firefox/130 (the coordinator's)"})
    assert coordinator.get("/mine-rapporter").status_code == 200
    auth.login(users["admin"])
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(
            User.email == users["coordinator"]))

    listing = client.get("/admin/brukere").get_data(as_text=True)
    assert f'href="/admin/brukere/{user_id}/okter"' in listing
    assert "Aktive økter" in listing and "Siste innlogging</th>" in listing
    page = client.get(f"/admin/brukere/{user_id}/okter").get_data(as_text=True)
    assert "Firefox/130 (the coordinator&#39;s)" in page and "127.0.0.1" in page
    assert "Avslutt alle økter" in page

    answer = client.post(f"/admin/brukere/{user_id}/okter/avslutt")
    assert answer.status_code == 302
    assert sends_to_sign_in(coordinator, "/mine-rapporter")
    after = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Avsluttede økter: 1." in after and "Ingen aktive økter." in after
    assert client.get(ADMIN_PAGE).status_code == 200  # the admin's own session goes on
    [event] = events(app, "user.sessions-ended")
    assert (event.actor, event.object_id, event.after) == (
        users["admin"], str(user_id), {"sessions": 1, "reason": "admin"})


def test_ending_sessions_needs_the_pages_csrf_token(make_app, users):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    from tests.conftest import sign_in_with_csrf

    sign_in_with_csrf(client, users["admin"])
    assert client.post("/admin/brukere/1/okter/avslutt").status_code == 400
    assert events(strict, "user.sessions-ended") == []


@pytest.mark.parametrize("role", ["anonymous", "coordinator", "reviewer_national", "auditor"])
def test_only_an_admin_may_end_sessions(app, client, auth, users, role):
    if role != "anonymous":
        auth.login(users[role])
    answer = client.post("/admin/brukere/1/okter/avslutt")
    assert answer.status_code == (302 if role == "anonymous" else 404)
    assert events(app, "user.sessions-ended") == []


def test_an_admin_asking_for_an_unknown_user_gets_404(client, auth, users):
    auth.login(users["admin"])
    assert client.get("/admin/brukere/999999/okter").status_code == 404
    assert client.post("/admin/brukere/999999/okter/avslutt").status_code == 404


def test_session_cleanup_deletes_expired_sessions_stale_sign_ins_and_old_tries(
        app, runner, client, auth, users):
    auth.login(users["admin"])
    with app.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.email == users["admin"]))
        long_ago = utcnow() - dt.timedelta(days=2)
        db.session.add_all([
            ServerSession(session_id="session:old", data=b"\x80", expiry=long_ago),
            UserSession(session_id="old", user_id=admin_id, created_at=long_ago,
                        last_seen=long_ago),
            # Sign-in tries: one too old to count anywhere, one still in the window.
            LoginAttempt(email="old@example.no", client="192.0.2.1", at=long_ago),
            LoginAttempt(email="recent@example.no", client="192.0.2.1", at=utcnow())])
        db.session.commit()
    result = runner.invoke(args=["session_cleanup"])
    assert result.exit_code == 0, result.output
    assert [r.session_id for r in records_of(app, users["admin"])] == [cookie_of(client)]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ServerSession).where(
            ServerSession.session_id == "session:old")) == 0
        assert db.session.scalars(sa.select(LoginAttempt.email)).all() == ["recent@example.no"]
    assert client.get(ADMIN_PAGE).status_code == 200


def test_production_names_the_cookie_with_the_host_prefix(make_app, users):
    production = make_app(APP_ENV="production", SECRET_KEY=secrets.token_hex(32),
                          PASSWORD_SIGN_IN="all")  # the admin's password: on to its code
    assert production.config["SESSION_COOKIE_NAME"] == "__Host-session"
    answer = production.test_client().post(
        "/logg-inn", data={"email": users["admin"], "password": PASSWORD},
        base_url="https://localhost")
    assert answer.status_code == 302
    [cookie] = [c for c in answer.headers.getlist("Set-Cookie")
                if c.startswith("__Host-session=")]
    assert "; Secure" in cookie and "; Path=/" in cookie and "Domain" not in cookie


@pytest.mark.parametrize("settings", [
    {"APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
     "SESSION_COOKIE_DOMAIN": "example.no"},
    {"SIGN_IN_IDLE_SECONDS": 3600, "SIGN_IN_MAX_SECONDS": 1800},
    {"SIGN_IN_IDLE_SECONDS": 0},
    {"SIGN_IN_MAX_SECONDS": "8h"},
])
def test_unsafe_or_impossible_session_settings_are_refused(tmp_path, settings):
    config = {**defaults(str(tmp_path)), "APP_ENV": "testing", **settings}
    with pytest.raises(ConfigError, match=r"SESSION_COOKIE_DOMAIN|SIGN_IN_"):
        finalise(config)


def test_the_session_outlives_its_sign_in_by_the_time_a_late_post_is_kept(tmp_path):
    config = {**defaults(str(tmp_path)), "APP_ENV": "testing"}
    finalise(config)
    assert config["PERMANENT_SESSION_LIFETIME"] == 8 * 3600 + config["PENDING_POST_SECONDS"]
