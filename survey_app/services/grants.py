"""The grants of a round: imported from a list, allocated from a pot by a key, declined
(opt-out) with the money redistributed, or computed from the positions applied for.

Every change is all or nothing, is written to the grant's history (GrantEvent) and the
audit log in the same transaction, and keeps money in whole kroner: the allocation rules
themselves live in ``survey_app.rules.allocation``; this module reads files, checks them
against the register and the round, and stores the result.

Files are read by ``survey_app.tabular`` (CSV separated by ``;``, or strictly by ``,``;
UTF-8 or Windows-1252; or XLSX, first sheet, header in the first row; capped in size and
rows). Problems are reported as ``line N: reason``, every one of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TypeVar

import sqlalchemy as sa

from forms.money import NumberError, parse_amount, parse_integer, parse_percent
from survey_app import audit, tabular
from survey_app.extensions import db
from survey_app.models import (
    AllocationKey,
    Grant,
    GrantEvent,
    GrantStatus,
    KeyKind,
    Municipality,
    Position,
    Round,
    Scheme,
)
from survey_app.rules import allocation
from survey_app.services import register, rounds, scheme_rules

SYSTEM = "system"
# position_rates key for a flat rate whatever the year in the track. The rates themselves
# are configuration: `position_rates` in questionnaires/schemes/schemes.yaml.
ANY_YEAR = scheme_rules.ANY_YEAR

# Accepted header names (lower case) for each column, the first one being canonical.
COLUMNS = {
    "kommunenummer": ("kommunenummer", "kommunenr", "knr"),
    "amount": ("amount", "beløp", "belop", "tilskudd"),
    "weight": ("weight", "vekt", "nøkkel"),
    "title": ("title", "tittel", "stilling"),
    "percent": ("percent", "prosent", "stillingsprosent"),
    "track_year": ("track_year", "år_i_løpet", "år"),
}
_NUMBER = tabular.KOMMUNENUMMER
_WEIGHT = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?")
T = TypeVar("T")


class GrantError(Exception):
    """A refused change, with a message saying why and what to do instead."""


@dataclass
class ImportResult:
    """What a file import did, or every reason it did nothing."""

    errors: list[str] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(g.amount for g in self.grants)


Row = tabular.Record


# ---- reading files ---------------------------------------------------------------------


def read_rows(data: str | bytes, filename: str, columns: Iterable[str]) -> list[Row]:
    """The data rows of a CSV or XLSX file as canonical column → text, with line numbers.

    Raises tabular.TableError, with every problem, when the file cannot be imported.
    """
    return tabular.read_records(data, filename, {c: COLUMNS[c] for c in columns},
                                optional=("title",))


# ---- checking values -------------------------------------------------------------------


@dataclass(frozen=True)
class Numbering:
    """The municipalities in force on 1 January of a round's grant year; no other year's.

    ``refusal`` says why there are none (no register for that year): every import and
    allocation is then refused with that reason, never checked against another numbering.
    """

    year: int
    names: dict[str, str]
    refusal: str | None = None

    @classmethod
    def for_year(cls, year: int) -> Numbering:
        selection = register.municipalities_for_year(year)
        return cls(year, {m.number: m.display_name for m in selection.municipalities},
                   None if selection.found else selection.refusal)

    def require(self) -> None:
        """Raise GrantError when the year has no register."""
        if self.refusal:
            raise GrantError(self.refusal)

    def check(self, text: str) -> tuple[str, str | None]:
        """The kommunenummer, and the reason it cannot be used (None when it can)."""
        # Excel drops a leading 0 (301 for 0301); only ASCII digits are a number.
        number = text.zfill(4) if tabular.ascii_digits(text) and len(text) == 3 else text
        if not _NUMBER.fullmatch(number):
            return number, f"kommunenummer {text!r} must be four digits"
        if number in self.names:
            return number, None
        entry = register.current_entry(number)
        if entry is None:
            return number, f"unknown kommunenummer {number}"
        return number, (f"kommunenummer {number} ({entry.name}) is of another year's "
                        f"numbering, not valid on 1 January {self.year} (valid "
                        f"{_period(entry)}){self._then(number)}")

    def _then(self, number: str) -> str:
        """``; in 2022 the number is 3001 Halden`` by the correspondence, when it says."""
        related = sorted(n for n in register.related_numbers(number) if n in self.names)
        if not related:
            return ""
        return f"; in {self.year} the number is " + " or ".join(
            f"{n} {self.names[n]}" for n in related)

    def name(self, number: str) -> str:
        if number in self.names:
            return self.names[number]
        entry = register.current_entry(number)
        return entry.display_name if entry else ""

    def uncovered(self, numbers: Iterable[str]) -> str | None:
        """Why a key naming ``numbers`` does not cover the year's municipalities, if so."""
        missing = sorted(set(self.names) - set(numbers))
        if not missing:
            return None
        return (f"the key does not cover every municipality of {self.year}: {len(missing)} "
                f"missing ({', '.join(f'{n} {self.names[n]}' for n in missing)}); give "
                "each of them a weight (0 for none)")


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
    if not _WEIGHT.fullmatch(tidy):  # Decimal() alone takes ٣, 1_0, 1e9 and NaN
        raise ValueError(f"weight {text!r} is not a number (digits 0-9 and one , or .)")
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
    """Add the grants listed in a file (``kommunenummer;amount``), all or nothing.

    The Directorate's own allocation list is itself the round's key: each grant keeps its
    listed amount as its weight, so an opt-out shares the money by the list (largest
    remainder). A list imported into an empty round becomes the round's key, named
    after the file; a later list adds to it. A round allocated by another key refuses.
    A list need not name every municipality (most schemes grant to the applicants); a
    key file for `allocate` must.
    """
    result = ImportResult()
    numbering = Numbering.for_year(round_.year)
    try:
        numbering.require()
        key = _list_key(round_, filename)
        rows = read_rows(data, filename, ("kommunenummer", "amount"))
    except GrantError as error:
        result.errors.append(str(error))
        return result
    except tabular.TableError as error:
        result.errors.extend(error.problems)
        return result
    is_new = _existing_check(round_)

    def amount(row: Row, number: str) -> int:
        is_new(number)
        return whole_kroner(row.values["amount"])

    amounts, result.errors = _check_rows(rows, numbering, amount)
    if result.errors:
        return result
    result.grants = [_new_grant(round_, n, a, actor, "imported", weight=str(a))
                     for n, a in amounts.items()]
    if key is not None:
        key.entries += len(result.grants)
    audit.record("grants.import", "round", round_.key,
                 after={"file": filename, "grants": len(result.grants), "total": result.total,
                        "key": key.name if key else None})
    db.session.commit()
    return result


