"""Reading the files every import takes: CSV or XLSX, capped, strict, line by line.

Every import (grants, positions, allocation keys, the municipality register) reads its file
here, so that one set of rules decides what a file says:

* CSV is separated by ``;`` (the documented format). A file whose header line has no ``;``
  but a ``,`` is read as comma-separated, and then strictly: every header column must be
  one the import reads and every row must have exactly as many values as the header, so a
  number with a decimal comma (``1 234,50``) cannot be split into two columns unnoticed.
  In a ``;`` file a row with a value beyond the last header column is refused.
* Text is UTF-8 (with or without BOM) or, failing that, Windows-1252 as older SSB exports
  are; a file that is partly UTF-8, UTF-16, or holds control characters (a NUL byte) is
  refused with the line. Quotes must be balanced.
* XLSX: the first sheet, its first row the header. The stored ``<dimension>`` is not
  trusted (rows are read until the sheet ends). A formula in a column the import reads is
  refused: its cached value may be stale, and the import does not recalculate.
* Caps (``Limits``): file size, rows, columns, and for XLSX the unpacked size of the zip
  members, checked from the zip directory before the workbook is opened.
* Only ASCII digits are numbers (``ascii_digits``, ``KOMMUNENUMMER``): ``٣``, ``²`` and
  full-width digits are refused wherever a number is read.

Whole-file problems and row problems (formulas, values without a column) raise
``TableError`` with every problem as ``line N: reason``; values are checked by the caller.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

MB = 1024 * 1024
KOMMUNENUMMER = re.compile(r"[0-9]{4}")  # ASCII only: `\d` would take ٣٤٠١ as well

# Control characters no CSV file of ours contains; tab, LF and CR are the only allowed ones.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bytes that form a UTF-8 multibyte character: a file with these and an invalid byte is
# partly UTF-8, and decoding all of it as Windows-1252 would garble its æøå silently.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
_SHOWN = 20  # file-level problems (control characters) named before "and N more lines"


@dataclass(frozen=True)
class Limits:
    """Caps on an import file; generous for the 357 municipalities and their positions
    (our choice: the seeds say nothing about file sizes)."""

    max_bytes: int = 5 * MB
    max_rows: int = 20_000  # below the header, blank ones included
    max_columns: int = 200
    max_unpacked: int = 20 * MB  # XLSX: all zip members together, uncompressed
    max_ratio: int = 100  # XLSX: uncompressed ÷ compressed size of a member over 1 MB
    max_members: int = 500  # XLSX: files inside the zip


LIMITS = Limits()


class TableError(Exception):
    """A file that cannot be imported, with every reason (``line N: …`` where known)."""

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Record:
    """One data row: the line it starts on and each column's text, stripped."""

    line: int
    values: dict[str, str]


def ascii_digits(text: str) -> bool:
    """Whether ``text`` is one or more of the digits 0–9 (``str.isdigit`` takes ``²``)."""
    return text.isascii() and text.isdigit()


