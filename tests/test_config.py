"""Settings: production refuses to start without a secret key, and says so in one line."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from survey_app.config import ConfigError, finalise

ROOT = Path(__file__).resolve().parent.parent


def test_wsgi_refuses_to_start_in_production_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "APP_ENV")}
    # An empty instance folder: no development instance/config.py is read.
    env["INSTANCE_PATH"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=tmp_path, env={
        **env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 4
    assert result.stderr.strip().splitlines() == [
        "survey_app: SECRET_KEY is not set: refusing to start outside development "
        "(set the SECRET_KEY environment variable)."]


def test_gunicorn_stops_instead_of_restarting_workers_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "APP_ENV")}
    env["INSTANCE_PATH"] = str(tmp_path)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run([str(gunicorn), "--bind", "127.0.0.1:0", "wsgi:app"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "survey_app: SECRET_KEY is not set" in result.stderr


def test_development_runs_without_a_secret_key_but_production_does_not():
    development = {"APP_ENV": "development", "DATABASE_URL": "sqlite://"}
    finalise(development)
    assert len(development["SECRET_KEY"]) >= 32
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        finalise({"APP_ENV": "production", "DATABASE_URL": "sqlite://"})
    with pytest.raises(ConfigError, match="APP_ENV must be one of"):
        finalise({"APP_ENV": "staging", "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})


def test_hosted_postgres_urls_use_psycopg_3():
    config = {"APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
              "DATABASE_URL": "postgres://u:p@db.internal/survey"}
    finalise(config)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/survey"


@pytest.mark.parametrize("key", ["x", "x" * 64, "deadline-day-load-test-secret",
                                 "passwordpasswordpasswordpassword"])
def test_production_refuses_a_weak_secret_key(key):
    with pytest.raises(ConfigError, match="SECRET_KEY is too weak for production"):
        finalise({"APP_ENV": "production", "SECRET_KEY": key, "DATABASE_URL": "sqlite://"})


def test_production_takes_a_random_key_and_old_keys_for_rotation():
    new, old = secrets.token_hex(32), secrets.token_urlsafe(32)
    config = {"APP_ENV": "production", "SECRET_KEY": new, "DATABASE_URL": "sqlite://",
              "SECRET_KEY_FALLBACKS": f"{old}, "}
    finalise(config)
    assert config["SECRET_KEY_FALLBACKS"] == [old]
    with pytest.raises(ConfigError, match="SECRET_KEY_FALLBACKS is too weak"):
        finalise({"APP_ENV": "production", "SECRET_KEY": new, "DATABASE_URL": "sqlite://",
                  "SECRET_KEY_FALLBACKS": "old-secret"})


def test_a_browser_known_under_the_old_key_stays_known_while_the_key_is_a_fallback(
        make_app, users):
    """SECRET_KEY_FALLBACKS: the device cookie (auth.throttle) signed with a key rotated
    out still lets the owner past the guesses made elsewhere, until the key is dropped."""
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    email, data = users["auditor"], {"email": users["auditor"],
                                     "password": "correct horse battery"}
    before = make_app(SECRET_KEY=old)
    owner = before.test_client()
    assert owner.post("/logg-inn", data=data).status_code == 302
    signed_with_old = owner.get_cookie("device").value

    def known_browser_after_guesses(app):
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            app.test_client().post("/logg-inn", data={"email": email, "password": "wrong"})
        browser = app.test_client()
        browser.set_cookie("device", signed_with_old)
        return browser.post("/logg-inn", data=data).status_code

    assert known_browser_after_guesses(make_app(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old])) == 302
    assert known_browser_after_guesses(make_app(SECRET_KEY=new)) == 429
