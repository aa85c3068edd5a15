"""The exports read back by what people open them with — openpyxl, pandas and LibreOffice
(headless: the xlsx converted to CSV, every sheet) — give the stored values: text exactly
as stored, never a formula, less only the characters an xlsx cannot hold (the metadata
sheet counts them); dates and times as date cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl.utils.escape import unescape

from exports.economy import EconomyReport, write_economy
from exports.responses import QuestionSpec, RawResponse, ResponsesExport, write_responses_xlsx
from survey_app.extensions import db
from survey_app.models import Grant, Response, Submission
from tests.conftest import missing
from tests.exports.test_safety import MARKUP
from tests.factories import make_round

REMOVED = "Fjernede tegn (antall)"
HYPERLINK = '=HYPERLINK("x","y")'
# (stored, what an xlsx cell holds, what a CSV cell holds)
HOSTILE = [
    (HYPERLINK, HYPERLINK, "'" + HYPERLINK),
    ("+1", "+1", "'+1"),
    ("-2", "-2", "'-2"),
    ("@SUM(A1)", "@SUM(A1)", "'@SUM(A1)"),
    ("=1+2", "=1+2", "'=1+2"),
    ("NUL\x00here", "NULhere", "NULhere"),  # 1 removed
    ("\x07bell\x1b[31m", "bell[31m", "bell[31m"),  # 2 removed
    ("non\ufffechar\uffff", "nonchar", "nonchar"),  # 2 removed
    ("=\x00SUM(A1)", "=SUM(A1)", "'=SUM(A1)"),  # 1 removed, then a formula trigger
    (MARKUP, MARKUP, MARKUP),
    ("tab\tand\nline", "tab\tand\nline", "tab\tand\nline"),
    ("0301", "0301", "0301"),
    (" 1 234,50 ", " 1 234,50 ", " 1 234,50 "),
]
REMOVED_COUNT = 6
# LibreOffice's CSV filter: comma, double quotes, UTF-8, quote every text cell (so a text
# cell is told from a number), cells as shown, no formulas, every sheet to its own file.
LIBREOFFICE_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,true,false,false,-1"


def libreoffice(workbook: bytes, tmp_path: Path) -> dict[str, tuple[list[list[str]], str]]:
    """Each sheet as LibreOffice reads it: its rows and the raw CSV text, by sheet name."""
    soffice = shutil.which("soffice")
    if soffice is None:
        missing("LibreOffice (soffice)", "apt-get install libreoffice-calc-nogui")
    source, out = tmp_path / "export.xlsx", tmp_path / "libreoffice"
    source.write_bytes(workbook)
    profile = (tmp_path / "libreoffice-profile").as_uri()  # its own: tests run in parallel
    subprocess.run([str(soffice), f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", LIBREOFFICE_CSV, "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=600)
    sheets = {}
    for path in out.glob("export-*.csv"):
        with path.open(encoding="utf-8", newline="") as stream:  # a CR in a cell stays
            text = stream.read()
        sheets[path.stem.removeprefix("export-")] = (list(csv.reader(io.StringIO(text))), text)
    assert sheets, "LibreOffice wrote no sheet"
    return sheets


def quoted(text: str) -> str:
    """A text cell in LibreOffice's CSV (every text cell quoted)."""
    return '"' + text.replace('"', '""') + '"'


def metadata(workbook: openpyxl.Workbook) -> dict[str, str]:
    return {row[0]: row[1] for row in workbook["Metadata"].iter_rows(values_only=True)}


# ---- the raw responses, through the service ------------------------------------------------

KEY = "kommunalt-rusarbeid-overgang/2024"
BASE = f"/eksport/{KEY}"


@pytest.fixture
def hostile(app) -> None:
    """3405's submission as stored: one position per hostile title (a repeating group)."""
    with app.app_context():
        make_round(KEY, amounts={"3405": 990_000})
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        positions = [{"position_title": stored, "fte_percent": "100", "funded_from_year": 2020}
                     for stored, _, _ in HOSTILE]
        response = Response(grant_id=grant.id, questionnaire_id="kommunalt-rusarbeid-overgang",
                            questionnaire_version=1, content_hash="test", pages={},
                            status="submitted", started_by="test", updated_by="test")
        response.submissions.append(Submission(
            number=1, idempotency_key="3405-1", reference="2024-3405-T-1",
            questionnaire_id="kommunalt-rusarbeid-overgang", questionnaire_version=1,
            content_hash="test", answers={"positions": positions}, answers_hash="test",
            submitted_at=dt.datetime(2025, 1, 20, 9), submitted_by="test"))
        db.session.add(response)
        db.session.commit()