def round_key(round_: Round) -> AllocationKey | None:
    """The key the round's grants were made by, if it has one."""
    return db.session.scalar(sa.select(AllocationKey).where(AllocationKey.round_id == round_.id))


def _list_key(round_: Round, filename: str) -> AllocationKey | None:
    """The round's allocation-list key to add to: made for an empty round; refused for a
    round allocated by a key file or population; None for a round with grants but no key
    (made before keys were recorded)."""
    key = round_key(round_)
    if key is not None and key.kind != KeyKind.LIST:
        raise GrantError(
            f"The round {round_.key} was allocated by the key {key.description}; a grant "
            "from a list would not share in its redistributions. Use `grants opt-out`, or "
            "allocate a new round by the list.")
    if key is not None:
        key.source = f"{key.source}, {filename}"[:255]
        return key
    if round_.grants:
        return None
    key = AllocationKey(round=round_, name=filename[:120], kind=KeyKind.LIST, source=filename,
                        register_year=round_.year, entries=0, created_by=SYSTEM)
    db.session.add(key)
    return key


def _new_grant(round_: Round, number: str, amount: int, actor: str, reason: str,
               weight: str | None = None) -> Grant:
    grant = Grant(round=round_, municipality_number=number, amount=amount,
                  status=GrantStatus.ALLOCATED, weight=weight)
    grant.events.append(GrantEvent(actor=actor, reason=reason, amount_after=amount,
                                   status_after=GrantStatus.ALLOCATED))
    db.session.add(grant)
    return grant


# ---- allocation by key -----------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """An allocation key as named data: what it is called, what kind, where it is from."""

    name: str
    kind: KeyKind
    source: str
    weights: Mapping[str, Decimal | int]


