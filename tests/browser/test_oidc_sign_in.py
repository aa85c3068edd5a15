"""Signing in through a real OpenID Connect provider in Chromium: a coordinator invited
by mail claims the invitation through the provider's own login page and lands on the
report; the sign-in page's button signs in again; a reviewer without a second factor and
a too-weak coordinator sign-in are refused with a page that says what to do; signing out
ends the sign-in at the provider too.

Its own app and server (the other browser tests' live app has no provider): the
provider must know the callback address before the app exists, so the port is chosen
first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Identity
from survey_app.services import demo
from survey_app.services.users import create_user
from tests.browser.conftest import serving
from tests.conftest import make_config, missing
from tests.load.harness import free_port
from tests.oidc_server import OidcProvider, provider_missing
from tests.test_oidc_signin import make_invitation

ACCOUNTS = {
    "kari": {"sub": "nettleser-kari-1", "email": "kari@nettleser.kommune.no",
             "email_verified": True, "name": "Kari Nettleser",
             "acr": "idporten-loa-substantial", "amr": ["BankID"]},
    "lav": {"sub": "nettleser-lav-2", "email": "lav@nettleser.kommune.no",
            "email_verified": True, "name": "Lav Nettleser", "acr": "idporten-loa-low",
            "amr": ["Minid-PIN"]},
    "invitert": {"sub": "nettleser-invitert-3", "email": "nina@privat.example",
                 "email_verified": True, "name": "Nina Invitert",
                 "acr": "idporten-loa-substantial", "amr": ["BankID"]},
    "saksbehandler": {"sub": "nettleser-saksbehandler-4", "email": "sb@helsedir.no",
                      "email_verified": True, "name": "Saksbehandler uten MFA",
                      "acr": "password", "amr": ["pwd"]},
}
INVITATION_TOKEN = "nettleser-invitasjon-til-postmottaket"
POSTBOX = "postmottak-nettleser@lillehammer.kommune.no"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(our address, the provider's issuer), both on loopback."""
    problem = provider_missing()
    if problem:
        missing(problem, "bash scripts/test-system-deps.sh")
    port = free_port()
    ours = f"http://127.0.0.1:{port}"
    client = {"client_id": "nettleser", "client_secret": "nettleser-hemmelighet",
              "redirect_uris": [f"{ours}/logg-inn/med/kommune/svar",
                                f"{ours}/logg-inn/med/stat/svar"],
              "post_logout_redirect_uris": [f"{ours}/logg-inn"]}
    provider = OidcProvider.start([client], ACCOUNTS)
    database = Path(tmp_path_factory.mktemp("oidc-browser")) / "oidc.db"
    app = create_app(make_config(f"sqlite:///{database}", WTF_CSRF_ENABLED=True,
                                 OIDC_PROVIDERS={
                                     name: {"issuer": provider.issuer,
                                            "client_id": "nettleser",
                                            "client_secret": "nettleser-hemmelighet",
                                            "roles": roles}
                                     for name, roles in (("kommune", ("coordinator",)),
                                                         ("stat", ("reviewer",)))}))
    _seed(app)
    with serving(app, port=port):
        yield ours, provider.issuer
    provider.stop()
    with app.app_context():
        db.engine.dispose()


def _seed(app: Flask) -> None:
    with app.app_context():
        db.create_all()
        demo.seed()
        for login, role, provider in (("kari", "coordinator", "kommune"),
                                      ("lav", "coordinator", "kommune"),
                                      ("saksbehandler", "reviewer", "stat")):
            user, _ = create_user(str(ACCOUNTS[login]["email"]), role,
                                  municipalities=["3405"] if role == "coordinator" else (),
                                  office="national" if role == "reviewer" else None)
            db.session.add(Identity(user_id=user.id, provider=provider,
                                    subject=str(ACCOUNTS[login]["sub"]), bound_by="test"))
        db.session.commit()
    make_invitation(app, INVITATION_TOKEN, POSTBOX)


