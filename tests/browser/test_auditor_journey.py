"""The auditor's journey in a real browser: download a round's economy report, open the
file in the test (openpyxl and pandas), find the download in the audit log; and no way to
a reviewer's decision forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from survey_app.extensions import db
from survey_app.models import Grant, ReviewComment, Round, Scheme
from tests.browser.test_pages import BY_ROLE, sign_in_as

AUDITOR = BY_ROLE["auditor"]
SCHEME = "lavterskel-psykisk-helse"
ROUND_NAME = "Midlertidig styrking av lavterskeltilbud innen psykisk helse 2022"
FILE_NAME = f"{SCHEME}-2022-okonomi.xlsx"


def grants_in_round(live_app: Flask) -> int:
    with live_app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Grant.id)).join(Round).join(Scheme)
                                 .where(Scheme.slug == SCHEME, Round.year == 2022))


def check_workbook(path: Path, rows: int) -> None:
    workbook = openpyxl.load_workbook(path)  # formulas as written, not cached values
    assert workbook.sheetnames == ["Økonomi", "Sammendrag", "Metadata"]
    sheet = workbook["Økonomi"]
    assert sheet.cell(1, 1).value == "Kommunenummer"
    numbers = [sheet.cell(r, 1).value for r in range(2, rows + 2)]
    assert all(isinstance(n, str) and re.fullmatch(r"\d{4}", n) for n in numbers), numbers[:5]
    assert len(set(numbers)) == rows
    total_row = rows + 2
    assert sheet.cell(total_row, 1).value == "Sum"
    formulas = [c.value for c in sheet[total_row] if isinstance(c.value, str)
                and c.value.startswith("=SUM(")]
    assert formulas, [c.value for c in sheet[total_row]]
    assert "2:" in formulas[0] and formulas[0].endswith(f"{rows + 1})"), formulas[0]
    assert sheet.max_row == total_row

    frame = pd.read_excel(path, sheet_name="Økonomi", dtype={"Kommunenummer": str})
    data = frame[frame["Kommunenummer"] != "Sum"]
    assert len(data) == rows
    assert data["Kommunenummer"].is_unique
    assert "0301" in set(data["Kommunenummer"])  # leading zeros kept: numbers are text
    with pd.ExcelFile(path) as book:
        assert book.sheet_names == ["Økonomi", "Sammendrag", "Metadata"]


def test_download_the_economy_report_open_it_and_find_it_in_the_log(
        page: Page, live_app: Flask, assert_accessible: Callable[[Page], None],
        tmp_path: Path) -> None:
    rows = grants_in_round(live_app)
    assert rows == 356  # the 2022 register's municipalities
    sign_in_as(page, AUDITOR)
    page.goto("/eksport")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eksport")
    assert_accessible(page)
    link = page.get_by_role(
        "link", name=re.compile(rf"^Økonomirapport \(Excel\)\s*,\s*{re.escape(ROUND_NAME)}$"))
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == FILE_NAME
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    check_workbook(saved, rows)

    page.goto(f"/logg?action=export.download&actor={AUDITOR.email}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisjonslogg")
    event = page.get_by_role("row").filter(has_text=FILE_NAME).first
    expect(event).to_contain_text("export.download")
    expect(event).to_contain_text(AUDITOR.email)
    expect(event).to_contain_text(f"Runde {SCHEME}/2022")  # the object, in words
    expect(event).to_contain_text("Lastet ned et uttrekk")
    assert_accessible(page)


def test_an_auditor_reads_cases_but_reaches_no_decision_form(page: Page, live_app: Flask
                                                             ) -> None:
    """Issue 13 item 7: an auditor opens cases and flags read-only; only reviewers decide."""
    sign_in_as(page, AUDITOR)
    for path in (f"/gjennomgang/runder/{SCHEME}/2022/1577",
                 f"/gjennomgang/runder/{SCHEME}/2022/flagg"):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        expect(page.get_by_role("heading", level=1)).not_to_have_text("Fant ikke siden")
        expect(page.locator("form[action*='/krav'], form[action*='/retur']")).to_have_count(0)
    page.goto(f"/gjennomgang/runder/{SCHEME}/2022/1577")
    expect(page.get_by_text("Du kan lese saken, men ikke avgjøre den")).to_be_visible()
    # Even a post with a valid token (the sign-out form's) is refused like a missing page.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    response = page.request.post(f"/gjennomgang/runder/{SCHEME}/2022/1577/retur", form={
        "csrf_token": token, "return-general": "Ikke lov for en revisor."})
    assert response.status == 404
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReviewComment.id)).where(
            ReviewComment.text == "Ikke lov for en revisor.")) == 0
