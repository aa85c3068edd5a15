"""Rows → xlsx sheets through xlsxwriter, streaming, safe and byte-for-byte reproducible.

Every workbook is made by :func:`new_workbook`: xlsxwriter never turns text into a
formula, link or number (exports.safety.WORKBOOK_OPTIONS), rows go to disk as they are
written (`constant_memory`), and the document's creation time is the one passed in, so
the same data and the same generation time give the same bytes (xlsxwriter already
stamps the zip members with a fixed 1980 date).

`constant_memory` means rows must be written top to bottom and Excel's autofit is not
available, so :class:`SheetWriter` fits the widths itself from the header and the first
:data:`WIDTH_SAMPLE` rows (measuring every cell of a 4 million-cell sheet would cost more
than the rest of the writing).

What a cell holds (each workbook's metadata sheet says so in words, TEXT_RULES):

* text: exactly the stored text, as a string cell (:class:`TextCells`), less the
  characters xlsx cannot hold (exports.safety), counted; over Excel's 32 767 characters
  a cell is cut there, counted too;
* dates: date cells (`yyyy-mm-dd`); datetimes: date-and-time cells in Norwegian time
  (Europe/Oslo, summer time when it applies) without a zone, since a cell has none and
  readers in Norway expect the clock they know. The rows carry naive UTC (exports.table)
  and the CSV keeps UTC; in the hour the clocks go back in October a local time occurs
  twice, so only the CSV tells those apart. Dates before 1900-03-01 are written as ISO
  text: Excel has no date before 1900 and its 1900 leap-year bug makes the first two
  months mean different days in different readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from exports.safety import (
    FORMULA_RULE,
    REMOVED_RULE,
    WORKBOOK_OPTIONS,
    Cleaner,
    find_unrepresentable,
    representable,
)
from exports.table import Column, Kind

# Excel shows `#,##0` with the reader's own thousands separator: "1 234 567 kr" in
# Norwegian Excel. A literal space (`# ##0`) would not group thousands at all.
KRONER_FORMAT = '#,##0 "kr"'
NOK_FORMAT = '#,##0.00 "kr"'
DECIMAL_FORMAT = "0.########"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
OSLO = ZoneInfo("Europe/Oslo")
FIRST_DATE = dt.date(1900, 3, 1)  # the first day every reader maps to the same serial
EXCEL_TEXT_LIMIT = 32767  # characters (UTF-16 code units) an Excel cell can hold
WIDTH_SAMPLE = 1000
MIN_WIDTH, MAX_WIDTH = 6, 60
# Widths of number cells by kind, in characters: fixed, since counting digits per cell
# is the cost the sample avoids; 14 fits "100 000 000 kr".
NUMBER_WIDTHS = {Kind.INTEGER: 8, Kind.KRONER: 15, Kind.NOK: 17, Kind.DECIMAL: 10,
                 Kind.FLAG: 3, Kind.DATETIME: 19, Kind.DATE: 10}

# The metadata sheets' words on how cells hold values (bokmål data labels).
TIME_RULE = (
    "Tidspunkt i arkene er norsk tid (Europe/Oslo, sommertid når den gjelder) uten "
    "tidssone; CSV-filene og SHA-256 bruker UTC. Datoer og tidspunkt er dato-celler; "
    "datoer før 1900-03-01 står som tekst (ÅÅÅÅ-MM-DD).")
TEXT_RULES = (
    ("Tekst i cellene", FORMULA_RULE),
    ("Fjernede tegn, regel", REMOVED_RULE),
    ("Tidspunkt og datoer", TIME_RULE),
)
REMOVED_LABEL = "Fjernede tegn (antall)"
TRUNCATED_LABEL = f"Tekstceller forkortet til {EXCEL_TEXT_LIMIT} tegn (antall)"


def new_workbook(target: str | IO[bytes], created: dt.datetime, *, title: str = "",
                 author: str = "") -> Workbook:
    """A workbook with the safe options; `created` goes into its properties (never now())."""
    workbook = xlsxwriter.Workbook(target, {**WORKBOOK_OPTIONS, "constant_memory": True})
    workbook.set_properties({"created": created, "title": title, "author": author})
    return workbook


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_cut(text: str, limit: int) -> str:
    """The longest start of `text` of at most `limit` UTF-16 units (no half a pair)."""
    cut = text[:limit]
    while _utf16_length(cut) > limit:
        cut = cut[:-1]
    return cut


class TextCells:
    """Text → the string to give `write_string` so the cell holds exactly that text.

    Besides dropping what xlsx cannot hold (exports.safety), this guards two things
    xlsxwriter does with a string: it truncates one over Excel's limit without a word
    (here it is cut, and counted, before), and in `constant_memory` mode it writes one that
    starts with ``<r>`` and ends with ``</r>`` into the sheet's XML unescaped, as if it
    were its own rich-string markup (xlsxwriter 3.x, Worksheet._write_cell). Typed text
    would then become markup: a broken file, or a cell of the author's choosing (even a
    formula). Such text is written as a one-run rich string holding the text escaped, which
    every reader reads back as the plain text."""

    def __init__(self) -> None:
        self.cleaner = Cleaner()
        self.truncated = 0  # cells cut at EXCEL_TEXT_LIMIT

    @property
    def removed(self) -> int:
        return self.cleaner.removed

    def __call__(self, text: str) -> str:
        return self.fit(self.cleaner(text))

    def again(self, text: str) -> str:
        """Text a sheet shows a second time (a summary's group name): not counted again."""
        return self.fit(representable(text), count=False)

    def fit(self, text: str, *, count: bool = True) -> str:
        """Representable text as write_string must have it (cut to the limit, inert)."""
        if len(text) > EXCEL_TEXT_LIMIT // 2 and _utf16_length(text) > EXCEL_TEXT_LIMIT:
            text = _utf16_cut(text, EXCEL_TEXT_LIMIT)
            self.truncated += count
        if not (text.startswith("<r>") and text.endswith("</r>")):
            return text
        run = f'<r><t xml:space="preserve">{escape(text)}</t></r>'
        if _utf16_length(run) <= EXCEL_TEXT_LIMIT:
            return run
        # The escaped run is over the limit (xlsxwriter would cut the markup): cut the
        # text until it no longer ends with "</r>", and it is plain text again.
        self.truncated += count
        return text[:-1]


@dataclass(frozen=True)
class Formats:
    """The formats of one workbook, and its text cells' counts (one per workbook, so the
    metadata sheet can state them for all its sheets)."""

    header: Format
    total_label: Format
    kroner: Format
    nok: Format
    decimal: Format
    datetime: Format
    kroner_total: Format
    nok_total: Format
    wrap: Format
    date: Format
    text: TextCells

    @classmethod
    def of(cls, workbook: Workbook) -> Formats:
        add = workbook.add_format
        return cls(
            header=add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                        "valign": "top"}),
            total_label=add({"bold": True, "top": 1}),
            kroner=add({"num_format": KRONER_FORMAT}),
            nok=add({"num_format": NOK_FORMAT}),
            decimal=add({"num_format": DECIMAL_FORMAT}),
            datetime=add({"num_format": DATETIME_FORMAT}),
            kroner_total=add({"num_format": KRONER_FORMAT, "bold": True, "top": 1}),
            nok_total=add({"num_format": NOK_FORMAT, "bold": True, "top": 1}),
            wrap=add({"text_wrap": True, "valign": "top"}),
            date=add({"num_format": DATE_FORMAT}),
            text=TextCells(),
        )

    def for_kind(self, kind: Kind) -> Format | None:
        return {Kind.KRONER: self.kroner, Kind.NOK: self.nok, Kind.DECIMAL: self.decimal,
                Kind.DATETIME: self.datetime, Kind.DATE: self.date}.get(kind)

    def total_for_kind(self, kind: Kind) -> Format:
        return self.nok_total if kind is Kind.NOK else self.kroner_total


