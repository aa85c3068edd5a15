"""The grants of a round: imported from a list, allocated from a pot by a key, declined
(opt-out) with the money redistributed, or computed from the positions applied for.

Every change is all or nothing, is written to the grant's history (GrantEvent) and the
audit log in the same transaction, and keeps money in whole kroner: the allocation rules
themselves live in ``survey_app.rules.allocation``; this module reads files, checks them
against the register and the round, and stores the result.

Files are CSV (``;`` or ``,`` separated, UTF-8 or Windows-1252) or XLSX (first sheet, the
header in the first row). Problems are reported as ``line N: reason``, every one of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TypeVar

import sqlalchemy as sa

from forms.money import NumberError, parse_amount, parse_integer, parse_percent
from survey_app import audit
from survey_app.extensions import db
from survey_app.models import Grant, GrantEvent, GrantStatus, Municipality, Position, Round, Scheme
from survey_app.rules import allocation
from survey_app.services import register, rounds

SYSTEM = "system"
TRANSITIONAL_SLUG = "kommunalt-rusarbeid-overgang"
RUSARBEID_CHAPTER_POST = "765.62"
ANY_YEAR = "any"  # position_rates key for a flat rate whatever the year in the track

# Rates from the calls for applications (docs/domain.md, B.): kroner per 100 % position.
TRACK_RATES = {"1": 660_000, "2": 550_000, "3": 440_000, "4": 330_000}
TRANSITIONAL_RATES_FROM_2023 = {ANY_YEAR: 330_000}

# Accepted header names (lower case) for each column, the first one being canonical.
COLUMNS = {
    "kommunenummer": ("kommunenummer", "kommunenr", "knr"),
    "amount": ("amount", "beløp", "belop", "tilskudd"),
    "weight": ("weight", "vekt", "nøkkel"),
    "title": ("title", "tittel", "stilling"),
    "percent": ("percent", "prosent", "stillingsprosent"),
    "track_year": ("track_year", "år_i_løpet", "år"),
}
_NUMBER = re.compile(r"\d{4}")
T = TypeVar("T")


class GrantError(Exception):
    """A refused change, with a message saying why and what to do instead."""


@dataclass
class ImportResult:
    """What a file import did, or every reason it did nothing."""

    errors: list[str] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    used_year: int | None = None  # the register numbering the file was checked against

    @property
    def total(self) -> int:
        return sum(g.amount for g in self.grants)


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


# ---- reading files ---------------------------------------------------------------------


def read_rows(data: str | bytes, filename: str, columns: Iterable[str]) -> list[Row]:
    """The data rows of a CSV or XLSX file as canonical column → text, with line numbers.

    Raises GrantError when the file cannot be read or its header lacks a column.
    """
    if filename.lower().endswith(".xlsx"):
        table = _xlsx_table(data if isinstance(data, bytes) else data.encode())
    else:
        table = _csv_table(register.decode(data) if isinstance(data, bytes) else data)
    if not table:
        raise GrantError(f"{filename} is empty.")
    header = _header(table[0][1], tuple(columns))
    rows = []
    for line, cells in table[1:]:
        values = {name: (cells[i] if i < len(cells) else "").strip()
                  for name, i in header.items()}
        if any(values.values()):
            rows.append(Row(line, values))
    return rows


def _csv_table(text: str) -> list[tuple[int, list[str]]]:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ";" if ";" in first or "," not in first else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader]


def _xlsx_table(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # only needed for spreadsheets

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not xlsx
        raise GrantError(f"The file is not a readable .xlsx workbook ({error}).") from error
    sheet = workbook.worksheets[0]
    table = [(line, [_cell_text(v) for v in row])
             for line, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    workbook.close()
    return table


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person would have typed into a CSV file."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)  # the shortest exact-looking text, not a binary expansion
    return str(value)


def _header(cells: list[str], wanted: tuple[str, ...]) -> dict[str, int]:
    names = [c.strip().lower() for c in cells]
    found: dict[str, int] = {}
    for column in wanted:
        index = next((names.index(a) for a in COLUMNS[column] if a in names), None)
        if index is not None:
            found[column] = index
    missing = [c for c in wanted if c not in found and c != "title"]
    if missing:
        raise GrantError(f"line 1: the header lacks {', '.join(missing)} "
                         f"(expected {';'.join(wanted)})")
    return found


# ---- checking values -------------------------------------------------------------------


@dataclass(frozen=True)
class Numbering:
    """The municipalities valid in a round's grant year, and the numbering actually used."""

    year: int
    used_year: int | None
    names: dict[str, str]

    @classmethod
    def for_year(cls, year: int) -> Numbering:
        selection = register.municipalities_for_year(year)
        return cls(year, selection.used_year,
                   {m.number: m.display_name for m in selection.municipalities})

    def check(self, text: str) -> tuple[str, str | None]:
        """The kommunenummer, and the reason it cannot be used (None when it can)."""
        number = text.zfill(4) if text.isdigit() and len(text) == 3 else text  # Excel drops 0
        if not _NUMBER.fullmatch(number):
            return number, f"kommunenummer {text!r} must be four digits"
        if number in self.names:
            return number, None
        entry = register.current_entry(number)
        if entry is None:
            return number, f"unknown kommunenummer {number}"
        return number, (f"kommunenummer {number} ({entry.name}) is not valid in {self.year} "
                        f"(valid {_period(entry)})")

    def name(self, number: str) -> str:
        if number in self.names:
            return self.names[number]
        entry = register.current_entry(number)
        return entry.display_name if entry else ""


