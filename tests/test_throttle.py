"""Sign-in throttling (issue 13 item 6): a guesser is slowed, the owner is never locked out.

Time passing is the attempts' recorded times moved back, not a sleep."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import AuditEvent, LoginAttempt
from tests.conftest import at_once, make_config
from tests.factories import PASSWORD

WRONG = "not the password"


def sign_in(client, email: str, password: str, **headers: str):
    return client.post("/logg-inn", data={"email": email, "password": password},
                       headers=headers)


def time_passes(app: Flask, seconds: int) -> None:
    with app.app_context():  # in Python: SQLite has no arithmetic on its datetime text
        for attempt in db.session.scalars(sa.select(LoginAttempt)):
            attempt.at -= dt.timedelta(seconds=seconds)
        db.session.commit()


def wait_in(page: str) -> int:
    found = re.search(r"Vent (\d+) sekund(?:er)?", page)
    assert found, page[:500]
    return int(found.group(1))


def events(app: Flask, action: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                                 .where(AuditEvent.action == action)) or 0


def test_five_wrong_passwords_slow_the_next_try_and_the_owner_signs_in_after_a_short_wait(
        app, client, users):
    email = users["coordinator"]
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert sign_in(client, email, WRONG).status_code == 401
    slowed = sign_in(client, email, PASSWORD)
    assert slowed.status_code == 429
    wait = wait_in(slowed.get_data(as_text=True))
    assert 1 <= wait <= app.config["LOGIN_DELAY_MAX_SECONDS"]
    assert client.get("/mine-rapporter").status_code == 302  # not signed in
    time_passes(app, wait)
    assert sign_in(client, email, PASSWORD).status_code == 302
    assert client.get("/mine-rapporter").status_code == 200
    assert events(app, "user.sign-in-failed") == 5
    assert events(app, "user.sign-in-throttled") == 1


def test_the_delay_grows_with_every_failure_and_stays_short(app, client, users):
    email = users["coordinator"]
    waits = []
    for _ in range(12):
        answer = sign_in(client, email, WRONG)
        if answer.status_code == 429:
            waits.append(wait_in(answer.get_data(as_text=True)))
            time_passes(app, waits[-1])
    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert max(waits) <= app.config["LOGIN_DELAY_MAX_SECONDS"]


def test_the_owner_on_a_known_browser_signs_in_at_once_whatever_was_guessed_elsewhere(
        app, users):
    email = users["coordinator"]
    owner = app.test_client()
    assert sign_in(owner, email, PASSWORD).status_code == 302  # the browser becomes known
    owner.post("/logg-ut")
    guesser = app.test_client()
    for _ in range(3 * app.config["LOGIN_MAX_FAILURES"]):
        assert sign_in(guesser, email, WRONG).status_code in (401, 429)
    assert sign_in(guesser, email, PASSWORD).status_code == 429  # still slowed
    assert sign_in(owner, email, PASSWORD).status_code == 302  # no wait at all
    assert owner.get("/mine-rapporter").status_code == 200


def test_a_known_browser_of_another_account_or_a_forged_cookie_earns_no_trust(app, users):
    browser = app.test_client()
    assert sign_in(browser, users["auditor"], PASSWORD).status_code == 302
    browser.post("/logg-ut")
    email = users["coordinator"]
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert sign_in(app.test_client(), email, WRONG).status_code == 401
    assert sign_in(browser, email, PASSWORD).status_code == 429  # the auditor's browser
    forged = app.test_client()
    forged.set_cookie("device", "eyJ1IjoxLCJkIjoiYWJjIn0.forged.signature")
    assert sign_in(forged, email, PASSWORD).status_code == 429


@pytest.fixture
def behind_proxy(database_url: str, app: Flask) -> Iterator[Flask]:
    """The same database, served behind one trusted proxy (TRUSTED_PROXIES=1)."""
    proxied = create_app({**make_config(database_url), "TRUSTED_PROXIES": 1})
    yield proxied
    with proxied.app_context():
        db.engine.dispose()


def test_twenty_failures_from_one_client_do_not_slow_another_behind_the_same_proxy(
        behind_proxy, users):
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    guesser = behind_proxy.test_client()
    guesser.environ_base.update(proxy)
    for n in range(4 * behind_proxy.config["LOGIN_MAX_FAILURES"]):  # many accounts
        answer = sign_in(guesser, f"nobody{n}@example.no", WRONG,
                         **{"X-Forwarded-For": "203.0.113.5"})
        assert answer.status_code == 401
    assert sign_in(guesser, users["auditor"], PASSWORD,
                   **{"X-Forwarded-For": "203.0.113.5"}).status_code == 429
    colleague = behind_proxy.test_client()
    colleague.environ_base.update(proxy)
    assert sign_in(colleague, users["auditor"], PASSWORD,
                   **{"X-Forwarded-For": "203.0.113.6"}).status_code == 302


def test_without_a_trusted_proxy_a_forwarded_for_header_cannot_escape_the_count(app, users):
    guesser = app.test_client()
    for n in range(4 * app.config["LOGIN_MAX_FAILURES"]):
        answer = sign_in(guesser, f"nobody{n}@example.no", WRONG,
                         **{"X-Forwarded-For": f"198.51.100.{n}"})
        assert answer.status_code == 401
    assert sign_in(guesser, users["auditor"], PASSWORD,
                   **{"X-Forwarded-For": "198.51.100.200"}).status_code == 429


def test_ten_tries_at_once_check_no_more_than_five_passwords(app, users):
    email, limit = users["coordinator"], app.config["LOGIN_MAX_FAILURES"]
    clients = [app.test_client() for _ in range(2 * limit)]
    statuses = at_once([lambda c=c: sign_in(c, email, WRONG).status_code for c in clients])
    assert sorted(statuses) == [401] * limit + [429] * limit
    assert events(app, "user.sign-in-failed") == limit
    assert events(app, "user.sign-in-throttled") == limit
