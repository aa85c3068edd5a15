"""No cell is ever a formula made from user text, in xlsx or CSV (OWASP ASVS 5.0 1.2.10)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from exports.csv import write_csv
from exports.responses import QuestionSpec, RawResponse, ResponsesExport, write_responses_xlsx
from exports.safety import neutralise
from exports.table import Column, Kind

HYPERLINK = '=HYPERLINK("http://example.org","x")'


@pytest.mark.parametrize("text", ["=1+2", "+47 22", "-2+3", "@SUM(A1)", "\tx", "\rx", HYPERLINK])
def test_text_that_a_spreadsheet_would_read_as_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Lillehammer", "kr 250 000", "'quoted", "a=b"])
def test_other_text_is_left_as_it_is(text):
    assert neutralise(text) == text


def _export(text: str) -> ResponsesExport:
    meta = ("3405", "Lillehammer", "Innlandet", "Statsforvalteren i Innlandet", "REF-1", 1, 1,
            dt.datetime(2023, 3, 1, 9), 0)
    return ResponsesExport(
        round_key="x/2022", questionnaire="x", versions=(1,),
        questions=(QuestionSpec("note", "long_text", "Merknad", "Merknad"),),
        generated_at=dt.datetime(2024, 1, 1), generated_by="test", selection="alle",
        responses=[RawResponse(meta, {"note": text})])


def test_a_formula_typed_as_an_answer_is_text_in_the_workbook():
    target = io.BytesIO()
    write_responses_xlsx(target, _export(HYPERLINK))
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue()))["Svar"]
    cell = sheet.cell(row=2, column=10)
    assert cell.data_type == "s"
    assert cell.value == "'" + HYPERLINK


def test_a_formula_typed_as_an_answer_is_text_in_the_csv():
    target = io.BytesIO()
    write_csv(target, [Column("note", "note"), Column("sum", "sum", Kind.NOK)],
              [(HYPERLINK, -5)])
    rows = list(csv.reader(io.StringIO(target.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows == [["note", "sum"], ["'" + HYPERLINK, "-5,00"]]  # a negative number stays