def _period(entry: Municipality) -> str:
    end = f"until {entry.valid_to.isoformat()}" if entry.valid_to else "onwards"
    return f"from {entry.valid_from.isoformat()} {end}"


def whole_kroner(text: str) -> int:
    """An amount in whole kroner in any Norwegian notation; ValueError says what is wrong."""
    try:
        value = parse_amount(text)
    except NumberError as error:
        raise ValueError(f"amount {text!r}: {error.text('en')}") from error
    if value != value.to_integral_value():
        raise ValueError(f"amount {text!r} has øre: grants are whole kroner")
    return int(value)


def parse_weight(text: str) -> Decimal:
    """A key weight such as ``12 345`` or ``0,0123``; ValueError if not a number ≥ 0."""
    tidy = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(tidy)
    except InvalidOperation as error:
        raise ValueError(f"weight {text!r} is not a number") from error
    if not value.is_finite() or value < 0:
        raise ValueError(f"weight {text!r} must be a number of 0 or more")
    return value


def _check_rows(rows: list[Row], numbering: Numbering,
                check: Callable[[Row, str], T]) -> tuple[dict[str, T], list[str]]:
    """Check each row's kommunenummer (valid, not repeated) and its value with ``check``."""
    values: dict[str, T] = {}
    lines: dict[str, int] = {}
    errors: list[str] = []
    for row in rows:
        number, problem = numbering.check(row.values["kommunenummer"])
        problems = [problem] if problem else []
        if number in lines:
            problems.append(f"duplicate of line {lines[number]} (kommunenummer {number})")
        try:
            value = check(row, number)
        except ValueError as error:
            problems.append(str(error))
        errors.extend(f"line {row.line}: {p}" for p in problems)
        if not problems:
            values[number], lines[number] = value, row.line
        lines.setdefault(number, row.line)
    return values, errors


def _existing_check(round_: Round) -> Callable[[str], None]:
    existing = {g.municipality_number: g for g in round_.grants}

    def check(number: str) -> None:
        if number in existing:
            raise ValueError(f"{number} already has a grant in {round_.key} "
                             f"({existing[number].amount} kr)")

    return check


# ---- grants from a list ----------------------------------------------------------------


def import_grants(round_: Round, data: str | bytes, filename: str,
                  actor: str = SYSTEM) -> ImportResult:
    """Add the grants listed in a file (``kommunenummer;amount``), all or nothing."""
    result = ImportResult()
    try:
        rows = read_rows(data, filename, ("kommunenummer", "amount"))
    except GrantError as error:
        result.errors.append(str(error))
        return result
    numbering = Numbering.for_year(round_.year)
    result.used_year = numbering.used_year
    is_new = _existing_check(round_)

    def amount(row: Row, number: str) -> int:
        is_new(number)
        return whole_kroner(row.values["amount"])

    amounts, result.errors = _check_rows(rows, numbering, amount)
    if result.errors:
        return result
    result.grants = [_new_grant(round_, n, a, actor, "imported") for n, a in amounts.items()]
    audit.record("grants.import", "round", round_.key,
                 after={"file": filename, "grants": len(result.grants), "total": result.total})
    db.session.commit()
    return result


