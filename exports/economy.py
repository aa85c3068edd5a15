"""The economy report workbook: one row per granted municipality, with live totals.

Sheets (names and headers are bokmål data labels, kept here as constants):

* "Økonomi" — the rows in ECONOMY_COLUMNS order, then a totals row of `SUM` formulas
  over the data rows; money in the NOK number format; frozen header, autofilter, fitted
  widths.
* "Sammendrag" — per county and per office: `COUNTIF`/`SUMIF` formulas over "Økonomi",
  and a native column chart of granted vs. reported used per office.
* "Metadata" — the round, questionnaire versions, when and by whom it was made, the
  selection, row counts, the SHA-256 of the data rows with what exactly was hashed, how
  cells hold text and times, and how many characters xlsx could not hold were removed
  (exports.xlsx.write_facts).

Formula cells carry their computed value too, so readers that do not calculate
(pandas, a preview pane) show the same totals Excel does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from exports.csv import checksum
from exports.table import Column, Kind
from exports.xlsx import Formats, SheetWriter, as_float, new_workbook, write_facts

ECONOMY_SHEET = "Økonomi"
SUMMARY_SHEET = "Sammendrag"
METADATA_SHEET = "Metadata"
TOTAL_LABEL = "Sum"

ECONOMY_COLUMNS: tuple[Column, ...] = (
    Column("kommunenummer", "Kommunenummer"),
    Column("kommune", "Kommune"),
    Column("fylke", "Fylke"),
    Column("embete", "Embete"),
    Column("tildelt", "Tildelt", Kind.KRONER),
    # Money out to the municipality ("Utbetalt"), and the day it was paid.
    Column("utbetalt", "Utbetalt", Kind.KRONER),
    Column("utbetalt_dato", "Utbetalt dato", Kind.DATE),
    Column("rapportert_brukt", "Rapportert brukt", Kind.NOK),
    Column("ubrukt", "Ubrukt", Kind.NOK),
    Column("tilbakebetaling_foreslatt", "Foreslått tilbakebetaling", Kind.NOK),
    Column("tilbakebetaling_krevd", "Krevd tilbakebetaling", Kind.NOK),
    # Money back from the municipality: "Tilbakebetalt", never "Utbetalt".
    Column("tilbakebetalt", "Tilbakebetalt", Kind.NOK),
    Column("utestaende", "Utestående", Kind.NOK),
    Column("saksstatus", "Saksstatus"),
    Column("innsendt", "Sist innsendt", Kind.DATETIME),
)
_INDEX = {c.key: i for i, c in enumerate(ECONOMY_COLUMNS)}
COUNTY_COL = _INDEX["fylke"]
OFFICE_COL = _INDEX["embete"]
MONEY_COLS = tuple(i for i, c in enumerate(ECONOMY_COLUMNS)
                   if c.kind in (Kind.KRONER, Kind.NOK))
GRANTED_COL, USED_COL = _INDEX["tildelt"], _INDEX["rapportert_brukt"]

CHECKSUM_EXPLAINED = (
    "SHA-256 av dataradene i arket «Økonomi» skrevet som CSV: UTF-8 med BOM, semikolon "
    "mellom cellene, CRLF, overskriftsraden først, tall uten tusenskille og med "
    "desimalkomma (øre alltid to desimaler), tidspunkt som ISO 8601 (UTC), tomme celler "
    "tomme, tekst etter reglene for CSV nedenfor. Det er nøyaktig fila "
    "`flask --app wsgi export economy RUNDE -o FIL.csv` lager av de samme dataene, så "
    "`sha256sum FIL.csv` gir samme verdi. Summeraden er ikke med.")


@dataclass(frozen=True)
class EconomyReport:
    """What the service hands over: plain values, nothing from the database."""

    round_key: str  # `lavterskel-psykisk-helse/2022`
    scheme_name: str
    questionnaire: str  # questionnaire id
    questionnaire_versions: tuple[int, ...]  # the versions the submissions were answered in
    generated_at: dt.datetime
    generated_by: str
    selection: str  # the scope/filters, in words
    rows: Sequence[tuple[Any, ...]]  # ECONOMY_COLUMNS order, by kommunenummer
    submissions: int = 0  # rows with a submission


@dataclass(frozen=True)
class WrittenWorkbook:
    rows: int
    data_sha256: str  # the data rows' checksum, as the metadata sheet states it


def write_economy(target: str | IO[bytes], report: EconomyReport) -> WrittenWorkbook:
    """Writes the economy workbook to a path or binary stream."""
    data_sha256 = checksum(ECONOMY_COLUMNS, report.rows)
    workbook = new_workbook(target, report.generated_at, author=report.generated_by,
                            title=f"Økonomirapport {report.round_key}")
    formats = Formats.of(workbook)
    _economy_sheet(workbook, formats, report.rows)
    _summary_sheet(workbook, formats, report.rows)
    _metadata_sheet(workbook, formats, report, data_sha256)
    workbook.close()
    return WrittenWorkbook(rows=len(report.rows), data_sha256=data_sha256)


def _range(col: int, rows: int, *, absolute: bool = True) -> str:
    """`'Økonomi'!$E$2:$E$358`: a column's data rows on the economy sheet."""
    name = xl_col_to_name(col, col_abs=absolute)
    dollar = "$" if absolute else ""
    return f"'{ECONOMY_SHEET}'!{name}{dollar}2:{name}{dollar}{rows + 1}"


