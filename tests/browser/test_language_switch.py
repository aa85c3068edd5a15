"""The language switch on a report page in a real browser, without JavaScript help: the
Nynorsk button sends the page's own form, so what was typed is saved and shown in nynorsk;
Enter in a field still saves and continues (issue 14, item 5).

Its own server with the demo data, so the shared live app's draft is not moved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Grant, Response
from survey_app.services import demo
from tests.browser.conftest import serving
from tests.browser.test_pages import sign_in
from tests.browser.test_report_journey import COORDINATOR, LAVTERSKEL
from tests.conftest import make_config

ECONOMY = f"{LAVTERSKEL}/side/economy"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    folder = tmp_path_factory.mktemp("language-switch")
    app = create_app(make_config(f"sqlite:///{folder}/switch.db", WTF_CSRF_ENABLED=True))
    with app.app_context():
        db.create_all()
        demo.seed()
    with serving(app) as address:
        yield app, address
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=[False, True], ids=["no-js", "js"])
def own_page(browser: Browser, own_server: tuple[Flask, str],
             request: pytest.FixtureRequest) -> Iterator[tuple[Page, bool]]:
    context = browser.new_context(locale="nb-NO", base_url=own_server[1],
                                  java_script_enabled=request.param)
    context.set_default_timeout(20_000)
    yield context.new_page(), request.param
    context.close()


def saved_economy(app: Flask) -> dict[str, Any]:
    with app.app_context():
        response = db.session.scalar(sa.select(Response).join(Grant).where(
            Grant.municipality_number == "3405", Response.grant_id == Grant.id))
        assert response is not None
        return dict(response.pages.get("economy", {}).get("data", {}))


def test_typed_answers_survive_switching_to_nynorsk(
        own_page: tuple[Page, bool], own_server: tuple[Flask, str],
        assert_accessible: Callable[[Page], None]):
    (page, javascript), (app, _) = own_page, own_server
    sign_in(page, COORDINATOR.email, COORDINATOR.password)
    page.goto(ECONOMY)
    used = page.locator('input[name="used_amount"]')
    used.fill("12abc")
    page.get_by_role("button", name="Nynorsk").click()

    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page).to_have_url(re.compile(re.escape(ECONOMY) + "$"))
    expect(used).to_have_value("12abc")
    expect(page.get_by_role("button", name="Lagre og gå vidare")).to_be_visible()
    expect(page.locator(".error-summary")).to_be_visible()  # as a save shows it
    expect(page.get_by_role("button", name="Nynorsk")).to_have_attribute("aria-current", "true")
    assert page.title().startswith("Feil: ")
    assert saved_economy(app)["used_amount"] == ["12abc"]
    if javascript:  # axe runs as a script: not in the page without JavaScript
        assert_accessible(page)

    # Enter in a field is still "save and continue", not a language button.
    used.fill(page.locator('input[name="received"]').input_value())
    used.press("Enter")
    expect(page).to_have_url(re.compile(r"/side/conditions$"))
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    assert saved_economy(app)["used_amount"] == saved_economy(app)["received"]