def download(client, auth, users, url: str) -> bytes:
    auth.login(users["auditor"])
    response = client.get(url)
    assert response.status_code == 200, url
    return response.data


def test_stored_text_reads_back_exactly_in_openpyxl_and_pandas(app, client, auth, users,
                                                               hostile):
    data = download(client, auth, users, f"{BASE}/svar.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["positions"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("position_title")] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [xlsx for _, xlsx, _ in HOSTILE]
    assert {c.data_type for c in cells} == {"s"}  # text cells: none is a formula
    assert sheet.max_column == len(header)  # and no cell was made from markup
    assert metadata(workbook)[REMOVED] == str(REMOVED_COUNT)

    # pandas turns a column of number-like strings into numbers unless told it is text
    # (as the codes sheet says); a number cell would then read "1", never "+1".
    frame = pd.read_excel(io.BytesIO(data), sheet_name="positions",
                          dtype={"position_title": str})
    assert frame["position_title"].tolist() == [xlsx for _, xlsx, _ in HOSTILE]
    times = pd.read_excel(io.BytesIO(data), sheet_name="Svar")["innsendt"]
    assert times.tolist() == [pd.Timestamp("2025-01-20 10:00:00")]  # Norwegian time


def test_stored_text_reads_back_exactly_in_libreoffice(app, client, auth, users, hostile,
                                                       tmp_path):
    sheets = libreoffice(download(client, auth, users, f"{BASE}/svar.xlsx"), tmp_path)
    rows, text = sheets["positions"]
    column = rows[0].index("position_title")
    assert [row[column] for row in rows[1:]] == [xlsx for _, xlsx, _ in HOSTILE]
    for _, xlsx, _ in HOSTILE:
        assert quoted(xlsx) in text, xlsx  # a text cell, not a number or a formula's result
    assert rows[0] == [c for c in rows[0] if c]  # no cell beyond the header's columns
    facts = dict(sheets["Metadata"][0])
    assert facts[REMOVED] == str(REMOVED_COUNT)
    svar, _ = sheets["Svar"]
    assert svar[1][svar[0].index("innsendt")] == "2025-01-20 10:00:00"


def test_the_csv_keeps_its_formula_rule_and_drops_the_same_characters(app, client, auth,
                                                                       users, hostile):
    data = download(client, auth, users, f"{BASE}/svar-positions.csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    column = rows[0].index("position_title")
    assert [row[column] for row in rows[1:]] == [in_csv for _, _, in_csv in HOSTILE]
    frame = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", dtype=str,
                        keep_default_na=False, encoding="utf-8-sig")
    assert frame["position_title"].tolist() == [in_csv for _, _, in_csv in HOSTILE]


# ---- the writers, given values directly ----------------------------------------------------

META = ("3405", "Lillehammer", "Innlandet", "Statsforvalteren i Innlandet", "REF-1", 1, 1,
        dt.datetime(2023, 7, 1, 12), 0)
DATES = [  # (stored, the cell's value in openpyxl: a date cell, or the text kept as text)
    ("2023-03-01", dt.datetime(2023, 3, 1)),
    ("1900-03-01", dt.datetime(1900, 3, 1)),
    ("1899-12-31", "1899-12-31"),  # before Excel's first reliable date: ISO text
    ("20230301", "20230301"),  # not how a date is stored: kept as it was
    ("ikke en dato", "ikke en dato"),
]


def _dates_workbook() -> bytes:
    target = io.BytesIO()
    write_responses_xlsx(target, ResponsesExport(
        round_key="x/2022", questionnaire="x", versions=(1,),
        questions=(QuestionSpec("started", "date", "Startdato", "Startdato"),),
        generated_at=dt.datetime(2024, 1, 1), generated_by="test", selection="alle",
        responses=[RawResponse((*META[:4], f"REF-{i}", *META[5:]), {"started": stored})
                   for i, (stored, _) in enumerate(DATES)]))
    return target.getvalue()


def test_dates_are_date_cells_in_openpyxl_and_pandas():
    data = _dates_workbook()
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Svar"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("started")] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [value for _, value in DATES]
    assert [c.is_date for c in cells] == [True, True, False, False, False]
    assert cells[0].number_format == "yyyy-mm-dd"
    stamp = sheet.cell(row=2, column=header.index("innsendt") + 1)
    assert stamp.is_date and stamp.value == dt.datetime(2023, 7, 1, 14)  # summer time

    frame = pd.read_excel(io.BytesIO(data), sheet_name="Svar")
    assert frame["started"].tolist()[:2] == [pd.Timestamp("2023-03-01"),
                                             pd.Timestamp("1900-03-01")]
    assert frame["innsendt"].iloc[0] == pd.Timestamp("2023-07-01 14:00:00")


def test_dates_read_back_in_libreoffice(tmp_path):
    rows, _ = libreoffice(_dates_workbook(), tmp_path)["Svar"]
    column = rows[0].index("started")
    assert [row[column] for row in rows[1:]] == [stored for stored, _ in DATES]
    assert rows[1][rows[0].index("innsendt")] == "2023-07-01 14:00:00"


def test_xlsx_escapes_read_back_in_libreoffice_and_after_unescaping_in_openpyxl(tmp_path):
    """A carriage return and text that looks like Excel's `_xHHHH_` escape: Excel and
    LibreOffice read them back; openpyxl (and pandas through it) leave the escapes as they
    are in the file, so a reader there gets the text with openpyxl.utils.escape.unescape."""
    stored = ["cr\rhere", "_x0041_", "_x005F_"]
    target = io.BytesIO()
    write_responses_xlsx(target, ResponsesExport(
        round_key="x/2022", questionnaire="x", versions=(1,),
        questions=(QuestionSpec("note", "long_text", "Merknad", "Merknad"),),
        generated_at=dt.datetime(2024, 1, 1), generated_by="test", selection="alle",
        responses=[RawResponse((*META[:4], f"REF-{i}", *META[5:]), {"note": text})
                   for i, text in enumerate(stored)]))
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue()))["Svar"]
    assert [unescape(row[9]) for row in sheet.iter_rows(min_row=2, values_only=True)] == stored
    rows, _ = libreoffice(target.getvalue(), tmp_path)["Svar"]
    assert [row[9] for row in rows[1:]] == stored