def read_key(round_: Round, data: str | bytes, filename: str, name: str | None = None
             ) -> tuple[Key | None, list[str]]:
    """A key file (``kommunenummer;weight``) for the round, and every problem in it.

    The key must give a weight (0 for none) to every municipality of the round's grant
    year, in that year's numbering; a missing one is a problem, not a silent 0.
    """
    numbering = Numbering.for_year(round_.year)
    try:
        numbering.require()
        rows = read_rows(data, filename, ("kommunenummer", "weight"))
    except GrantError as error:
        return None, [str(error)]
    except tabular.TableError as error:
        return None, error.problems
    weights, errors = _check_rows(rows, numbering,
                                  lambda row, _number: parse_weight(row.values["weight"]))
    seen = {numbering.check(row.values["kommunenummer"])[0] for row in rows}
    uncovered = numbering.uncovered(seen)
    if uncovered:
        errors.append(uncovered)
    if errors:
        return None, errors
    return Key(name or filename, KeyKind.WEIGHTS, filename, weights), []


POPULATION = "population"


def population_key(year: int) -> Key:
    """The key called population: inhabitants of each municipality in the register in
    force on 1 January ``year``. Only ever used when asked for by this name."""
    numbering = Numbering.for_year(year)
    numbering.require()
    municipalities = register.register_for_year(year)
    missing = [m.number for m in municipalities if m.population is None]
    if missing:
        raise GrantError(f"The register has no population for {', '.join(missing)}; "
                         "give a key file with --key FILE instead.")
    return Key(POPULATION, KeyKind.POPULATION, f"register {year}",
               {m.number: int(m.population or 0) for m in municipalities})


def allocate(round_: Round, total: int, key: Key, actor: str = SYSTEM) -> list[Grant]:
    """Make every grant of the round from a pot by a named key.

    The sum equals ``total`` to the krone (largest remainder); each grant keeps its
    weight and the round keeps the key's name, so an opt-out redistributes by the same
    key. The key must cover every municipality of the grant year's register.
    """
    if round_.grants:
        raise GrantError(
            f"The round {round_.key} already has {len(round_.grants)} grants, and an "
            "allocation makes all grants of a round at once. Use `grants opt-out` for a "
            "municipality that declines.")
    numbering = Numbering.for_year(round_.year)
    numbering.require()
    unknown = sorted(n for n in key.weights if numbering.check(n)[1])
    if unknown:
        raise GrantError(f"The key names municipalities not valid on 1 January "
                         f"{round_.year}: {', '.join(unknown)}.")
    uncovered = numbering.uncovered(key.weights)
    if uncovered:
        raise GrantError(f"Refused: {uncovered}.")
    try:
        shares = allocation.allocate_by_key(total, key.weights)
    except (TypeError, ValueError) as error:
        raise GrantError(str(error)) from error
    grants = [_new_grant(round_, n, shares[n], actor, "allocated", weight=str(key.weights[n]))
              for n in sorted(key.weights) if key.weights[n] > 0]
    db.session.add(AllocationKey(
        round=round_, name=key.name[:120], kind=key.kind, source=key.source[:255],
        register_year=round_.year, entries=len(key.weights), created_by=actor))
    audit.record("grants.allocate", "round", round_.key,
                 after={"total": total, "grants": len(grants), "key": key.name,
                        "kind": str(key.kind), "source": key.source})
    db.session.commit()
    return grants


# ---- opt-out ---------------------------------------------------------------------------


