"""The coordinator's journey in a real browser, and two tabs editing one draft.

The live app holds the demo data: the demo coordinator's 2022 low-threshold report for
3405 Lillehammer is a draft with two pages saved; the open round of the adults' scheme
has an unstarted report for 1577 Volda.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from survey_app.extensions import db
from survey_app.models import Grant, Response, Round, Scheme, Submission
from survey_app.services.demo import DEMO_USERS
from tests.browser.test_pages import sign_in

COORDINATOR = DEMO_USERS[0]
LAVTERSKEL = "/rapporter/lavterskel-psykisk-helse/2022/3405"


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Lagre og gå videre").click()


def test_fill_with_an_error_and_a_condition_reload_submit_and_get_a_receipt(
        page: Page, live_app: Flask, assert_accessible: Callable[[Page], None]):
    sign_in(page, COORDINATOR.email, COORDINATOR.password)
    expect(page.locator("#reports")).to_contain_text("Midlertidig styrking av lavterskeltilbud")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(
        r"^Midlertidig styrking av lavterskeltilbud innen psykisk helse\s*, 2022, Lillehammer$"
    )).click()
    expect(page.locator("#report-status")).to_have_text("Utkast lagret")
    assert_accessible(page)
    page.get_by_role("link", name="Fortsett på rapporten").click()
    # the first page not completed: the draft's two saved pages are complete
    expect(page).to_have_url(re.compile(r"/side/importance$"))

    page.locator('input[name="importance_capacity"][value="4"]').check()
    page.locator('input[name="importance_competence"][value="3"]').check()
    save_and_continue(page)

    used = page.get_by_label("Hvor mye av tilskuddet ble brukt i 2022?")
    used.fill("12abc")
    save_and_continue(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert_accessible(page)  # the page with its errors, too
    explanation = page.get_by_label("Forklar hvorfor ikke hele tilskuddet ble brukt i 2022")
    used.fill("400 000")  # less than received: the explanation appears without a reload
    expect(explanation).to_be_visible()
    explanation.fill("En stilling stod ledig i fire måneder.")
    save_and_continue(page)

    page.get_by_role("group", name="Har noe av tilskuddet blitt brukt til kartlegging o.l.?"
                     ).get_by_label("Nei").check()
    page.get_by_role("group", name="Er noe av tilskuddet overført til 2023?").get_by_label(
        "Nei").check()
    save_and_continue(page)
    page.locator('input[name="declaration_confirmed"][value="yes"]').check()
    page.get_by_label("Navn på den som har fylt ut skjemaet").fill("Kari Nordmann")
    page.get_by_label("Stilling eller rolle i kommunen").fill("Kommunalsjef")
    page.get_by_role("button", name="Lagre og gå til oppsummeringen").click()

    expect(page.get_by_role("heading", name="Kontroller svarene før du sender inn")).to_be_visible()
    page.reload()  # nothing lives in the browser: the answers are on the server
    expect(page.locator("main")).to_contain_text("En stilling stod ledig i fire måneder.")
    assert_accessible(page)
    page.get_by_role("button", name="Send inn rapporten").click()

    heading = page.get_by_role("heading", name=re.compile(r"^Kvittering 2022-3405-LPH-1$"))
    expect(heading).to_be_visible()
    expect(page.locator("main")).to_contain_text("Kari Nordmann")
    expect(page.locator("main")).to_contain_text("400\u00a0000\u00a0kr")
    assert_accessible(page)
    with live_app.app_context():
        submission = db.session.scalar(sa.select(Submission).where(
            Submission.reference == "2022-3405-LPH-1"))
        assert submission.answers["used_amount"] == "400000.00"
        assert submission.answers["unused_explanation"] == "En stilling stod ledig i fire måneder."


def open_round_report(live_app: Flask) -> str:
    with live_app.app_context():
        year = db.session.scalar(sa.select(Round.year).join(Scheme).where(
            Scheme.slug == "langvarige-sammensatte-voksne"))
    assert year == dt.date.today().year - 1
    return f"/rapporter/langvarige-sammensatte-voksne/{year}/1577/side/measures"


def test_two_tabs_editing_one_draft_get_a_conflict_and_lose_nothing(
        new_page: Callable[..., Page], live_app: Flask,
        assert_accessible: Callable[[Page], None]):
    url = open_round_report(live_app)
    first, second = new_page(), new_page()  # two browser contexts: two sessions
    for tab in (first, second):
        sign_in(tab, COORDINATOR.email, COORDINATOR.password)
        tab.goto(url)
    first.get_by_label("År 2").check()
    first.get_by_role("button", name="Lagre og fortsett senere").click()
    expect(first.locator("#report-status")).to_have_text("Utkast lagret")

    second.get_by_label("År 3").check()
    second.get_by_role("button", name="Lagre og fortsett senere").click()
    conflict = second.locator("#conflict")
    expect(conflict).to_contain_text("Noen andre lagret denne siden etter at du åpnet den")
    expect(conflict).to_contain_text("År 2")  # theirs, shown beside mine
    expect(second.get_by_label("År 3")).to_be_checked()  # mine, still in the form
    assert_accessible(second)
    with live_app.app_context():
        grant = db.session.scalar(sa.select(Grant).join(Round).join(Scheme).where(
            Scheme.slug == "langvarige-sammensatte-voksne", Grant.municipality_number == "1577"))
        response = db.session.scalar(sa.select(Response).where(Response.grant_id == grant.id))
        assert response.pages["measures"]["data"]["project_year"] == ["year_2"]

    second.get_by_role("button", name="Lagre mine svar i stedet").click()
    expect(second.locator("#conflict")).to_have_count(0)
    with live_app.app_context():
        response = db.session.scalar(sa.select(Response).where(Response.grant_id == grant.id))
        assert response.pages["measures"]["data"]["project_year"] == ["year_3"]
