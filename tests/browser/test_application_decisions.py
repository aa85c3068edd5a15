"""The office decides an application within its frame, in a real browser (issue 16 item 3):
Innlandet's reviewer reads the list and the application, proposes; a second reviewer of
the office approves. axe-core and 320 px reflow on the list, the decision page (with its
forms and after a refusal) and the frames page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from survey_app.extensions import db
from survey_app.models import Application, Round, Scheme, User
from survey_app.services import application_decisions, grants, rounds
from survey_app.services.demo import DEMO_USERS
from tests.browser.test_pages import sign_in
from tests.factories import PASSWORD, UserFactory

PROPOSER = next(u for u in DEMO_USERS if u.office == "innlandet")
APPROVER = "godkjenner@demo.statsforvalteren.no"
NATIONAL = next(u for u in DEMO_USERS if u.role == "reviewer" and u.office == "national")
SLUG, YEAR, NUMBER = "kommunalt-rusarbeid-overgang", 2023, "3407"  # Gjøvik, Innlandet


def in_english(page: Page) -> None:
    """The new pages' words are asserted by their msgids (English), which hold whether or
    not the bokmål catalogue has their translations yet."""
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _prepare(app: Flask) -> int:
    """The 2023 round, Innlandet's frame, Gjøvik's application and a second reviewer."""
    with app.app_context():
        if db.session.scalar(sa.select(User.id).where(User.email == APPROVER)) is None:
            UserFactory(email=APPROVER, role="reviewer", office="innlandet",
                        approves_decisions=True)
        scheme = db.session.scalar(sa.select(Scheme).where(Scheme.slug == SLUG))
        if db.session.scalar(sa.select(Round.id).where(Round.scheme_id == scheme.id,
                                                       Round.year == YEAR)) is None:
            grants.open_round(f"{SLUG}/{YEAR}", rounds.RoundDates(
                opens_on=dt.date(2024, 1, 9), deadline=dt.date(2024, 2, 1)))
        application_decisions.set_frame("765.62", YEAR, "innlandet", 600_000, 400_000, None,
                                        actor_email="nettleser")
        application = Application(
            scheme_id=scheme.id, year=YEAR, municipality_number=NUMBER, office="innlandet",
            questionnaire_id=SLUG, questionnaire_version=1, status="submitted",
            applied_amount=495_000, submitted_at=dt.datetime(2023, 1, 30, 9),
            positions=[{"title": "Ruskonsulent", "percent": 100, "funded_from_year": 2021},
                       {"title": "Erfaringskonsulent", "percent": 50,
                        "funded_from_year": 2021}])
        db.session.add(application)
        db.session.commit()
        return application.id


def test_an_office_proposes_and_a_second_reviewer_approves_within_the_frame(
        live_app: Flask, new_page: Callable[..., Page],
        assert_accessible: Callable[[Page], None]):
    application_id = _prepare(live_app)
    page = new_page()
    sign_in(page, PROPOSER.email, PROPOSER.password)
    in_english(page)
    page.goto(f"/gjennomgang/soknader/765.62/{YEAR}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("765.62")
    expect(page.get_by_role("link", name="3407 Gjøvik")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="3407 Gjøvik").click()
    expect(page.locator("#positions + div.table-scroll")).to_contain_text("330\u00a0000")
    expect(page.locator("#positions + div.table-scroll")).to_contain_text("165\u00a0000")
    assert_accessible(page)

    # The transitional cap (400 000 kr) refuses approving 495 000 kr, with the figures.
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.locator(".alert")).to_contain_text("495\u00a0000")
    assert_accessible(page)
    # A reduction without a reason: the form says so.
    page.get_by_label("Reduce the amount").check()
    page.get_by_label("Reduced amount (kroner)").fill("380 000")
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.locator(".alert")).to_be_visible()
    page.get_by_label("Reduce the amount").check()
    page.get_by_label("Reduced amount (kroner)").fill("380 000")
    page.get_by_label("Reason").fill("Rammen for overgangsordningen er 400 000 kr.")
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.locator("#current-decision")).to_contain_text("380\u00a0000")
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    approver = new_page()
    sign_in(approver, APPROVER, PASSWORD)
    in_english(approver)
    approver.goto(f"/gjennomgang/soknader/sak/{application_id}")
    assert_accessible(approver)
    approver.get_by_role("button", name="Approve the decision").click()
    expect(approver.locator(".alert").first).to_contain_text("380\u00a0000")
    expect(approver.get_by_text("No decision letter text is configured").first).to_be_visible()
    assert_accessible(approver)

    national = new_page()
    sign_in(national, NATIONAL.email, NATIONAL.password)
    in_english(national)
    national.goto(f"/gjennomgang/rammer/765.62/{YEAR}")
    expect(national.get_by_role("row", name="Statsforvalteren i Innlandet")).to_contain_text(
        "380\u00a0000")
    assert_accessible(national)
    national.goto("/gjennomgang/soknader")
    assert_accessible(national)
