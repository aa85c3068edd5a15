"""Signing in: generic errors, the rate limit, safe redirects, CSRF, cookies and headers."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, User
from tests.conftest import sign_in_with_csrf


def test_each_role_lands_on_its_own_start_page(client, auth, users):
    expected = {
        "coordinator": "/mine-rapporter",
        "reviewer_national": "/gjennomgang",
        "reviewer_innlandet": "/gjennomgang",
        "auditor": "/revisjon",
        "auditor_innlandet": "/revisjon",
        "admin": "/admin",
    }
    for key, path in expected.items():
        response = auth.login(users[key])
        assert response.status_code == 302
        assert client.get("/").headers["Location"] == path
        assert client.get(path).status_code == 200
        auth.logout()


def test_a_wrong_password_gets_the_same_generic_message_as_an_unknown_address(client, users):
    wrong = client.post("/logg-inn", data={"email": users["admin"], "password": "nope"})
    unknown = client.post("/logg-inn", data={"email": "nobody@x.no", "password": "nope"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "E-postadressen eller passordet er feil." in response.get_data(as_text=True)
    assert client.get("/admin").status_code == 302  # still not signed in


def test_repeated_failures_are_rate_limited_even_with_the_right_password(app, client, users):
    email = users["admin"]
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/logg-inn", data={"email": email, "password": "x"}).status_code == 401
    blocked = client.post("/logg-inn",
                          data={"email": email, "password": "correct horse battery"})
    assert blocked.status_code == 429
    assert "For mange mislykkede forsøk" in blocked.get_data(as_text=True)
    assert client.get("/admin").status_code == 302


def test_a_successful_sign_in_is_audited(app, client, auth, users):
    auth.login(users["auditor"])
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "user.sign-in"))
        assert event.actor == users["auditor"]


def test_next_is_followed_only_within_the_site(client, users):
    data = {"email": users["admin"], "password": "correct horse battery"}
    local = client.post("/logg-inn?next=/logg", data=data)
    assert local.headers["Location"] == "/logg"
    client.post("/logg-ut")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        response = client.post("/logg-inn", query_string={"next": evil}, data=data)
        assert response.headers["Location"] == "/", evil
        client.post("/logg-ut")


def test_a_protected_page_sends_the_visitor_to_sign_in_and_back(client, auth, users):
    response = client.get("/logg")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logg-inn?next=")
    signed_in = client.post(response.headers["Location"], data={
        "email": users["auditor"], "password": "correct horse battery"})
    assert signed_in.headers["Location"] == "/logg"


def test_an_inactive_account_cannot_sign_in(app, client, users):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == users["admin"]).values(
            active=False))
        db.session.commit()
    response = client.post("/logg-inn", data={"email": users["admin"],
                                               "password": "correct horse battery"})
    assert response.status_code == 401


def test_forms_without_a_csrf_token_are_refused(make_app, users):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    response = client.post("/logg-inn", data={"email": users["admin"],
                                               "password": "correct horse battery"})
    assert response.status_code == 400
    assert "Skjemaet hadde gått ut på tid" in response.get_data(as_text=True)
    assert sign_in_with_csrf(client, users["admin"]).status_code == 302


def test_security_headers_and_cookie_flags(client, auth, users):
    response = auth.login(users["admin"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/admin")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "<script" not in page.get_data(as_text=True)  # nothing inline for the CSP to block


def test_production_cookies_are_secure(make_app, app):
    production = make_app(APP_ENV="production", SECRET_KEY=secrets.token_hex(32))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_passwords_are_stored_hashed_with_scrypt_by_default(app, ctx):
    user = User(email="x@y.no", role="admin")
    app.config.pop("PASSWORD_HASH_METHOD")
    user.set_password("correct horse battery")
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("correct horse battery")
    assert not user.check_password("Correct horse battery")