CellWriter = Callable[[int, int, Any], Any]


def oslo_time(value: dt.datetime) -> dt.datetime:
    """A row's datetime (naive UTC, or aware) as the cell holds it: Norwegian wall-clock
    time, naive, whole seconds."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(OSLO).replace(tzinfo=None, microsecond=0)


def _text_writer(sheet: Worksheet, formats: Formats) -> CellWriter:
    write_string = sheet.write_string
    text = formats.text
    # The hot loop: most text needs nothing done, and asking here is cheaper than calling
    # `text()` for every cell. `isprintable()` is True only without any control, surrogate
    # or noncharacter, so it answers most cells faster than the regular expression.
    long, find = EXCEL_TEXT_LIMIT // 2, find_unrepresentable

    def write(row: int, col: int, value: str) -> Any:
        if (len(value) > long or value.startswith("<r>")
                or not (value.isprintable() or find(value) is None)):
            value = text(value)
        return write_string(row, col, value)

    return write


def _date_writer(sheet: Worksheet, kind: Kind, formats: Formats) -> CellWriter:
    """Date and datetime cells; a value that is not a date (text kept as it was stored,
    exports.responses) or is before FIRST_DATE is a text cell."""
    write_datetime = sheet.write_datetime
    write_text = _text_writer(sheet, formats)
    if kind is Kind.DATE:
        fmt = formats.date

        def date(row: int, col: int, value: Any) -> Any:
            if not isinstance(value, dt.date) or value < FIRST_DATE:
                return write_text(row, col, str(value))
            return write_datetime(row, col, value, fmt)

        return date
    fmt = formats.datetime

    def datetime(row: int, col: int, value: Any) -> Any:
        if not isinstance(value, dt.datetime):
            return write_text(row, col, str(value))
        local = oslo_time(value)
        if local.date() < FIRST_DATE:
            return write_text(row, col, local.isoformat())
        return write_datetime(row, col, local, fmt)

    return datetime


def _cell_writer(sheet: Worksheet, kind: Kind, formats: Formats) -> CellWriter:
    """The one xlsxwriter call for a column's kind, bound once per sheet (the hot loop
    must not decide it again for every cell)."""
    if kind is Kind.TEXT:
        return _text_writer(sheet, formats)
    if kind in (Kind.DATE, Kind.DATETIME):
        return _date_writer(sheet, kind, formats)
    fmt_or_none = formats.for_kind(kind)
    write_number = sheet.write_number
    if kind in (Kind.NOK, Kind.DECIMAL):
        # Decimal → float only here, at the cell: xlsx has no other number type.
        return lambda row, col, value: write_number(row, col, float(value), fmt_or_none)
    return lambda row, col, value: write_number(row, col, value, fmt_or_none)


def text_width(value: Any) -> int:
    """The widest line of a value's text, in characters."""
    return max((len(line) for line in str(value).splitlines()), default=0)