def _new_grant(round_: Round, number: str, amount: int, actor: str, reason: str,
               weight: str | None = None) -> Grant:
    grant = Grant(round=round_, municipality_number=number, amount=amount,
                  status=GrantStatus.ALLOCATED, weight=weight)
    grant.events.append(GrantEvent(actor=actor, reason=reason, amount_after=amount,
                                   status_after=GrantStatus.ALLOCATED))
    db.session.add(grant)
    return grant


# ---- allocation by key -----------------------------------------------------------------


def read_key(round_: Round, data: str | bytes, filename: str
             ) -> tuple[dict[str, Decimal], list[str]]:
    """The weights of a key file (``kommunenummer;weight``) and every problem in it."""
    try:
        rows = read_rows(data, filename, ("kommunenummer", "weight"))
    except GrantError as error:
        return {}, [str(error)]
    weights, errors = _check_rows(rows, Numbering.for_year(round_.year),
                                  lambda row, _number: parse_weight(row.values["weight"]))
    return weights, errors


def population_key(year: int) -> dict[str, int]:
    """Inhabitants of each municipality in the numbering valid in ``year`` (or nearest)."""
    selection = register.municipalities_for_year(year)
    missing = [m.number for m in selection.municipalities if m.population is None]
    if missing:
        raise GrantError(f"The register has no population for {', '.join(missing)}; "
                         "give a key file with --key instead.")
    if not selection.municipalities:
        raise GrantError("No municipality register is loaded; import one first.")
    return {m.number: int(m.population or 0) for m in selection.municipalities}


def allocate(round_: Round, total: int,
             weights: Mapping[str, Decimal | int] | None = None,
             actor: str = SYSTEM) -> list[Grant]:
    """Make every grant of the round from a pot, by a key (the population when none).

    The sum equals ``total`` to the krone (largest remainder); each grant keeps its
    weight so that an opt-out redistributes by the same key.
    """
    if round_.grants:
        raise GrantError(
            f"The round {round_.key} already has {len(round_.grants)} grants, and an "
            "allocation makes all grants of a round at once. Use `grants opt-out` for a "
            "municipality that declines, or `grants import` to add single grants.")
    key = dict(weights) if weights is not None else population_key(round_.year)
    numbering = Numbering.for_year(round_.year)
    unknown = sorted(n for n in key if numbering.check(n)[1])
    if unknown:
        raise GrantError(f"The key names municipalities not valid in {round_.year}: "
                         f"{', '.join(unknown)}.")
    try:
        shares = allocation.allocate_by_key(total, key)
    except (TypeError, ValueError) as error:
        raise GrantError(str(error)) from error
    grants = [_new_grant(round_, n, shares[n], actor, "allocated", weight=str(key[n]))
              for n in sorted(key) if key[n] > 0]
    audit.record("grants.allocate", "round", round_.key,
                 after={"total": total, "grants": len(grants),
                        "key": "population" if weights is None else "file"})
    db.session.commit()
    return grants


# ---- opt-out ---------------------------------------------------------------------------


def opt_out(round_: Round, number: str, actor: str = SYSTEM, today: dt.date | None = None,
            *, force: bool = False) -> list[Grant]:
    """A municipality declines: its grant becomes 0 and the others share the pot again.

    The pot is what the allocated grants add up to now, so it stays the same; the
    money is shared by the weights stored at allocation. Returns the changed grants.
    """
    grant = _grant_to_decline(round_, number)
    late = _opt_out_late(round_, today or dt.date.today(), force)
    active = [g for g in round_.grants if g.status == GrantStatus.ALLOCATED]
    weights = _stored_weights(round_, active)
    pot, declined_amount = sum(g.amount for g in active), grant.amount
    try:
        amounts = allocation.reallocate_after_opt_out(pot, weights, [number])
    except ValueError as error:
        raise GrantError(str(error)) from error
    reason = f"opt-out of {number}" + (f" (forced: {late})" if late else "")
    changed = [g for g in active if _change(g, amounts[g.municipality_number], actor, reason,
                                            declined=g is grant)]
    audit.record("grant.opt-out", "grant", f"{round_.key}/{number}",
                 before={"amount": declined_amount},
                 after={"amount": 0, "redistributed_to": len(changed) - 1, "forced": force})
    db.session.commit()
    return changed


def _grant_to_decline(round_: Round, number: str) -> Grant:
    grant = next((g for g in round_.grants if g.municipality_number == number), None)
    if grant is None:
        raise GrantError(f"{number} has no grant in {round_.key}.")
    if grant.status != GrantStatus.ALLOCATED:
        raise GrantError(f"The grant to {number} in {round_.key} is {grant.status}; only an "
                         "allocated grant can be declined.")
    return grant