def test_the_economy_workbook_keeps_names_and_counts_what_it_removed(tmp_path):
    rows = [("3405", name, "Innlandet", office, 1_000, 1_000, dt.date(2022, 4, 29), None, None,
             None, None, None, None, "Innsendt", dt.datetime(2023, 1, 15, 12))
            for name, office in ((HYPERLINK, "-2"), ("Lille\x00hammer", "+1"))]
    target = io.BytesIO()
    write_economy(target, EconomyReport(
        round_key="x/2022", scheme_name="x", questionnaire="x", questionnaire_versions=(1,),
        generated_at=dt.datetime(2024, 1, 1), generated_by="test", selection="alle",
        rows=rows, submissions=2))
    data = target.getvalue()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    economy = list(workbook["Økonomi"].iter_rows(min_row=2, max_row=3, values_only=True))
    assert [(r[1], r[3]) for r in economy] == [(HYPERLINK, "-2"), ("Lillehammer", "+1")]
    assert economy[0][14] == dt.datetime(2023, 1, 15, 13)  # winter: UTC+1
    summary = [r[0] for r in workbook["Sammendrag"].iter_rows(values_only=True)]
    assert "+1" in summary and "-2" in summary  # the offices' names, as text
    assert metadata(workbook)[REMOVED] == "1"  # counted once, not again in the summary

    frame = pd.read_excel(io.BytesIO(data), sheet_name="Økonomi",
                          dtype={"Kommune": str, "Embete": str})
    assert frame["Kommune"].tolist()[:2] == [HYPERLINK, "Lillehammer"]
    assert frame["Embete"].tolist()[:2] == ["-2", "+1"]

    sheets = libreoffice(data, tmp_path)
    lo_rows, text = sheets["Økonomi"]
    assert [(r[1], r[3]) for r in lo_rows[1:3]] == [(HYPERLINK, "-2"), ("Lillehammer", "+1")]
    assert quoted("-2") in text and quoted(HYPERLINK) in text
    assert lo_rows[1][14] == "2023-01-15 13:00:00"