class SheetWriter:
    """Writes a header and then rows, top to bottom, one xlsxwriter call per filled cell."""

    def __init__(self, workbook: Workbook, sheet: Worksheet, columns: Sequence[Column],
                 formats: Formats) -> None:
        self.sheet = sheet
        self.columns = list(columns)
        self.formats = formats
        self.writers = [_cell_writer(sheet, c.kind, formats) for c in self.columns]
        self.widths = [max(text_width(c.header), NUMBER_WIDTHS.get(c.kind, MIN_WIDTH))
                       for c in self.columns]
        self.text_columns = [col for col, c in enumerate(self.columns) if c.kind is Kind.TEXT]
        self.next_row = 0
        self.count = 0  # data rows written

    def header(self) -> None:
        for col, column in enumerate(self.columns):
            self.sheet.write_string(self.next_row, col, self.formats.text(column.header),
                                    self.formats.header)
        self.next_row += 1

    def rows(self, rows: Iterable[Sequence[Any]]) -> int:
        """Writes the rows; returns how many."""
        before = self.count
        append = self.append
        for row in rows:
            append(row)
        return self.count - before

    def append(self, row: Sequence[Any]) -> None:
        """Writes one row below the last; widths are measured on the first rows only."""
        if self.count < WIDTH_SAMPLE:
            self._measure(row, self.text_columns)
        row_number = self.next_row
        writers = self.writers
        for col, value in enumerate(row):
            if value is not None:
                writers[col](row_number, col, value)
        self.next_row = row_number + 1
        self.count += 1

    def _measure(self, row: Sequence[Any], texts: list[int]) -> None:
        widths = self.widths
        for col in texts:
            value = row[col]
            if value is not None and len(value) > widths[col]:
                widths[col] = text_width(value)

    def fit_columns(self) -> None:
        """Column widths from what was measured (before the workbook closes)."""
        for col, width in enumerate(self.widths):
            self.sheet.set_column(col, col, min(max(width + 2, MIN_WIDTH), MAX_WIDTH))

    def finish_table(self, freeze: bool = True) -> None:
        """Frozen header, autofilter over the header and data rows, fitted widths."""
        if freeze:
            self.sheet.freeze_panes(1, 0)
        last_row = max(self.next_row - 1, 0)
        if self.columns:
            self.sheet.autofilter(0, 0, last_row, len(self.columns) - 1)
        self.fit_columns()


def as_float(value: Decimal | int | None) -> float:
    """A sum's cached value for a formula cell (what readers without a calculation see)."""
    return float(value or 0)


def write_facts(sheet: Worksheet, formats: Formats, facts: Sequence[tuple[str, str]]) -> None:
    """A metadata sheet: "Felt" and "Verdi", one fact a row, then how cells hold values and
    the counts of removed characters and cut cells (so written last in the workbook)."""
    text = formats.text
    rows = [*facts, *TEXT_RULES]
    sheet.write_string(0, 0, "Felt", formats.header)
    sheet.write_string(0, 1, "Verdi", formats.header)
    for row, (label, value) in enumerate(rows, start=1):
        sheet.write_string(row, 0, text(label))
        sheet.write_string(row, 1, text(value), formats.wrap)
    # Counted after the facts, so a character removed from a fact is counted too.
    counts = ((REMOVED_LABEL, text.removed), (TRUNCATED_LABEL, text.truncated))
    for row, (label, count) in enumerate(counts, start=len(rows) + 1):
        sheet.write_string(row, 0, label)
        sheet.write_string(row, 1, str(count))  # as the sheet's other counts