def opt_out(round_: Round, number: str, actor: str = SYSTEM, today: dt.date | None = None,
            *, force: bool = False) -> list[Grant]:
    """A municipality declines: its grant becomes 0 and the others share the pot again.

    The pot is what the allocated grants add up to now, so it stays the same; the
    money is shared by the round's key, whichever it is (key file, allocation list or
    population): the weights stored on the grants when they were made, to the krone by
    largest remainder. Returns the changed grants.
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
    key = round_key(round_)
    reason = f"opt-out of {number}" + (f" (forced: {late})" if late else "")
    changed = [g for g in active if _change(g, amounts[g.municipality_number], actor, reason,
                                            declined=g is grant)]
    audit.record("grant.opt-out", "grant", f"{round_.key}/{number}",
                 before={"amount": declined_amount},
                 after={"amount": 0, "redistributed_to": len(changed) - 1, "forced": force,
                        "key": key.name if key else None})
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
            "computed from positions, or made before keys were recorded), so there is no key "
            "to redistribute by.")
    return {g.municipality_number: Decimal(str(g.weight)) for g in grants}


def _change(grant: Grant, amount: int, actor: str, reason: str, *, declined: bool) -> bool:
    """Set a grant's new amount (and status, for the one declining); record the history."""
    status = GrantStatus.OPTED_OUT if declined else grant.status
    if grant.amount == amount and grant.status == status:
        return False
    # Added to the session, not appended to `grant.events`: appending loads each grant's
    # history first (one SELECT, and an autoflush, per grant: an opt-out in a round of 357
    # took seconds; bench/money.py). The backref does not load an unloaded collection.
    db.session.add(GrantEvent(grant=grant, actor=actor, reason=reason[:80],
                              amount_before=grant.amount, amount_after=amount,
                              status_before=grant.status, status_after=status))
    grant.amount, grant.status = amount, status
    return True


# ---- grants per position (765.62) --------------------------------------------------------


def position_rates(round_: Round) -> allocation.PositionRates:
    rates = round_.position_rates
    if not rates:
        raise GrantError(f"The round {round_.key} has no position rates; create it with "
                         "--rates, e.g. --rates 1=660000,2=550000,3=440000,4=330000.")
    if ANY_YEAR in rates:
        return allocation.PositionRates(flat=int(rates[ANY_YEAR]))
    return allocation.PositionRates(per_year={int(k): int(v) for k, v in rates.items()})


def chapter_grant_years(chapter_post: str, number: str) -> list[int]:
    """The years in which a municipality had a grant of a chapter/post (any scheme of it,
    e.g. both 765.62 schemes), not counting grants it declined. Grants made under an
    earlier number count: Tromsø 5501's 2021 grant was to 5401 (register.earlier_numbers)."""
    return list(db.session.scalars(
        sa.select(Round.year).join(Grant).join(Scheme)
        .where(Scheme.chapter_post == chapter_post,
               Grant.municipality_number.in_(sorted(register.earlier_numbers(number))),
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
    """A row check by the round's rates and its scheme's rules (schemes.yaml): who may
    apply, and which positions the scheme continues."""
    rates = position_rates(round_)
    is_new = _existing_check(round_)
    rules = rounds.scheme_rules(round_.scheme.slug)
    chapter_post = round_.scheme.chapter_post
    refusals: dict[str, str | None] = {}

    def check(row: Row, number: str) -> Position:
        is_new(number)
        if rules.checks_recipients(round_.year) and _NUMBER.fullmatch(number):
            if number not in refusals:
                refusals[number] = rules.recipient_refusal(
                    number, chapter_post, chapter_grant_years(chapter_post, number))
            if refusals[number]:
                raise ValueError(refusals[number])
        try:
            position = _position(row, rates)
        except NumberError as error:
            raise ValueError(f"percent {row.values['percent']!r}: {error.text('en')}") from error
        refusal = rules.position_refusal(round_.year, position.track_year)
        if refusal:
            raise ValueError(refusal)
        return position

    return check


def import_positions(round_: Round, data: str | bytes, filename: str,
                     actor: str = SYSTEM) -> ImportResult:
    """Make grants from positions (``kommunenummer;title;percent;track_year``).

    A municipality may have several rows, one per position; its grant is the sum by the
    round's rates, rounded once (rules.allocation.grant_for_positions).
    """
    result = ImportResult()
    numbering = Numbering.for_year(round_.year)
    try:
        numbering.require()
        rows = read_rows(data, filename, ("kommunenummer", "title", "percent", "track_year"))
        check = _position_checker(round_)
    except tabular.TableError as error:
        result.errors.extend(error.problems)
        return result
    except GrantError as error:
        result.errors.append(str(error))
        return result
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
    """Create a round; without ``rates``, with those the schemes file gives its year."""
    slug, year = rounds.parse_round_key(key)
    if rates is None:
        rates = rounds.scheme_rules(slug).rates_for(year)
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