@pytest.fixture
def fresh_page(browser: Browser, site: tuple[str, str]) -> Iterator[Callable[[], Page]]:
    contexts = []

    def make() -> Page:
        context = browser.new_context(locale="nb-NO", base_url=site[0])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _through_the_provider(page: Page, login: str, button: str = "Logg inn med ID-porten",
                          start: str = "/logg-inn") -> None:
    page.goto(start)
    # A link on the sign-in page; a button (a form with its CSRF token) on an invitation.
    page.get_by_role("button" if "/invitasjon/" in start else "link", name=button).click()
    expect(page.get_by_role("heading", name="Test-innlogging")).to_be_visible()
    page.get_by_label("Brukernavn").fill(login)
    page.get_by_role("button", name="Logg inn").click()


def test_a_coordinator_signs_in_through_the_providers_login_page_and_out_again(
        fresh_page: Callable[[], Page], site: tuple[str, str],
        assert_accessible: Callable[[Page], None]) -> None:
    page = fresh_page()
    page.goto("/logg-inn")
    assert_accessible(page)  # the sign-in page with its provider button
    _through_the_provider(page, "kari")
    expect(page).to_have_url(f"{site[0]}/mine-rapporter")  # a coordinator's start page
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine rapporter")
    page.get_by_role("button", name="Logg ut").first.click()
    # The provider asks to confirm the sign-out of its own session, then sends us back.
    page.wait_for_url(lambda url: url.startswith(site[1]))
    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(lambda url: url.startswith(f"{site[0]}/logg-inn"))
    page.goto("/mine-rapporter")
    expect(page).to_have_url(f"{site[0]}/logg-inn?next=%2Fmine-rapporter")


def test_a_too_weak_sign_in_is_refused_with_what_to_do(
        fresh_page: Callable[[], Page], site: tuple[str, str],
        assert_accessible: Callable[[Page], None]) -> None:
    page = fresh_page()
    _through_the_provider(page, "lav")
    expect(page.get_by_role("heading", level=1)).to_have_text("Innloggingen ble ikke fullført")
    expect(page.get_by_role("alert")).to_contain_text("høyere sikkerhetsnivå")
    assert_accessible(page)
    page.goto("/mine-rapporter")
    expect(page).to_have_url(f"{site[0]}/logg-inn?next=%2Fmine-rapporter")


def test_an_invited_coordinator_claims_the_invitation_and_lands_on_the_report(
        fresh_page: Callable[[], Page], site: tuple[str, str],
        assert_accessible: Callable[[Page], None]) -> None:
    page = fresh_page()
    page.goto(f"/invitasjon/{INVITATION_TOKEN}")
    assert_accessible(page)  # the invitation page with its ID-porten button
    _through_the_provider(page, "invitert", start=f"/invitasjon/{INVITATION_TOKEN}")
    expect(page).to_have_url(f"{site[0]}/rapporter/lavterskel-psykisk-helse/2022/3405")
    expect(page.get_by_role("heading", level=1)).to_contain_text("lavterskel")
    # The link is spent; the person now signs in with the same identity, without it.
    other = fresh_page()
    other.goto(f"/invitasjon/{INVITATION_TOKEN}")
    expect(other.get_by_role("heading", level=1)).to_have_text("Lenken er allerede brukt")
    _through_the_provider(other, "invitert")
    expect(other).to_have_url(f"{site[0]}/mine-rapporter")


def test_a_reviewer_without_a_second_factor_is_refused(
        fresh_page: Callable[[], Page], site: tuple[str, str]) -> None:
    page = fresh_page()
    _through_the_provider(page, "saksbehandler", button="Logg inn med Entra ID")
    expect(page.get_by_role("heading", level=1)).to_have_text("Innloggingen ble ikke fullført")
    expect(page.get_by_role("alert")).to_contain_text("sikrere innlogging")
    page.goto("/gjennomgang")
    expect(page).to_have_url(f"{site[0]}/logg-inn?next=%2Fgjennomgang")
