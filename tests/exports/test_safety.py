"""No cell is ever a formula made from user text, in xlsx or CSV (OWASP ASVS 5.0 1.2.10),
and an xlsx text cell holds exactly the stored text."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from exports.csv import write_csv
from exports.responses import QuestionSpec, RawResponse, ResponsesExport, write_responses_xlsx
from exports.safety import Cleaner, csv_text, neutralise, representable
from exports.table import Column, Kind

HYPERLINK = '=HYPERLINK("http://example.org","x")'


@pytest.mark.parametrize("text", ["=1+2", "+47 22", "-2+3", "@SUM(A1)", "\tx", "\rx", HYPERLINK])
def test_text_that_a_spreadsheet_would_read_as_a_formula_gets_an_apostrophe_in_csv(text):
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


@pytest.mark.parametrize(("text", "kept"), [
    ("a\x00b", "ab"), ("\x01\x08\x0b\x0c\x0e\x1f", ""), ("x\ud800y\udfff", "xy"),
    ("\ufffe\uffffz", "z"), ("tab\tlf\ncr\r", "tab\tlf\ncr\r"),
    ("\x7f\x85\ufdd0 æøå 😀", "\x7f\x85\ufdd0 æøå 😀"),  # valid XML: kept
])
def test_only_the_characters_xlsx_cannot_hold_are_removed_and_counted(text, kept):
    cleaner = Cleaner()
    assert representable(text) == cleaner(text) == kept
    assert cleaner.removed == len(text) - len(kept)


def test_csv_text_removes_first_and_then_neutralises():
    assert csv_text("\x00=1+2") == "'=1+2"
    assert csv_text("a\x00b") == "ab"


def _cell(text: str) -> openpyxl.cell.Cell:
    target = io.BytesIO()
    write_responses_xlsx(target, _export(text))
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue()))["Svar"]
    return sheet.cell(row=2, column=10)


def test_a_formula_typed_as_an_answer_is_exactly_that_text_in_the_workbook():
    cell = _cell(HYPERLINK)
    assert cell.data_type == "s"
    assert cell.value == HYPERLINK  # no apostrophe: a string cell is never a formula


# xlsxwriter 3.x writes a string that starts with <r> and ends with </r> into the XML as
# its own rich-text markup, so without a guard this text would make cell K2 a formula.
MARKUP = ('<r><t>x</t></r></is></c><c r="K2"><f>HYPERLINK("http://example.org","x")</f>'
          '</c><c r="L2" t="inlineStr"><is><r><t>y</t></r>')


@pytest.mark.parametrize("text", [MARKUP, "<r>&amp; <b></r>", "<r></r>"])
def test_text_that_looks_like_cell_markup_stays_text(text):
    target = io.BytesIO()
    write_responses_xlsx(target, _export(text))
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue()))["Svar"]
    assert sheet.cell(row=2, column=10).value == text
    assert sheet.max_column == 10 and sheet["K2"].value is None


def test_text_over_excels_limit_is_cut_there_and_counted():
    target = io.BytesIO()
    write_responses_xlsx(target, _export("æ" * 40_000))
    workbook = openpyxl.load_workbook(io.BytesIO(target.getvalue()))
    assert workbook["Svar"].cell(row=2, column=10).value == "æ" * 32_767
    facts = dict(workbook["Metadata"].iter_rows(values_only=True))
    assert facts["Tekstceller forkortet til 32767 tegn (antall)"] == "1"


def test_a_formula_typed_as_an_answer_is_text_in_the_csv():
    target = io.BytesIO()
    write_csv(target, [Column("note", "note"), Column("sum", "sum", Kind.NOK)],
              [(HYPERLINK, -5)])
    rows = list(csv.reader(io.StringIO(target.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows == [["note", "sum"], ["'" + HYPERLINK, "-5,00"]]  # a negative number stays