def read_file(path: Path, limits: Limits = LIMITS) -> bytes:
    """The bytes of an import file, reading no more than the cap allows (so a huge file or
    a device such as /dev/zero is refused at once, not read into memory)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except OSError as error:
        raise TableError(f"The file cannot be read ({error.strerror}).") from error
    _check_size(data, limits)
    return data


def read_records(data: bytes | str, filename: str, columns: Mapping[str, Sequence[str]],
                 *, optional: Collection[str] = (), limits: Limits = LIMITS) -> list[Record]:
    """The data rows of a CSV or XLSX file as column → text, all of them or TableError.

    ``columns`` maps each canonical column name to the header names accepted for it (lower
    case); those in ``optional`` may be missing from the header (their text is then "").
    Rows whose columns are all empty are skipped; a file without data rows is refused.
    """
    _check_size(data, limits)
    spec = _Spec(columns, frozenset(optional), limits)
    if isinstance(data, bytes) and (data.startswith(_ZIP) or filename.lower().endswith(".xlsx")):
        return _read_xlsx(data, spec)
    if isinstance(data, bytes) and data.startswith(_OLE2):
        raise TableError("The file is an old .xls workbook; save it as .xlsx or as CSV.")
    return _read_csv(decode(data) if isinstance(data, bytes) else data, spec)


def _check_size(data: bytes | str, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise TableError(f"The file is larger than {limits.max_bytes // MB} MB, the most an "
                         "import takes; split it or remove what is not needed.")


# ---- the header and the rows, whatever the format --------------------------------------


@dataclass(frozen=True)
class _Spec:
    columns: Mapping[str, Sequence[str]]
    optional: frozenset[str]
    limits: Limits

    def header(self, cells: Sequence[str]) -> dict[str, int]:
        """Column → index in the header row; refuses a missing or repeated column."""
        if len(cells) > self.limits.max_columns:
            raise TableError(f"line 1: the header has {len(cells)} columns, more than "
                             f"{self.limits.max_columns}.")
        names = [c.strip().lower() for c in cells]
        found: dict[str, int] = {}
        problems: list[str] = []
        for column, accepted in self.columns.items():
            at = [str(i + 1) for i, name in enumerate(names) if name in accepted]
            if len(at) > 1:
                problems.append(f"line 1: the header has {column} more than once (columns "
                                f"{', '.join(at[:-1])} and {at[-1]})")
            elif at:
                found[column] = int(at[0]) - 1
        missing = [c for c in self.columns if c not in self.optional
                   and not any(name in self.columns[c] for name in names)]
        if missing:
            hint = "; separate the columns with ;" if len(cells) == 1 else ""
            problems.insert(0, f"line 1: the header lacks {', '.join(missing)} "
                               f"(expected {';'.join(self.columns)}){hint}")
        if problems:
            raise TableError(*problems)
        return found

    def known(self, name: str) -> bool:
        return any(name.strip().lower() in accepted for accepted in self.columns.values())


@dataclass
class _Collector:
    """Gathers the records and the row problems, stopping at the row cap."""

    spec: _Spec
    header: dict[str, int]
    records: list[Record] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rows: int = 0

    def add(self, line: int, cells: Sequence[str], problems: Sequence[str] = ()) -> None:
        self.rows += 1
        if self.rows > self.spec.limits.max_rows:
            raise TableError(f"The file has more than {self.spec.limits.max_rows} rows below "
                             "the header, the most an import takes; split it.")
        self.problems.extend(f"line {line}: {p}" for p in problems)
        values = {name: cells[i].strip() if i < len(cells) else ""
                  for name, i in self.header.items()}
        values.update({name: "" for name in self.spec.columns if name not in values})
        if not problems and any(values.values()):
            self.records.append(Record(line, values))

    def finish(self) -> list[Record]:
        if self.problems:
            raise TableError(*self.problems)
        if not self.records:
            raise TableError("The file has no data rows below the header.")
        return self.records


# ---- CSV -------------------------------------------------------------------------------


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as older SSB exports use.

    Refused: UTF-16 (Excel's "Unicode text"), a file that is partly UTF-8 and bytes that
    are neither.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError("The file is UTF-16 text; save it as CSV UTF-8 (semicolon-separated).")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        byte = raw[error.start]
        if _UTF8_SEQUENCE.search(raw):
            raise TableError(f"line {line}: byte 0x{byte:02x} is not UTF-8, although the file "
                             "is UTF-8 elsewhere; save it again as CSV UTF-8.") from error
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise TableError(f"line {line}: byte 0x{raw[error.start]:02x} is neither UTF-8 nor "
                         "Windows-1252 text; save the file as CSV UTF-8.") from error


def _check_characters(text: str) -> None:
    if _CONTROL.search(text) is None:
        return
    problems: list[str] = []
    lines = 0
    for number, line in enumerate(text.split("\n"), start=1):
        found = _CONTROL.search(line)
        if found is None:
            continue
        lines += 1
        if len(problems) < _SHOWN:
            code = ord(found.group())
            what = "a NUL byte" if code == 0 else "a control character"
            problems.append(f"line {number}: contains {what} (U+{code:04X}); is this a text "
                            "file? Save it as CSV UTF-8.")
    if lines > _SHOWN:
        problems.append(f"… and {lines - _SHOWN} more lines with control characters.")
    if problems:
        raise TableError(*problems)


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return "," if "," in first and ";" not in first else ";"


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on; bad quoting is an error, not a long field."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise TableError(f"line {start}: cannot be read as CSV ({error}); check the "
                             "quotes (\") on that line.") from error
        yield start, cells


def _read_csv(text: str, spec: _Spec) -> list[Record]:
    text = text.removeprefix("\ufeff")
    _check_characters(text)
    delimiter = _delimiter(text)
    rows = _csv_rows(text, delimiter)
    _, header_cells = next(rows, (1, []))
    header = spec.header(header_cells)
    width = len(header_cells)
    if delimiter == ",":
        _check_comma_header(header_cells, spec)
    collected = _Collector(spec, header)
    for line, cells in rows:
        problem = _width_problem(cells, width, delimiter)
        collected.add(line, cells, [problem] if problem else [])
    return collected.finish()


def _check_comma_header(cells: Sequence[str], spec: _Spec) -> None:
    unknown = [c for c in cells if not spec.known(c)]
    if unknown:
        raise TableError(
            f"line 1: column {unknown[0].strip()!r} is not one this import reads. A "
            "comma-separated file may only have the columns "
            f"{','.join(spec.columns)}, so that a decimal comma cannot move a value into "
            "another column; remove the column or separate the columns with ; (the "
            "documented format).")


def _width_problem(cells: Sequence[str], width: int, delimiter: str) -> str | None:
    if not any(c.strip() for c in cells):
        return None  # a blank line
    if delimiter == "," and len(cells) != width:
        return (f"{len(cells)} values where the header has {width} columns: in a "
                "comma-separated file a comma inside a number (1 234,50) splits it; put the "
                'value in quotes ("1 234,50") or separate the columns with ;')
    if any(c.strip() for c in cells[width:]):
        return (f"{len(cells)} values where the header has {width} columns: a value has no "
                "column (one ; too many?)")
    return None


# ---- XLSX ------------------------------------------------------------------------------


def _check_archive(data: bytes, limits: Limits) -> None:
    """Refuse a zip bomb from the zip directory alone, before anything is unpacked.

    Python's zipfile stops a member at the size its directory entry states (a CRC error
    follows if it lies), so the stated sizes bound what openpyxl can unpack.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise TableError(f"The file is not a readable .xlsx workbook ({error}).") from error
    if len(members) > limits.max_members:
        raise TableError(f"The workbook holds {len(members)} files, more than "
                         f"{limits.max_members}; it is not a plain spreadsheet.")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unpacked:
        raise TableError(f"The workbook unpacks to {unpacked // MB} MB, more than the "
                         f"{limits.max_unpacked // MB} MB an import takes; save only the "
                         "needed sheet, or save it as CSV.")
    for member in members:
        if member.file_size > MB and member.file_size > limits.max_ratio * max(
                member.compress_size, 1):
            raise TableError(f"The workbook's {member.filename} is compressed "
                             f"{member.file_size // max(member.compress_size, 1)} times, "
                             "far more than a spreadsheet is; it is refused as a zip bomb.")


