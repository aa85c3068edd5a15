"""Importing and reading the municipality register.

Import files are SSB-style semicolon CSV with the columns
``kommunenummer;navn;fylke;gyldig_fra;gyldig_til`` and, optionally,
``navn_samisk_kvensk``, ``malform`` and ``innbyggere`` (the shipped register has them).
An import is all or nothing: every bad row is reported with its line and reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from survey_app import audit
from survey_app.extensions import db
from survey_app.models import Municipality
from survey_app.offices import County, find_county

SHIPPED_REGISTER = Path(__file__).resolve().parent.parent / "data" / "municipalities.csv"
REQUIRED_COLUMNS = ("kommunenummer", "navn", "fylke", "gyldig_fra", "gyldig_til")
_STANDARDS = {"nb": "nb", "bokmål": "nb", "nn": "nn", "nynorsk": "nn",
              "neutral": "neutral", "nøytral": "neutral", "": ""}
_NUMBER = re.compile(r"\d{4}")


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
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
        day, month, year = (int(p) for p in text.split("."))
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as older SSB exports use."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def parse_register(text: str) -> ImportResult:
    """Check every row of a register file; a pure function, it touches no database."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        result.errors.append(
            f"line 1: the header lacks {', '.join(missing)} "
            f"(expected {';'.join(REQUIRED_COLUMNS)})")
        return result
    reader.fieldnames = header
    seen: dict[tuple[str, dt.date], int] = {}
    for line, raw in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
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
    if population and not population.isdigit():
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


def import_register(text: str, *, source: str) -> ImportResult:
    """Check a register file against itself and the database, then add it all or nothing.

    Rows identical to registered entries count as unchanged, so re-importing a file
    (as ``demo seed`` does with the shipped register) changes nothing.
    """
    result = parse_register(text)
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


@dataclass(frozen=True)
class RegisterSelection:
    """The municipalities a year uses, and which year's numbering that actually is."""

    requested_year: int
    used_year: int | None  # None when no register is loaded at all
    municipalities: list[Municipality]

    @property
    def exact(self) -> bool:
        return self.used_year == self.requested_year


def _in_year(year: int) -> sa.ColumnElement[bool]:
    day = dt.date(year, 1, 1)
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


def nearest_year(year: int, years: list[int]) -> int | None:
    """The loaded year nearest to ``year``; on a tie the later one (the newer numbering)."""
    if not years:
        return None
    return min(years, key=lambda y: (abs(y - year), -y))


def municipalities_for_year(year: int, *, exact: bool = False) -> RegisterSelection:
    """The numbering in force in ``year``, or the nearest loaded one unless ``exact``."""
    periods = db.session.execute(
        sa.select(Municipality.valid_from, Municipality.valid_to).distinct()).all()
    years = loaded_years([(start, end) for start, end in periods], around=year)
    used = year if year in years else (None if exact else nearest_year(year, years))
    rows: list[Municipality] = []
    if used is not None:
        rows = list(db.session.scalars(
            sa.select(Municipality).where(_in_year(used)).order_by(Municipality.number)))
    return RegisterSelection(year, used, rows)


def current_entry(number: str) -> Municipality | None:
    """The newest register entry for a kommunenummer."""
    return db.session.scalar(
        sa.select(Municipality).where(Municipality.number == number)
        .order_by(Municipality.valid_from.desc()).limit(1))
