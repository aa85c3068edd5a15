"""Rows → CSV, the way Norwegian Excel opens it, and the canonical text of the rows.

The format: UTF-8 with a byte-order mark (so Excel reads æøå), `;` between cells, CRLF
line ends, quoting only where needed (RFC 4180), a header row of the columns' headers.
Numbers have no thousands separator and a decimal comma (`1234,50`); øre amounts always
two decimals; datetimes ISO 8601 (`2023-03-01T09:00:00`, UTC; the xlsx shows Norwegian
time, exports.xlsx); dates ISO 8601 (`2023-03-01`); empty cells empty; text without the
characters xlsx cannot hold and neutralised (exports.safety: a leading `'` before a
formula trigger, FORMULA_RULE). pandas reads it with `read_csv(f, sep=";", decimal=",",
dtype=str)`.

The same bytes define the data checksum of a workbook: the SHA-256 of exactly the CSV
this module writes for the workbook's data rows (:func:`checksum`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from exports.safety import csv_text
from exports.table import Column, Kind

BOM = "\ufeff"
CENT = Decimal("0.01")


def _text(value: Any) -> str:
    return csv_text(value)


def _number(value: Any) -> str:
    return str(value).replace(".", ",")


def _nok(value: Any) -> str:
    return str(Decimal(value).quantize(CENT)).replace(".", ",")


def _decimal(value: Any) -> str:
    return format(Decimal(value), "f").replace(".", ",")


def _datetime(value: dt.datetime | str) -> str:
    if not isinstance(value, dt.datetime):
        return csv_text(str(value))
    return value.replace(microsecond=0).isoformat()


def _date(value: dt.date | str) -> str:
    """ISO 8601; a stored answer that is not a date is the text it was (exports.table)."""
    if not isinstance(value, dt.date):
        return csv_text(str(value))
    return value.isoformat()


FORMATTERS: dict[Kind, Callable[[Any], str]] = {
    Kind.TEXT: _text,
    Kind.INTEGER: _number,
    Kind.KRONER: _number,
    Kind.FLAG: _number,
    Kind.NOK: _nok,
    Kind.DECIMAL: _decimal,
    Kind.DATETIME: _datetime,
    Kind.DATE: _date,
}


def cell_texts(columns: Sequence[Column], row: Sequence[Any]) -> list[str]:
    """One row as the CSV cells' texts."""
    return ["" if value is None else FORMATTERS[column.kind](value)
            for column, value in zip(columns, row, strict=True)]


class _HashingWriter:
    """A text sink that hashes what passes through, and passes it on when given a stream."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.sha256.update(data)
        if self.stream is not None:
            self.stream.write(data)
        return len(text)


class CsvWriter:
    """Writes a CSV one row at a time, hashing every byte: for a caller that fills several
    tables in one pass over data it may read only once (the raw responses are streamed)."""

    def __init__(self, stream: IO[bytes] | None, columns: Sequence[Column]) -> None:
        self._sink = _HashingWriter(stream)
        self._sink.write(BOM)
        self._writer = csv.writer(self._sink, delimiter=";", lineterminator="\r\n")
        self._writer.writerow([csv_text(column.header) for column in columns])
        # Bound once per table, not looked up again for every cell (cf. `cell_texts`).
        self._formatters = [FORMATTERS[column.kind] for column in columns]
        self.count = 0  # data rows written

    def append(self, row: Sequence[Any]) -> None:
        self._writer.writerow(["" if value is None else format_(value)
                               for format_, value in zip(self._formatters, row, strict=True)])
        self.count += 1

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of everything written so far."""
        return self._sink.sha256.hexdigest()


def write_csv(stream: IO[bytes] | None, columns: Sequence[Column],
              rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """Writes the CSV to a binary stream (None: only hash it); returns (rows, SHA-256)."""
    writer = CsvWriter(stream, columns)
    append = writer.append
    for row in rows:
        append(row)
    return writer.count, writer.sha256


def checksum(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> str:
    """SHA-256 of the CSV of these rows (with its BOM and header), as `write_csv` writes it."""
    return write_csv(None, columns, rows)[1]