def _read_xlsx(data: bytes, spec: _Spec) -> list[Record]:
    _check_archive(data, spec.limits)  # before openpyxl is even imported
    from openpyxl import load_workbook  # only needed for spreadsheets

    try:
        # data_only=False: a formula is seen as a formula, never as its cached value.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a file that is not xlsx
        raise TableError(f"The file is not a readable .xlsx workbook ({error}).") from error
    try:
        return _sheet_records(workbook, spec)
    except TableError:
        raise
    except Exception as error:  # a broken sheet inside a valid zip: same message, no trace
        raise TableError(f"The file is not a readable .xlsx workbook ({error}).") from error
    finally:
        workbook.close()


def _sheet_records(workbook: Any, spec: _Spec) -> list[Record]:
    if not workbook.worksheets:
        raise TableError("The workbook has no worksheet.")
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # the stored <dimension> may be stale: read to the sheet's end
    first = next(sheet.iter_rows(min_row=1, max_row=1), ())
    header = spec.header([_cell_text(c.value) for c in first])
    width = max(header.values()) + 1  # columns after the last one read are not needed
    collected = _Collector(spec, header)
    for line, cells in enumerate(sheet.iter_rows(min_row=2, max_col=width), start=2):
        formulas = [f"{name} ({cells[i].coordinate}) is a formula "
                    f"({getattr(cells[i].value, 'text', cells[i].value)}); type the value "
                    "instead (paste as values), the import does not calculate"
                    for name, i in header.items() if cells[i].data_type == "f"]
        collected.add(line, [_cell_text(c.value) for c in cells], formulas)
    return collected.finish()


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person would have typed into a CSV file.

    A fractional number gets a decimal comma, so that a number cell 12.345 is read as
    twelve and a bit, never as the grouped 12 345 a typed ``12.345`` means.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{Decimal(repr(value)):f}".replace(".", ",")  # the shortest exact text
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