def _column_sum(rows: Sequence[tuple[Any, ...]], col: int) -> Decimal:
    return sum((Decimal(row[col]) for row in rows if row[col] is not None), Decimal(0))


def _economy_sheet(workbook: Workbook, formats: Formats,
                   rows: Sequence[tuple[Any, ...]]) -> None:
    sheet = workbook.add_worksheet(ECONOMY_SHEET)
    writer = SheetWriter(workbook, sheet, ECONOMY_COLUMNS, formats)
    writer.header()
    writer.rows(rows)
    writer.finish_table()  # the autofilter stops at the last data row, before the totals
    total_row = writer.next_row
    sheet.write_string(total_row, 0, TOTAL_LABEL, formats.total_label)
    for col in MONEY_COLS:
        kind = ECONOMY_COLUMNS[col].kind
        first = xl_rowcol_to_cell(1, col)
        last = xl_rowcol_to_cell(max(len(rows), 1), col)
        sheet.write_formula(total_row, col, f"=SUM({first}:{last})",
                            formats.total_for_kind(kind), as_float(_column_sum(rows, col)))


def _groups(rows: Sequence[tuple[Any, ...]], col: int) -> list[tuple[str, list[tuple[Any, ...]]]]:
    groups: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        groups.setdefault(row[col] or "", []).append(row)
    return sorted(groups.items())


SUMMARY_HEADERS = ("Kommuner", *(ECONOMY_COLUMNS[c].header for c in MONEY_COLS))


def _summary_block(sheet: Worksheet, formats: Formats, rows: Sequence[tuple[Any, ...]],
                   start: int, key_col: int) -> tuple[int, int]:
    """One block (per county or office) from row `start`; returns its first and last data
    rows (0-based) for the chart."""
    header = ECONOMY_COLUMNS[key_col].header
    sheet.write_string(start, 0, f"Per {header.lower()}", formats.total_label)
    for col, text in enumerate((header, *SUMMARY_HEADERS)):
        sheet.write_string(start + 1, col, text, formats.header)
    row_number = start + 2
    keys = _range(key_col, len(rows))
    for name, members in _groups(rows, key_col):
        sheet.write_string(row_number, 0, formats.text.again(name))
        criterion = xl_rowcol_to_cell(row_number, 0, col_abs=True)
        sheet.write_formula(row_number, 1, f"=COUNTIF({keys},{criterion})", None,
                            len(members))
        for offset, col in enumerate(MONEY_COLS, start=2):
            sheet.write_formula(
                row_number, offset, f"=SUMIF({keys},{criterion},{_range(col, len(rows))})",
                formats.for_kind(ECONOMY_COLUMNS[col].kind),
                as_float(_column_sum(members, col)))
        row_number += 1
    return start + 2, row_number - 1


def _summary_sheet(workbook: Workbook, formats: Formats,
                   rows: Sequence[tuple[Any, ...]]) -> None:
    sheet = workbook.add_worksheet(SUMMARY_SHEET)
    _, county_last = _summary_block(sheet, formats, rows, 0, COUNTY_COL)
    office_first, office_last = _summary_block(sheet, formats, rows, county_last + 3,
                                               OFFICE_COL)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, len(SUMMARY_HEADERS), 18)
    if office_last < office_first:
        return  # no rows, no chart
    chart = workbook.add_chart({"type": "column"})
    for col in (2 + MONEY_COLS.index(GRANTED_COL), 2 + MONEY_COLS.index(USED_COL)):
        chart.add_series({
            "name": [SUMMARY_SHEET, office_first - 1, col],
            "categories": [SUMMARY_SHEET, office_first, 0, office_last, 0],
            "values": [SUMMARY_SHEET, office_first, col, office_last, col],
        })
    chart.set_title({"name": "Tildelt og rapportert brukt per embete"})
    chart.set_y_axis({"num_format": '#,##0 "kr"'})
    chart.set_size({"width": 900, "height": 420})
    sheet.insert_chart(1, len(SUMMARY_HEADERS) + 2, chart)


def _metadata_sheet(workbook: Workbook, formats: Formats, report: EconomyReport,
                    data_sha256: str) -> None:
    sheet = workbook.add_worksheet(METADATA_SHEET)
    versions = ", ".join(f"v{v}" for v in report.questionnaire_versions) or "ingen innsendt"
    facts = (
        ("Runde", report.round_key),
        ("Ordning", report.scheme_name),
        ("Spørreskjema", report.questionnaire),
        ("Spørreskjemaversjoner", versions),
        ("Generert (UTC)", report.generated_at.replace(microsecond=0).isoformat()),
        ("Generert av", report.generated_by),
        ("Utvalg", report.selection),
        ("Rader (kommuner med tilskudd)", str(len(report.rows))),
        ("Rader med innsending", str(report.submissions)),
        ("SHA-256 (datarader)", data_sha256),
        ("Hva SHA-256 er beregnet av", CHECKSUM_EXPLAINED),
    )
    write_facts(sheet, formats, facts)
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 90)

