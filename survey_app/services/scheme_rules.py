"""A scheme's own rules, as the schemes file configures them: which grant years it has
rounds for, who may apply, which positions it funds, and its kroner per position.

Why configuration: these rules come from the calls for applications (seeds 001, 003 and
004 for 765.62) and change from year to year, so they live in
``questionnaires/schemes/schemes.yaml`` next to the scheme, with the seed quoted there.
A scheme without a ``rules`` entry has none of these limits and no position rates.

This module is pure: it reads one YAML entry into ``SchemeRules`` and answers questions
about it; the database and Flask stay in ``rounds`` and ``grants``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

ANY_YEAR = "any"  # a rate key: one rate whatever the year in the track
TRACK_YEARS = ("1", "2", "3", "4")


class SchemeRulesError(ValueError):
    """The schemes file's ``rules`` for a scheme cannot be read; says where and why."""


@dataclass(frozen=True)
class YearRefusal:
    """A grant year the scheme has no round for, with the scheme's first or last year."""

    slug: str
    year: int
    first_year: int | None
    last_year: int | None

    @property
    def too_late(self) -> bool:
        return self.last_year is not None and self.year > self.last_year

    def text(self) -> str:
        """The reason in English, for the command line and logs."""
        if self.too_late:
            return (f"Refused: {self.slug} has no round for {self.year}: its last round is "
                    f"for {self.last_year} (the scheme ends in {self.last_year}).")
        return (f"Refused: {self.slug} has no round for {self.year}: its first round is "
                f"for {self.first_year}.")


@dataclass(frozen=True)
class SchemeRules:
    """What one scheme allows; every field empty means no limit and no rates."""

    slug: str
    first_year: int | None = None
    last_year: int | None = None
    # Only municipalities that had a grant of the scheme's chapter/post in this year.
    recipients_of_year: int | None = None
    # Only positions first funded in ``recipients_of_year`` or before (existing ones).
    continuing_positions_only: bool = False
    # Grant year -> {"1": kroner, ...} or {"any": kroner}: kroner per 100 % position.
    position_rates: Mapping[int, Mapping[str, int]] = field(
        default_factory=lambda: MappingProxyType({}))

    def year_refusal(self, year: int) -> YearRefusal | None:
        """Why the scheme has no round for ``year``; None when it may have one."""
        if (self.first_year is not None and year < self.first_year) or (
                self.last_year is not None and year > self.last_year):
            return YearRefusal(self.slug, year, self.first_year, self.last_year)
        return None

    def rates_for(self, year: int) -> dict[str, int] | None:
        """The configured kroner per 100 % position for a round of ``year``, or None.

        None means no default: such a round takes per-position grants only with rates
        given when it is created (``rounds create --rates``).
        """
        rates = self.position_rates.get(year)
        return dict(rates) if rates is not None else None

    def checks_recipients(self, year: int) -> bool:
        """Whether a round of ``year`` is limited to the recipients of the qualifying year.

        The project's choice: the qualifying year's own round (and any before it) records
        the grants that qualify a municipality, so it is not limited by them.
        """
        return self.recipients_of_year is not None and year > self.recipients_of_year

    def recipient_refusal(self, number: str, chapter_post: str,
                          grant_years: Iterable[int]) -> str | None:
        """Why ``number`` may not apply in this scheme; None when it may."""
        year = self.recipients_of_year
        if year is None or year in set(grant_years):
            return None
        return (f"{number} may not apply: it had no {chapter_post} grant in {year}, and "
                f"{self.slug} is only for the municipalities that had one in {year}")

    def position_refusal(self, round_year: int, track_year: int) -> str | None:
        """Why a position in ``track_year`` of its track may not be funded in a round of
        ``round_year``; None when it may.

        A position in year N of its track in year Y was first funded in Y - N + 1. A
        scheme for continuing positions only funds those first funded in the qualifying
        year or before: a position first funded in the round's own year is new, and one
        first funded in a later transitional year would have been new then.
        """
        qualifying = self.recipients_of_year
        if not self.continuing_positions_only or qualifying is None:
            return None
        first_funded = round_year - track_year + 1
        if first_funded <= qualifying:
            return None
        if first_funded == round_year:
            return (f"track_year {track_year}: a position in its first year is first funded "
                    f"in {round_year}, and {self.slug} only continues existing positions "
                    f"(first funded in {qualifying} or before)")
        return (f"track_year {track_year}: a position in year {track_year} of its track in "
                f"{round_year} was first funded in {first_funded}, and {self.slug} only "
                f"continues existing positions (first funded in {qualifying} or before)")


