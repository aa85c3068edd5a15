"""A stand-alone application in a real browser (issue 16, item 2): the demo coordinator's
municipality has no grant in the new design of 765.62, opens "Søk om tilskudd" from its
start page, answers yes (the amount appears), sends with a question unanswered (the error
summary names it), fills it in and sends; axe and reflow at 320 px on every step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from playwright.sync_api import Page, expect

from survey_app.services.demo import DEMO_USERS
from tests.browser.test_pages import sign_in

COORDINATOR = DEMO_USERS[0]  # 3405 Lillehammer and 1577 Volda
NY = "kommunalt-rusarbeid-ny"


def test_a_municipality_without_a_grant_applies_alone(
        page: Page, assert_accessible: Callable[[Page], None]):
    # The demo has no round of the new design: the application is for next year.
    year = dt.date.today().year + 1
    url = f"/soknader/{NY}/{year}/3405"
    sign_in(page, COORDINATOR.email, COORDINATOR.password)
    page.goto("/mine-rapporter")
    link = page.locator(f'a[href="{url}"]')
    expect(link).to_contain_text(f"Søk om tilskudd for {year}")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Søknad om tilskudd for {year}")
    assert_accessible(page)  # axe, and reflow at 320 and 1 280 px

    amount = page.locator("#applied_amount")
    page.locator('input[name="apply_next_year"][value="yes"]').check()
    expect(amount).to_be_visible()  # shown by conditions.js once "yes" is chosen
    amount.fill("420 000")
    page.get_by_role("button", name="Send inn søknaden").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Beskriv kort hva midlene skal brukes til neste år")
    assert page.title().startswith("Feil: ")
    assert_accessible(page)

    page.locator("#next_year_plan").fill("Oppsøkende team for unge.")
    page.get_by_role("button", name="Send inn søknaden").click()
    expect(page.locator("#receipt")).to_contain_text(
        f"Søknaden om tilskudd for {year} ble sendt inn")
    expect(page.locator("#receipt")).to_contain_text(COORDINATOR.email)
    assert_accessible(page)
