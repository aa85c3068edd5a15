"""The dashboard in a real browser: a reviewer filters it, and it meets WCAG 2.1 A/AA with
every chart's table open, on the demo data (about 320 reports of lavterskel 2022)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages import BY_ROLE, sign_in_as

DASHBOARD = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/dashbord"


def test_a_reviewer_filters_the_dashboard_and_it_is_accessible(
        page: Page, assert_accessible: Callable[[Page], None]) -> None:
    sign_in_as(page, BY_ROLE["reviewer"])
    page.goto(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashbord")
    expect(page.get_by_role("img", name=re.compile("Svarprosent over tid"))).to_be_visible()

    page.get_by_label("Fylke").select_option(label="Innlandet")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page).to_have_url(re.compile(r"county=34"))
    expect(page.get_by_role("table", name="Kommuner i utvalget")).to_contain_text("Lillehammer")

    # The tables under the charts are checked too, not only the drawings.
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    expect(page.get_by_role("table", name=re.compile("Rapporter mottatt per"))).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert_accessible(page)
