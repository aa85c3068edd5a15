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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from exports.safety import WORKBOOK_OPTIONS, neutralise
from exports.table import Column, Kind

# Excel shows `#,##0` with the reader's own thousands separator: "1 234 567 kr" in
# Norwegian Excel. A literal space (`# ##0`) would not group thousands at all.
KRONER_FORMAT = '#,##0 "kr"'
NOK_FORMAT = '#,##0.00 "kr"'
DECIMAL_FORMAT = "0.########"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
WIDTH_SAMPLE = 1000
MIN_WIDTH, MAX_WIDTH = 6, 60
# Widths of number cells by kind, in characters: fixed, since counting digits per cell
# is the cost the sample avoids; 14 fits "100 000 000 kr".
NUMBER_WIDTHS = {Kind.INTEGER: 8, Kind.KRONER: 15, Kind.NOK: 17, Kind.DECIMAL: 10,
                 Kind.FLAG: 3, Kind.DATETIME: 19}


def new_workbook(target: str | IO[bytes], created: dt.datetime, *, title: str = "",
                 author: str = "") -> Workbook:
    """A workbook with the safe options; `created` goes into its properties (never now())."""
    workbook = xlsxwriter.Workbook(target, {**WORKBOOK_OPTIONS, "constant_memory": True})
    workbook.set_properties({"created": created, "title": title, "author": author})
    return workbook


@dataclass(frozen=True)
class Formats:
    header: Format
    total_label: Format
    kroner: Format
    nok: Format
    decimal: Format
    datetime: Format
    kroner_total: Format
    nok_total: Format
    wrap: Format

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
        )

    def for_kind(self, kind: Kind) -> Format | None:
        return {Kind.KRONER: self.kroner, Kind.NOK: self.nok, Kind.DECIMAL: self.decimal,
                Kind.DATETIME: self.datetime}.get(kind)

    def total_for_kind(self, kind: Kind) -> Format:
        return self.nok_total if kind is Kind.NOK else self.kroner_total


CellWriter = Callable[[int, int, Any], Any]


def _cell_writer(sheet: Worksheet, kind: Kind, formats: Formats) -> CellWriter:
    """The one xlsxwriter call for a column's kind, bound once per sheet (the hot loop
    must not decide it again for every cell)."""
    if kind is Kind.TEXT:
        write_string = sheet.write_string

        def text(row: int, col: int, value: str) -> Any:
            return write_string(row, col, neutralise(value))

        return text
    if kind is Kind.DATETIME:
        fmt = formats.datetime
        write_datetime = sheet.write_datetime
        return lambda row, col, value: write_datetime(row, col, value.replace(microsecond=0),
                                                      fmt)
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
            self.sheet.write_string(self.next_row, col, neutralise(column.header),
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