def _year(entry: Mapping[str, Any], key: str, where: str) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        raise SchemeRulesError(f"{where}: {key} must be a year such as 2024, not {value!r}")
    return value


def _rates(year: object, rates: object, where: str) -> tuple[int, Mapping[str, int]]:
    if isinstance(year, bool) or not isinstance(year, int):
        raise SchemeRulesError(f"{where}: position_rates are by grant year, not {year!r}")
    if not isinstance(rates, Mapping) or not rates:
        raise SchemeRulesError(f"{where}: position_rates for {year} must map the year in "
                               "the track (1-4) or 'any' to kroner")
    table: dict[str, int] = {}
    for key, amount in rates.items():
        name = str(key).strip().lower()
        if name not in (*TRACK_YEARS, ANY_YEAR):
            raise SchemeRulesError(f"{where}: position_rates for {year}: {key!r} is not 1-4 "
                                   "or 'any'")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise SchemeRulesError(f"{where}: position_rates for {year}: {amount!r} is not "
                                   "whole kroner")
        table[name] = amount
    if ANY_YEAR in table and len(table) > 1:
        raise SchemeRulesError(f"{where}: position_rates for {year}: give 'any' alone, or "
                               "rates for the years in the track")
    return year, MappingProxyType(table)


def parse_rules(slug: str, entry: Mapping[str, Any] | None) -> SchemeRules:
    """``SchemeRules`` from a scheme's ``rules`` mapping in the schemes file (or none)."""
    where = f"schemes.yaml, {slug}, rules"
    if entry is None:
        return SchemeRules(slug)
    if not isinstance(entry, Mapping):
        raise SchemeRulesError(f"{where}: must be a mapping")
    unknown = sorted(set(entry) - {"first_year", "last_year", "recipients_of_year",
                                   "continuing_positions_only", "position_rates"})
    if unknown:
        raise SchemeRulesError(f"{where}: unknown {', '.join(map(str, unknown))}")
    continuing = entry.get("continuing_positions_only", False)
    if not isinstance(continuing, bool):
        raise SchemeRulesError(f"{where}: continuing_positions_only must be true or false")
    recipients = _year(entry, "recipients_of_year", where)
    if continuing and recipients is None:
        raise SchemeRulesError(f"{where}: continuing_positions_only needs "
                               "recipients_of_year (positions existing by then continue)")
    rates = entry.get("position_rates") or {}
    if not isinstance(rates, Mapping):
        raise SchemeRulesError(f"{where}: position_rates must map grant years to rates")
    rules = SchemeRules(
        slug=slug, first_year=_year(entry, "first_year", where),
        last_year=_year(entry, "last_year", where), recipients_of_year=recipients,
        continuing_positions_only=continuing,
        position_rates=MappingProxyType(dict(_rates(y, r, where) for y, r in rates.items())))
    if rules.first_year and rules.last_year and rules.first_year > rules.last_year:
        raise SchemeRulesError(f"{where}: first_year is after last_year")
    outside = sorted(y for y in rules.position_rates if rules.year_refusal(y))
    if outside:
        raise SchemeRulesError(f"{where}: position_rates for {', '.join(map(str, outside))}, "
                               "a year the scheme has no round for")
    return rules
