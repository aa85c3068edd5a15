"""Importing and reading the municipality register.

Import files are SSB-style semicolon CSV with the columns
``kommunenummer;navn;fylke;gyldig_fra;gyldig_til`` and, optionally,
``navn_samisk_kvensk``, ``malform`` and ``innbyggere`` (the shipped register has them).
An import is all or nothing: every bad row is reported with its line and reason. The file
is read by ``survey_app.tabular`` (so an .xlsx with these columns is read too, and the
same caps and rules apply as for every import).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from survey_app import audit, tabular
from survey_app.extensions import db
from survey_app.models import Grant, Municipality
from survey_app.offices import County, find_county

SHIPPED_REGISTER = Path(__file__).resolve().parent.parent / "data" / "municipalities.csv"
REQUIRED_COLUMNS = ("kommunenummer", "navn", "fylke", "gyldig_fra", "gyldig_til")
OPTIONAL_COLUMNS = ("navn_samisk_kvensk", "malform", "innbyggere")
_STANDARDS = {"nb": "nb", "bokmål": "nb", "nn": "nn", "nynorsk": "nn",
              "neutral": "neutral", "nøytral": "neutral", "": ""}
_NUMBER = tabular.KOMMUNENUMMER


@dataclass(frozen=True)
class RegisterRow:
    line: int
    number: str
    name: str
    name_other: str | None
    county_number: str
    county_name: str
    office: str
    written_standard: str  # "" when the file does not say
    population: int | None
    valid_from: dt.date
    valid_to: dt.date | None

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        return (end is None or self.valid_from < end) and (
            self.valid_to is None or start < self.valid_to)


@dataclass
class ImportResult:
    rows: list[RegisterRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    added: int = 0
    unchanged: int = 0


def parse_date(text: str) -> dt.date:
    """``2024-01-01`` or ``01.01.2024``; raises ValueError otherwise."""
    text = text.strip()
    if not text.isascii():  # int() and `\d` would read ٠١.٠١.٢٠٢٤ as a date
        raise ValueError(f"{text!r} is not a date")
    if re.fullmatch(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}", text):
        day, month, year = (int(p) for p in text.split("."))
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def parse_register(data: str | bytes, filename: str = "register.csv") -> ImportResult:
    """Check every row of a register file; a pure function, it touches no database."""
    result = ImportResult()
    columns = {c: (c,) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    try:
        records = tabular.read_records(data, filename, columns, optional=OPTIONAL_COLUMNS)
    except tabular.TableError as error:
        result.errors.extend(error.problems)
        return result
    seen: dict[tuple[str, dt.date], int] = {}
    for record in records:
        line, values = record.line, record.values
        row, problems = _parse_row(line, values)
        result.errors.extend(f"line {line}: {p}" for p in problems)
        if row is None:
            continue
        key = (row.number, row.valid_from)
        if key in seen:
            result.errors.append(
                f"line {line}: duplicate of line {seen[key]} "
                f"({row.number} from {row.valid_from.isoformat()})")
            continue
        seen[key] = line
        result.rows.append(row)
    _check_overlaps_within(result)
    return result


def _parse_row(line: int, v: dict[str, str]) -> tuple[RegisterRow | None, list[str]]:
    problems: list[str] = []
    number, name = v["kommunenummer"], v["navn"]
    if not name:
        problems.append("navn is empty")
    county = _check_number_and_county(number, v["fylke"], problems)
    valid_from, valid_to = _check_dates(v["gyldig_fra"], v["gyldig_til"], problems)
    standard = _STANDARDS.get(v.get("malform", "").lower())
    if standard is None:
        problems.append(f"malform {v['malform']!r} must be nb, nn or neutral")
    population = v.get("innbyggere", "").replace(" ", "")
    if population and not tabular.ascii_digits(population):
        problems.append(f"innbyggere {population!r} is not a whole number")
    if problems or county is None or valid_from is None or standard is None:
        return None, problems
    return RegisterRow(
        line=line, number=number, name=name, name_other=v.get("navn_samisk_kvensk") or None,
        county_number=county.number, county_name=county.name, office=county.office,
        written_standard=standard, population=int(population) if population else None,
        valid_from=valid_from, valid_to=valid_to,
    ), []


def _check_number_and_county(number: str, fylke: str, problems: list[str]) -> County | None:
    well_formed = bool(_NUMBER.fullmatch(number))
    if not well_formed:
        problems.append(f"kommunenummer {number!r} is malformed: it must be four digits")
    county = find_county(fylke)
    if county is None:
        problems.append(f"fylke {fylke!r} is not a known county number or name")
    elif well_formed and number[:2] != county.number:
        problems.append(
            f"kommunenummer {number} does not belong to fylke {county.number} "
            f"{county.name} (its first two digits must be {county.number})")
    return county


def _check_dates(start: str, end: str, problems: list[str]) -> tuple[dt.date | None,
                                                                     dt.date | None]:
    dates: list[dt.date | None] = []
    for column, text in (("gyldig_fra", start), ("gyldig_til", end)):
        if column == "gyldig_til" and not text:
            dates.append(None)
            continue
        try:
            dates.append(parse_date(text))
        except ValueError:
            problems.append(f"{column} {text!r} is not a date (use YYYY-MM-DD or DD.MM.YYYY)")
            dates.append(None)
    valid_from, valid_to = dates
    if valid_from and valid_to and valid_to <= valid_from:
        problems.append("gyldig_til must be later than gyldig_fra")
    return valid_from, valid_to


def _check_overlaps_within(result: ImportResult) -> None:
    by_number: dict[str, list[RegisterRow]] = {}
    for row in result.rows:
        for other in by_number.get(row.number, []):
            if row.overlaps(other.valid_from, other.valid_to):
                result.errors.append(
                    f"line {row.line}: {row.number} overlaps line {other.line} "
                    "(validity periods of one number may not overlap)")
        by_number.setdefault(row.number, []).append(row)


def _same(row: RegisterRow, m: Municipality) -> bool:
    return (m.name, m.county_number, m.valid_to) == (row.name, row.county_number, row.valid_to)


def import_register(data: str | bytes, *, source: str) -> ImportResult:
    """Check a register file against itself and the database, then add it all or nothing.

    Rows identical to registered entries count as unchanged, so re-importing a file
    (as ``demo seed`` does with the shipped register) changes nothing.
    """
    result = parse_register(data, source)
    existing = db.session.scalars(sa.select(Municipality)).all()
    by_number: dict[str, list[Municipality]] = {}
    for m in existing:
        by_number.setdefault(m.number, []).append(m)
    new_rows = []
    for row in result.rows:
        clash = [m for m in by_number.get(row.number, []) if row.overlaps(m.valid_from, m.valid_to)]
        if len(clash) == 1 and clash[0].valid_from == row.valid_from and _same(row, clash[0]):
            result.unchanged += 1
        elif clash:
            m = clash[0]
            result.errors.append(
                f"line {row.line}: {row.number} {row.name} overlaps the registered "
                f"{m.number} {m.name} valid from {m.valid_from.isoformat()}")
        else:
            new_rows.append(row)
    if result.errors or not new_rows:
        return result
    for row in new_rows:
        db.session.add(_to_model(row, existing))
    result.added = len(new_rows)
    audit.record("register.import", "register", source,
                 after={"added": result.added, "unchanged": result.unchanged})
    db.session.commit()
    return result


def _to_model(row: RegisterRow, existing: Sequence[Municipality]) -> Municipality:
    # An older numbering rarely says its written standard or population: take them from
    # the registered entry with the same number, else the same name.
    twin = next((m for m in existing if m.number == row.number), None) or next(
        (m for m in existing if m.name == row.name), None)
    return Municipality(
        number=row.number, name=row.name, name_other=row.name_other,
        county_number=row.county_number, county_name=row.county_name, office=row.office,
        written_standard=row.written_standard or (twin.written_standard if twin else "neutral"),
        population=row.population if row.population is not None else (
            twin.population if twin else None),
        valid_from=row.valid_from, valid_to=row.valid_to,
    )


class RegisterError(Exception):
    """A year without a register, or another refusal; the message says why."""


@dataclass(frozen=True)
class RegisterSelection:
    """The municipalities in force on 1 January of a year; empty when none is loaded.

    There is no fallback to another year's numbering: a 2022 round on the 2024 numbering
    would give money to Haram (1580), which did not exist in 2022 (issue 11).
    """

    year: int
    municipalities: list[Municipality]
    loaded: str  # the years the loaded register covers, in words ("" when none)

    @property
    def found(self) -> bool:
        return bool(self.municipalities)

    @property
    def refusal(self) -> str:
        """Why the year cannot be used (English; the pages say it in nb/nn)."""
        return no_register_reason(self.year, self.loaded)


def no_register_reason(year: int, loaded: str) -> str:
    where = f"the register covers {loaded}" if loaded else "no register is loaded"
    return (f"No municipality register is valid on 1 January {year} ({where}). Import "
            f"that year's numbering with `flask --app wsgi municipalities import FILE`.")


def in_year(year: int) -> sa.ColumnElement[bool]:
    """The register entries in force on 1 January ``year``."""
    return in_force_on(dt.date(year, 1, 1))


def in_force_on(day: dt.date | sa.BindParameter[dt.date]) -> sa.ColumnElement[bool]:
    """The register entries in force on ``day`` (a date, or a parameter for one)."""
    return sa.and_(Municipality.valid_from <= day,
                   sa.or_(Municipality.valid_to.is_(None), Municipality.valid_to > day))


def loaded_years(periods: list[tuple[dt.date, dt.date | None]], around: int) -> list[int]:
    """Years (by 1 January) covered by the loaded periods, looking as far as ``around``."""
    years: set[int] = set()
    for start, end in periods:
        first = start.year if start.month == 1 and start.day == 1 else start.year + 1
        last = (end.year - 1) if end else max(around, first)
        years.update(range(first, last + 1))
    return sorted(years)


def describe_periods(periods: list[tuple[dt.date, dt.date | None]]) -> str:
    """The loaded numberings, language-neutral: ``2020–2023, 2024–`` (open end)."""
    words = []
    for start, end in sorted(set(periods)):
        first = start.year if (start.month, start.day) == (1, 1) else start.year + 1
        if end is None:
            words.append(f"{first}–")
            continue
        last = end.year - 1
        if last >= first:
            words.append(f"{first}–{last}" if last > first else str(first))
    return ", ".join(words)


def loaded_periods() -> list[tuple[dt.date, dt.date | None]]:
    rows = db.session.execute(
        sa.select(Municipality.valid_from, Municipality.valid_to).distinct()).all()
    return [(start, end) for start, end in rows]


def municipalities_for_year(year: int) -> RegisterSelection:
    """The numbering in force on 1 January ``year``; empty (with the loaded years) if none."""
    rows = list(db.session.scalars(
        sa.select(Municipality).where(in_year(year)).order_by(Municipality.number)))
    loaded = "" if rows else describe_periods(loaded_periods())
    return RegisterSelection(year, rows, loaded)


def register_for_year(year: int) -> list[Municipality]:
    """The municipalities in force on 1 January ``year``; RegisterError when there are none."""
    selection = municipalities_for_year(year)
    if not selection.found:
        raise RegisterError(selection.refusal)
    return selection.municipalities


def entry_for(number: str, year: int) -> Municipality | None:
    """The register entry of a kommunenummer in force on 1 January ``year``, if any."""
    return db.session.scalar(
        sa.select(Municipality).where(Municipality.number == number, in_year(year)))


def entry_of_grant(grant: Grant) -> Municipality | None:
    """The municipality a grant was made to, as it was on 1 January of the grant year."""
    return entry_for(grant.municipality_number, grant.round.year)


def current_entry(number: str) -> Municipality | None:
    """The newest register entry for a kommunenummer (for pages not tied to a year)."""
    return db.session.scalar(
        sa.select(Municipality).where(Municipality.number == number)
        .order_by(Municipality.valid_from.desc()).limit(1))


# ---- the correspondence between numberings ---------------------------------------------------


SHIPPED_CHANGES = SHIPPED_REGISTER.parent / "municipality-changes.csv"


@dataclass(frozen=True)
class Change:
    """One old number → one new number at a reform (a split gives one row per part)."""

    on: dt.date  # the first day of the new numbering
    old_number: str
    old_name: str
    new_number: str
    new_name: str


@functools.cache
def all_changes() -> tuple[Change, ...]:
    """The shipped correspondence (municipality-changes.csv, built with the register)."""
    with SHIPPED_CHANGES.open(encoding="utf-8", newline="") as fh:
        return tuple(Change(dt.date.fromisoformat(r["dato"]), r["fra_kommunenummer"],
                            r["fra_navn"], r["til_kommunenummer"], r["til_navn"])
                     for r in csv.DictReader(fh, delimiter=";"))


def changes_between(from_year: int, to_year: int) -> list[Change]:
    """The number changes from the numbering of ``from_year`` to that of ``to_year``.

    Refused (RegisterError) unless both years have a register and ``from_year`` is the
    earlier; numbers not listed are the same in both.
    """
    if to_year <= from_year:
        raise RegisterError(f"{to_year} must be later than {from_year}.")
    for year in (from_year, to_year):
        register_for_year(year)
    start, end = dt.date(from_year, 1, 1), dt.date(to_year, 1, 1)
    return [c for c in all_changes() if start < c.on <= end]


def earlier_numbers(number: str) -> set[str]:
    """``number`` and every number its municipality had before, by the correspondence.

    Tromsø 5501 gives {5501, 5401}; Haram 1580 gives {1580, 1507}: Haram was part of
    Ålesund 1507 until 2024, so what was granted to 1507 was granted to Haram's area too.
    """
    found, todo = {number}, [number]
    while todo:
        current = todo.pop()
        for change in all_changes():
            if change.new_number == current and change.old_number not in found:
                found.add(change.old_number)
                todo.append(change.old_number)
    return found


def related_numbers(number: str) -> set[str]:
    """The numbers the correspondence pairs with ``number`` at a reform, either way:
    3001 gives {3101}; 3101 gives {3001}; 1507 gives {1508, 1580}."""
    return ({c.new_number for c in all_changes() if c.old_number == number}
            | {c.old_number for c in all_changes() if c.new_number == number})
