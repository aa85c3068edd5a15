"""The pages in a real browser: signing in as every demo user, WCAG 2.1 A/AA (axe-core)
on every kind of page, the language menu with and without JavaScript, the keyboard."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from survey_app.services.demo import DEMO_USERS, DemoUser

START_PAGES = {
    "coordinator": "/mine-rapporter",
    "reviewer": "/gjennomgang",
    "auditor": "/revisjon",
    "admin": "/admin",
    "author": "/skjema/arbeidsrom",
}
BY_ROLE = {user.role: user for user in reversed(DEMO_USERS)}  # the first of each role
WRONG_PASSWORD = "E-postadressen eller passordet er feil."  # nb .po


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/logg-inn")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()


def sign_in_as(page: Page, user: DemoUser) -> None:
    sign_in(page, user.email, user.password)
    expect(page).to_have_url(re.compile(re.escape(START_PAGES[user.role]) + "$"))


def path_of(pattern: str) -> re.Pattern[str]:
    return re.compile(r"^https?://[^/]+" + re.escape(pattern) + "$")


@pytest.mark.parametrize("user", DEMO_USERS, ids=lambda user: user.email)
def test_every_demo_user_signs_in_to_an_accessible_start_page(
        page: Page, assert_accessible: Callable[[Page], None], user: DemoUser) -> None:
    sign_in(page, user.email, user.password)
    expect(page).to_have_url(path_of(START_PAGES[user.role]))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    assert_accessible(page)


# (who signs in first or None, the path, the h1 the page must show)
PAGES = [
    pytest.param(None, "/logg-inn", "Logg inn", id="sign-in"),
    pytest.param(None, "/tilgjengelighet", None, id="accessibility-statement"),
    pytest.param("coordinator", "/kommuner/3405", "3405 Lillehammer", id="municipality"),
    pytest.param("reviewer", "/register", "Kommuneregister", id="register"),
    pytest.param("reviewer", "/gjennomgang", None, id="review"),
    pytest.param("admin", "/logg", None, id="audit-log"),
    pytest.param("admin", "/admin/brukere", "Brukere", id="users"),
    pytest.param(None, "/finnes-ikke", "Fant ikke siden", id="not-found"),
    pytest.param("admin", "/finnes-ikke", "Fant ikke siden", id="not-found-signed-in"),
]


@pytest.mark.parametrize(("role", "path", "heading"), PAGES)
def test_every_page_type_has_no_wcag_violations(
        page: Page, assert_accessible: Callable[[Page], None],
        role: str | None, path: str, heading: str | None) -> None:
    if role is not None:
        sign_in_as(page, BY_ROLE[role])
    page.goto(path)
    h1 = page.get_by_role("heading", level=1)
    expect(h1).to_be_visible()
    if heading is not None:
        expect(h1).to_have_text(heading)
    assert_accessible(page)


def test_the_register_of_a_year_without_one_is_refused_not_replaced(
        page: Page, assert_accessible: Callable[[Page], None]) -> None:
    sign_in_as(page, BY_ROLE["reviewer"])
    page.goto("/register?year=2019")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommuneregister")
    notice = page.get_by_role("alert")
    expect(notice).to_contain_text(
        "Det finnes ikke noe kommuneregister som gjelder 1. januar 2019")
    expect(notice).to_contain_text("2020–2023, 2024–")
    expect(page.get_by_role("table")).to_have_count(0)
    assert_accessible(page)


def test_a_wrong_password_shows_the_generic_error_and_stays_on_sign_in(
        page: Page, assert_accessible: Callable[[Page], None]) -> None:
    sign_in(page, BY_ROLE["coordinator"].email, "not-the-password")
    expect(page).to_have_url(path_of("/logg-inn"))
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="Det er et problem")).to_be_visible()
    expect(summary).to_contain_text(WRONG_PASSWORD)
    # The same answer for an unknown address: nothing tells which accounts exist.
    sign_in(page, "ukjent@demo.kommune.no", "not-the-password")
    expect(page).to_have_url(path_of("/logg-inn"))
    expect(page.get_by_role("alert")).to_contain_text(WRONG_PASSWORD)
    # The sign-in page with its error summary is accessible too.
    assert_accessible(page)


def test_empty_fields_are_linked_from_the_error_summary(
        page: Page, assert_accessible: Callable[[Page], None]) -> None:
    page.goto("/logg-inn")
    page.get_by_role("button", name="Logg inn").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(page.get_by_label("E-postadresse")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_language_menu_switches_between_nynorsk_english_and_bokmal(
        new_page: Callable[..., Page], javascript: bool) -> None:
    page = new_page(java_script_enabled=javascript)
    page.goto("/logg-inn")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "nb")
    menu = page.get_by_role("navigation", name="Språk")

    menu.get_by_role("button", name="Nynorsk").click()
    expect(page).to_have_url(path_of("/logg-inn"))
    expect(html).to_have_attribute("lang", "nn")
    expect(page.get_by_text("Her rapporterer kommunane om korleis dei har brukt tilskot")) \
        .to_be_visible()
    expect(page.get_by_role("link", name="Tilgjengeerklæring")).to_be_visible()

    page.get_by_role("navigation", name="Språk").get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_label("E-mail address")).to_be_visible()

    page.get_by_role("navigation", name="Language").get_by_role("button", name="Bokmål").click()
    expect(html).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")


def test_signing_in_and_out_works_without_javascript(new_page: Callable[..., Page]) -> None:
    page = new_page(java_script_enabled=False)
    user = BY_ROLE["auditor"]
    sign_in_as(page, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisjon")
    page.get_by_role("button", name="Logg ut").click()
    expect(page).to_have_url(path_of("/logg-inn"))


def test_tab_first_reaches_the_skip_link_which_moves_focus_to_the_main_content(
        page: Page) -> None:
    page.goto("/logg-inn")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hopp til hovedinnhold")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # it shows itself when focused
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
