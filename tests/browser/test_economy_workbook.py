"""The Excel economy report in a real browser (issue 16, item 4): the coordinator downloads
the template on the economy page, uploads it with a text in an amount cell and reads the
cell named, then uploads the corrected file and sees the figure saved; axe and reflow on
the page with the upload form, on the refusal and on the summary listing the file."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Grant, Response, ResponseFile, Round, Scheme
from survey_app.services import demo
from survey_app.services.demo import DEMO_USERS
from tests.browser.conftest import serving
from tests.browser.test_pages import sign_in
from tests.conftest import make_config

COORDINATOR = DEMO_USERS[0]  # 3405 Lillehammer and 1577 Volda
SLUG = "langvarige-sammensatte-voksne"


@pytest.fixture(scope="module")
def own_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """The demo on a database of its own, served apart: the uploads and the 2021 round
    made here stay out of the session's shared demo that the other browser tests read."""
    folder = tmp_path_factory.mktemp("economy-workbook")
    app = create_app(make_config(f"sqlite:///{folder}/browser.db", WTF_CSRF_ENABLED=True))
    with app.app_context():
        db.create_all()
        demo.seed()
    with serving(app) as address:
        yield app, address
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def page(new_page: Callable[..., Page], own_app: tuple[Flask, str]) -> Page:
    return new_page(base_url=own_app[1])


@pytest.fixture
def economy_app(own_app: tuple[Flask, str]) -> Flask:
    return own_app[0]


def _filled(path: Path, used: object) -> Path:
    book = load_workbook(path)
    book["Økonomi"]["C14"] = used  # "Kor mykje av tilskotet vart brukt …" (Volda: nynorsk)
    out = path.with_name(f"utfylt-{used}.xlsx".replace(" ", "-"))
    book.save(out)
    return out


def test_an_upload_with_a_text_in_an_amount_cell_names_the_cell_then_the_fix_is_saved(
        page: Page, economy_app: Flask, tmp_path: Path,
        assert_accessible: Callable[[Page], None]):
    year = dt.date.today().year - 1  # the demo's open 765.60 round
    report = f"/rapporter/{SLUG}/{year}/1577"
    sign_in(page, COORDINATOR.email, COORDINATOR.password)
    page.goto(f"{report}/side/economy")
    form = page.locator("#workbook-form")
    expect(form).to_be_visible()
    assert_accessible(page)  # axe, and reflow at 320 and 1 280 px, with the upload form

    with page.expect_download() as download:
        page.locator(f'a[href="{report}/okonomirapport.xlsx"]').click()
    template = tmp_path / "mal.xlsx"
    download.value.save_as(template)
    assert load_workbook(template)["Økonomi"]["A13"].value == "Motteke tilskot"

    page.locator("#workbook").set_input_files(_filled(template, "mykje"))
    form.locator("button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Økonomi!C14")
    expect(summary).to_be_focused()
    assert_accessible(page)

    fixed = _filled(template, 12_345)
    page.locator("#workbook").set_input_files(fixed)
    page.locator("#workbook-form button[type=submit]").click()
    expect(page).to_have_url(f"{page.url.split('/rapporter/')[0]}{report}/side/economy")
    expect(page.locator("#used_amount")).to_have_value("12345")
    assert_accessible(page)

    digest = hashlib.sha256(fixed.read_bytes()).hexdigest()
    with economy_app.app_context():
        grant = db.session.scalar(sa.select(Grant).join(Round).join(Scheme).where(
            Scheme.slug == SLUG, Round.year == year, Grant.municipality_number == "1577"))
        response = db.session.scalar(sa.select(Response).where(Response.grant_id == grant.id))
        assert response.pages["economy"]["data"]["used_amount"] == ["12345"]
        assert db.session.scalar(sa.select(ResponseFile.sha256).where(
            ResponseFile.response_id == response.id).order_by(ResponseFile.id.desc())) == digest

    page.goto(f"{report}/oppsummering")
    expect(page.locator(".response-files")).to_contain_text(digest[:16])
    assert_accessible(page)
    with page.expect_download() as got:
        page.locator(".response-files a").first.click()
    assert hashlib.sha256(io.BytesIO(Path(got.value.path()).read_bytes()).getvalue()
                          ).hexdigest() == digest


def test_a_2021_report_asks_for_the_accounts_and_the_attestation_on_the_summary(
        page: Page, economy_app: Flask, tmp_path: Path,
        assert_accessible: Callable[[Page], None]):
    """Item 5: a 2021 765.60 grant of 1 000 000 kr or more (the scheme's configured
    threshold) needs the workbook and the auditor's attestation before it is submitted."""
    from survey_app.services import rounds

    with economy_app.app_context():
        rounds.sync_schemes()
        created = rounds.create_round(f"{SLUG}/2021", rounds.RoundDates(
            opens_on=dt.date(2022, 1, 9), deadline=dt.date(2022, 4, 1), grace_days=14,
            opt_out_deadline=dt.date(2021, 4, 22), payment_date=dt.date(2021, 4, 29)),
            budget=10_000_000)
        db.session.add(Grant(round=created, municipality_number="1577", amount=1_200_000))
        db.session.commit()
    report = f"/rapporter/{SLUG}/2021/1577"
    sign_in(page, COORDINATOR.email, COORDINATOR.password)
    page.goto(f"{report}/oppsummering")
    expect(page.locator("#accounts-economy_workbook")).to_be_visible()
    expect(page.locator("#accounts-auditor_attestation form")).to_be_visible()
    expect(page.locator(".submit-form")).to_have_count(0)
    assert_accessible(page)

    text = tmp_path / "attestasjon.txt"
    text.write_text("ikke en pdf", "utf-8")
    page.locator("#attachment-revisorattestasjon").set_input_files(text)
    page.locator("#accounts-auditor_attestation button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert_accessible(page)

    pdf = tmp_path / "attestasjon.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% revisorattestasjon\n")
    page.goto(f"{report}/oppsummering")
    page.locator("#attachment-revisorattestasjon").set_input_files(pdf)
    page.locator("#accounts-auditor_attestation button[type=submit]").click()
    expect(page.locator("#accounts-auditor_attestation form")).to_have_count(0)
    expect(page.locator(".response-files")).to_contain_text(
        hashlib.sha256(pdf.read_bytes()).hexdigest()[:16])
    assert_accessible(page)