def _opt_out_late(round_: Round, today: dt.date, force: bool) -> str | None:
    """Why an opt-out is too late (None when in time); refuses unless forced."""
    deadline = round_.opt_out_deadline
    if deadline is None:
        late = "the round has no opt-out deadline"
    elif today > deadline:
        late = f"after the opt-out deadline {deadline.isoformat()}"
    else:
        return None
    if not force:
        raise GrantError(f"Refused: {round_.key}: {late}. Pass --force to record the "
                         "opt-out anyway.")
    return late


def _stored_weights(round_: Round, grants: list[Grant]) -> dict[str, Decimal]:
    without = [g.municipality_number for g in grants if g.weight is None]
    if without:
        raise GrantError(
            f"{len(without)} grants in {round_.key} have no allocation weight (they were "
            "imported or computed from positions), so there is no key to redistribute by.")
    return {g.municipality_number: Decimal(str(g.weight)) for g in grants}


def _change(grant: Grant, amount: int, actor: str, reason: str, *, declined: bool) -> bool:
    """Set a grant's new amount (and status, for the one declining); record the history."""
    status = GrantStatus.OPTED_OUT if declined else grant.status
    if grant.amount == amount and grant.status == status:
        return False
    grant.events.append(GrantEvent(actor=actor, reason=reason[:80],
                                   amount_before=grant.amount, amount_after=amount,
                                   status_before=grant.status, status_after=status))
    grant.amount, grant.status = amount, status
    return True


# ---- grants per position (765.62) --------------------------------------------------------


def default_rates(slug: str, chapter_post: str, year: int) -> dict[str, int] | None:
    """The rates of the calls for applications for 765.62 rounds; None for other schemes."""
    if chapter_post != RUSARBEID_CHAPTER_POST:
        return None
    if slug == TRANSITIONAL_SLUG and year >= 2023:
        return dict(TRANSITIONAL_RATES_FROM_2023)
    return dict(TRACK_RATES)


def position_rates(round_: Round) -> allocation.PositionRates:
    rates = round_.position_rates
    if not rates:
        raise GrantError(f"The round {round_.key} has no position rates; create it with "
                         "--rates, e.g. --rates 1=660000,2=550000,3=440000,4=330000.")
    if ANY_YEAR in rates:
        return allocation.PositionRates(flat=int(rates[ANY_YEAR]))
    return allocation.PositionRates(per_year={int(k): int(v) for k, v in rates.items()})


def rusarbeid_grant_years(number: str) -> list[int]:
    """The years in which a municipality had a 765.62 grant (any of its schemes)."""
    return list(db.session.scalars(
        sa.select(Round.year).join(Grant).join(Scheme)
        .where(Scheme.chapter_post == RUSARBEID_CHAPTER_POST,
               Grant.municipality_number == number,
               Grant.status != GrantStatus.OPTED_OUT)))


def _position(row: Row, rates: allocation.PositionRates) -> Position:
    percent = parse_percent(row.values["percent"]) if row.values["percent"] else None
    if percent is None or percent != percent.to_integral_value() or percent == 0:
        raise ValueError(f"percent {row.values['percent']!r} must be a whole percent "
                         "above 0 and at most 100")
    try:
        year = parse_integer(row.values["track_year"])
    except NumberError as error:
        raise ValueError(f"track_year {row.values['track_year']!r}: {error.text('en')}") from error
    if not 1 <= year <= 4:
        raise ValueError(f"track_year {year} must be 1, 2, 3 or 4")
    amount = allocation.grant_for_positions([allocation.Position(int(percent), year)], rates)
    return Position(title=row.values.get("title", "")[:200], percent=int(percent),
                    track_year=year, amount=amount)


def _position_checker(round_: Round) -> Callable[[Row, str], Position]:
    rates = position_rates(round_)
    is_new = _existing_check(round_)
    transitional = round_.scheme.slug == TRANSITIONAL_SLUG
    eligible: dict[str, allocation.Eligibility] = {}

    def check(row: Row, number: str) -> Position:
        is_new(number)
        if transitional and _NUMBER.fullmatch(number):
            verdict = eligible.setdefault(number, allocation.transitional_eligibility(
                number, rusarbeid_grant_years(number)))
            if not verdict.eligible:
                raise ValueError(f"{number} may not apply: {verdict.reason}")
        try:
            return _position(row, rates)
        except NumberError as error:
            raise ValueError(f"percent {row.values['percent']!r}: {error.text('en')}") from error

    return check


