"""Conditions applied as the respondent answers: conditions.js asks the server which
questions are hidden and shows or hides them without a reload."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.test_pages import sign_in
from tests.browser.test_questionnaires import REVIEWER

SERVICES = "/skjema/lavterskel-psykisk-helse/v1/services"


def test_the_other_text_appears_and_disappears_with_the_other_box(
        page: Page, assert_accessible: Callable[[Page], None]):
    # A CSP refusal of the script would be a console error; a refused request a 4xx.
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    sign_in(page, *REVIEWER)
    page.goto(SERVICES)
    other_text = page.get_by_label("Hva annet ble styrket?")
    wrapper = page.locator('[data-question="services_strengthened_other"]')
    expect(wrapper).to_be_hidden()  # the first answer from the server hides it
    expect(page.locator("html")).to_have_class("js")
    expect(page.locator(".condition-note").first).to_be_hidden()
    assert_accessible(page)

    loads: list[str] = []
    page.on("load", lambda _: loads.append(page.url))
    boxes = page.get_by_role("group", name="Hvilke lavterskeltilbud ble styrket med tilskuddet?")
    boxes.get_by_label("Annet", exact=True).check()
    expect(other_text).to_be_visible()
    other_text.fill("Kurs for ansatte")
    assert_accessible(page)

    boxes.get_by_label("Annet", exact=True).uncheck()
    expect(wrapper).to_be_hidden()
    assert_accessible(page)
    assert loads == [], "the page must not reload"
    assert errors == []
