"""The error summary in a real browser (issue 14): after a failed post the focus is on
the summary, which names each question, and the title starts with "Feil:"."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.test_pages import sign_in
from tests.browser.test_questionnaires import REVIEWER

# The preview runs the same page template and stores nothing, so no other test is moved.
DECLARATION = "/skjema/lavterskel-psykisk-helse/v1/declaration"


def test_the_focus_is_on_the_error_summary_after_a_failed_post(
        page: Page, assert_accessible: Callable[[Page], None]):
    sign_in(page, *REVIEWER)
    page.goto(DECLARATION)
    page.locator("form.questionnaire button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Navn på den som har fylt ut skjemaet: ")
    expect(summary).to_contain_text("Stilling eller rolle i kommunen: ")
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.title().startswith("Feil: ")
    summary.get_by_role("link", name="Navn på den som har fylt ut skjemaet",
                        exact=False).click()
    expect(page.get_by_label("Navn på den som har fylt ut skjemaet")).to_be_focused()
    assert_accessible(page)


def test_the_check_answers_page_reflows_at_320_px_with_a_change_link_per_answer(
        page: Page, assert_accessible: Callable[[Page], None]):
    from tests.browser.test_report_journey import COORDINATOR, LAVTERSKEL

    page.set_viewport_size({"width": 320, "height": 800})
    sign_in(page, COORDINATOR.email, COORDINATOR.password)
    page.goto(f"{LAVTERSKEL}/oppsummering")
    rows = page.locator(".summary-list-row")
    expect(rows.first).to_be_visible()
    expect(rows.first.get_by_role("link", name="Endre")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
