"""The questionnaire preview in a real browser: WCAG 2.1 A/AA (axe-core) on every section
of every shipped questionnaire, and on a section showing errors after a post."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from forms.loader import load_directory
from tests.browser.test_pages import sign_in

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = load_directory(ROOT / "questionnaires").questionnaires
REVIEWER = ("saksbehandler@demo.helsedir.no", "demo-saksbehandler")


def test_every_section_of_every_questionnaire_is_accessible(
        page: Page, assert_accessible: Callable[[Page], None]):
    sign_in(page, *REVIEWER)
    page.goto("/skjema")
    assert_accessible(page)
    for questionnaire in SHIPPED:
        for section in questionnaire.sections:
            page.goto(f"/skjema/{questionnaire.id}/v{questionnaire.version}/{section.id}")
            expect(page.locator("h1")).to_contain_text(section.title["nb"])
            assert_accessible(page)


def test_a_section_with_errors_is_accessible_and_the_summary_links_work(
        page: Page, assert_accessible: Callable[[Page], None]):
    sign_in(page, *REVIEWER)
    page.goto("/skjema/lavterskel-psykisk-helse/v1/economy")
    page.locator("#received").fill("12abc")
    page.get_by_role("button", name="Kontroller svarene").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Det er et problem")
    assert_accessible(page)
    summary.get_by_role("link", name="«12abc» er ikke et beløp", exact=False).click()
    expect(page.locator("#received")).to_be_focused()


def test_a_matrix_and_a_group_with_errors_are_accessible(
        page: Page, assert_accessible: Callable[[Page], None]):
    sign_in(page, *REVIEWER)
    page.goto("/skjema/kommunalt-rusarbeid-ny/v1/positions_section")
    page.locator("#positions-0-fte_percent").fill("abc")
    page.get_by_role("button", name="Kontroller svarene").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    page.goto("/skjema/rask-psykisk-helsehjelp/v1/fidelity")
    page.get_by_role("button", name="Kontroller svarene").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
