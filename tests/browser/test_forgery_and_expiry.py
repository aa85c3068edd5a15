"""A form on another origin cannot write into a report; a sign-in that expires mid-page
loses nothing. Both in a real browser, against the live demo server.

The attacker's page is served from a second origin on this machine (another port on
127.0.0.1: the same *site* for the browser, so the Lax session cookie rides along and only
the CSRF token stands between the two — the harder case).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from survey_app.extensions import db
from survey_app.models import Grant, PendingPost, Response, Round, Scheme
from survey_app.services.demo import DEMO_USERS
from tests.browser.test_pages import sign_in

COORDINATOR = DEMO_USERS[0]
SCHEME = "langvarige-sammensatte-voksne"
FORGED = "Skrevet av en annen nettside"


def report_path() -> str:
    return f"/rapporter/{SCHEME}/{dt.date.today().year - 1}/1577"


def saved_measures(app: Flask) -> dict[str, list[str]]:
    with app.app_context():
        response = db.session.scalar(
            sa.select(Response).join(Grant).join(Round).join(Scheme).where(
                Scheme.slug == SCHEME, Round.year == dt.date.today().year - 1,
                Grant.municipality_number == "1577"))
        if response is None or "measures" not in response.pages:
            return {}
        return response.pages["measures"]["data"]


@pytest.fixture
def attacker(live_server: str) -> Iterator[str]:
    """Another origin serving a page that posts a report page of the live server."""
    target = f"{live_server}{report_path()}/side/measures"
    html = f"""<!doctype html><html lang="en"><head><title>Win a prize</title></head><body>
<form id="f" method="post" action="{target}">
<input name="models" value="new_methods"><input name="model_description" value="{FORGED}">
<input name="version" value="99999"><input name="go" value="next">
<input name="csrf_token" value="guessed"></form>
<script>document.getElementById('f').submit()</script></body></html>""".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_another_origins_form_is_refused_and_nothing_of_it_is_kept_or_shown(
        page: Page, live_app: Flask, attacker: str,
        assert_accessible: Callable[[Page], None]):
    sign_in(page, COORDINATOR.email, COORDINATOR.password)
    page.goto(f"{report_path()}/side/measures")  # the session has its CSRF secret now
    before = saved_measures(live_app)

    page.goto(attacker)  # the victim visits the other site, signed in here
    expect(page.locator("h1")).to_have_text("Skjemaet kunne ikke lagres")
    expect(page.locator("main")).to_contain_text("Ingenting av det ble lagret")
    assert FORGED not in page.content()
    assert_accessible(page)
    assert saved_measures(live_app) == before

    page.goto(f"{report_path()}/side/measures")  # nothing on the real site either
    assert FORGED not in page.content()
    page.get_by_role("button", name="Logg ut").click()
    sign_in(page, COORDINATOR.email, COORDINATOR.password)
    page.goto(f"{report_path()}/side/measures")
    assert FORGED not in page.content()
    assert saved_measures(live_app) == before
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingPost)) == 0


def test_a_sign_in_that_expires_mid_page_keeps_what_was_typed_and_saves_it_after_sign_in(
        page: Page, live_app: Flask, assert_accessible: Callable[[Page], None]):
    sign_in(page, COORDINATOR.email, COORDINATOR.password)
    page.goto(f"{report_path()}/side/measures")
    page.locator('input[name="models"][value="new_methods"]').check()
    typed = "Ny arbeidsmodell med felles team, skrevet før utlogging."
    page.locator('textarea[name="model_description"]').fill(typed)

    idle = live_app.config["SIGN_IN_IDLE_SECONDS"]
    live_app.config["SIGN_IN_IDLE_SECONDS"] = 1
    try:
        page.wait_for_timeout(2500)  # the coordinator was away: the sign-in expires
        page.get_by_role("button", name="Lagre og gå videre").click()
        expect(page).to_have_url(re.compile(r"/logg-inn\?next="))
    finally:
        live_app.config["SIGN_IN_IDLE_SECONDS"] = idle
    expect(page.locator("main")).to_contain_text("Det du skrev, er tatt vare på")
    assert typed not in page.content()  # kept on the server, not echoed into the page
    assert_accessible(page)
    assert saved_measures(live_app).get("model_description") != [typed]

    page.get_by_label("E-postadresse").fill(COORDINATOR.email)
    page.get_by_label("Passord").fill(COORDINATOR.password)
    page.get_by_role("button", name="Logg inn").click()
    expect(page).to_have_url(re.compile(r"/side/measures$"))
    expect(page.locator("main")).to_contain_text(
        "Svarene du skrev før du ble logget ut, er lagret.")
    expect(page.locator('textarea[name="model_description"]')).to_have_value(typed)
    assert saved_measures(live_app)["model_description"] == [typed]