def import_positions(round_: Round, data: str | bytes, filename: str,
                     actor: str = SYSTEM) -> ImportResult:
    """Make grants from positions (``kommunenummer;title;percent;track_year``).

    A municipality may have several rows, one per position; its grant is the sum by the
    round's rates, rounded once (rules.allocation.grant_for_positions).
    """
    result = ImportResult()
    try:
        rows = read_rows(data, filename, ("kommunenummer", "title", "percent", "track_year"))
        check = _position_checker(round_)
    except GrantError as error:
        result.errors.append(str(error))
        return result
    numbering = Numbering.for_year(round_.year)
    result.used_year = numbering.used_year
    by_number: dict[str, list[Position]] = {}
    for row in rows:  # several rows per municipality are allowed here: check one by one
        found, errors = _check_rows([row], numbering, check)
        result.errors.extend(errors)
        for number, found_position in found.items():
            by_number.setdefault(number, []).append(found_position)
    if result.errors:
        return result
    result.grants = [_grant_from_positions(round_, n, p, actor) for n, p in by_number.items()]
    audit.record("grants.positions", "round", round_.key,
                 after={"file": filename, "grants": len(result.grants), "total": result.total})
    db.session.commit()
    return result


def _grant_from_positions(round_: Round, number: str, positions: list[Position],
                          actor: str) -> Grant:
    rates = position_rates(round_)
    amount = allocation.grant_for_positions(
        [allocation.Position(p.percent, p.track_year) for p in positions], rates)
    grant = _new_grant(round_, number, amount, actor, "positions")
    grant.positions.extend(positions)
    return grant


# ---- rounds, as the administrators change them ------------------------------------------


def open_round(key: str, dates: rounds.RoundDates, budget: int | None = None,
               rates: dict[str, int] | None = None) -> Round:
    """Create a round (with the call's position rates for 765.62 when none are given)."""
    slug, year = rounds.parse_round_key(key)
    scheme = rounds.find_scheme(slug)
    if rates is None:
        rates = default_rates(scheme.slug, scheme.chapter_post, year)
    created = rounds.create_round(key, dates, budget=budget, position_rates=rates)
    audit.record("round.create", "round", created.key, after=round_facts(created))
    db.session.commit()
    return created


def update_round(round_: Round, dates: rounds.RoundDates, budget: int | None) -> bool:
    """Change a round's dates and budget; returns whether anything changed."""
    if dates.deadline < dates.opens_on:
        raise GrantError("The reporting deadline is before reporting opens.")
    before = round_facts(round_)
    round_.opens_on, round_.deadline = dates.opens_on, dates.deadline
    round_.grace_days, round_.budget = dates.grace_days, budget
    round_.opt_out_deadline, round_.payment_date = dates.opt_out_deadline, dates.payment_date
    after = round_facts(round_)
    if after == before:
        return False
    audit.record("round.update", "round", round_.key, before=before, after=after)
    db.session.commit()
    return True


def round_facts(round_: Round) -> dict[str, object]:
    """The editable facts of a round, as JSON for the audit log."""
    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    return {"opens_on": iso(round_.opens_on), "deadline": iso(round_.deadline),
            "grace_days": round_.grace_days, "opt_out_deadline": iso(round_.opt_out_deadline),
            "payment_date": iso(round_.payment_date), "budget": round_.budget,
            "position_rates": round_.position_rates}


@dataclass(frozen=True)
class RoundSummary:
    round: Round
    grants: int
    total: int


def round_summaries() -> list[RoundSummary]:
    """Every round with its number of grants and their total, by scheme and year."""
    counts = dict(db.session.execute(
        sa.select(Grant.round_id, sa.func.count(Grant.id)).group_by(Grant.round_id)).all())
    totals = dict(db.session.execute(
        sa.select(Grant.round_id, sa.func.sum(Grant.amount)).group_by(Grant.round_id)).all())
    found = db.session.scalars(sa.select(Round).join(Scheme)
                               .order_by(Scheme.slug, Round.year)).unique()
    return [RoundSummary(r, int(counts.get(r.id, 0)), int(totals.get(r.id) or 0))
            for r in found]


def grants_of(round_: Round) -> list[Grant]:
    return list(db.session.scalars(sa.select(Grant).where(Grant.round_id == round_.id)
                                   .order_by(Grant.municipality_number)).unique())
