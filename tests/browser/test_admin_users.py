"""The admin's account pages in a real browser: a new account made through the form, its
errors and the account's page accessible (WCAG 2.1 A/AA, axe-core) in every state."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.test_pages import BY_ROLE, sign_in_as


def test_an_admin_makes_a_reviewer_through_the_form_and_every_state_is_accessible(
        page: Page, assert_accessible: Callable[[Page], None]) -> None:
    email = f"ny-{secrets.token_hex(4)}@sfin.no"  # the live app is shared: a new address
    sign_in_as(page, BY_ROLE["admin"])
    page.goto("/admin/brukere")
    page.get_by_role("link", name="Ny konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny konto")

    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Rolle").select_option("reviewer")
    page.get_by_role("button", name="Opprett kontoen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Velg et ansvarsområde: nasjonalt eller ett embete.")
    expect(page.get_by_label("Embete (saksbehandlere og revisorer)")).to_have_attribute(
        "aria-invalid", "true")
    assert_accessible(page)  # the form with its errors

    page.get_by_label("Embete (saksbehandlere og revisorer)").select_option("innlandet")
    page.get_by_role("button", name="Opprett kontoen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(email)
    expect(page.get_by_role("status")).to_contain_text(f"Kontoen {email} ble opprettet.")
    expect(page.get_by_role("main")).to_contain_text("Statsforvalteren i Innlandet")
    assert_accessible(page)

    page.get_by_role("button", name="Deaktiver", exact=True).click()  # not confirmed
    expect(page.get_by_role("alert")).to_contain_text("Kryss av for å bekrefte.")
    assert_accessible(page)
    page.get_by_label(f"Ja, deaktiver {email}").check()
    page.get_by_role("button", name="Deaktiver", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Kontoen er deaktivert")
    expect(page.get_by_role("heading", level=2, name="Aktiver kontoen")).to_be_visible()

    page.goto(f"/admin/brukere?q={email}")
    row = page.get_by_role("row", name=email)
    expect(row).to_contain_text("Statsforvalteren i Innlandet")
    expect(row).to_contain_text("Nei")  # not active
    assert_accessible(page)
