"""Grant allocation rules as pure functions over whole kroner.

Why pure and exact: the amounts end up in decision letters and repayment claims, so
they must be reproducible to the krone and must add up to the appropriation exactly
(docs/domain.md, "Money"). Nothing here touches Flask or the database, and no value
ever passes through a binary float: weights and shares are ``Fraction``s and results
are ``int`` kroner.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

Weight = int | Decimal | Fraction


def _exact(value: object, what: str) -> Fraction:
    """Convert an int/Decimal/Fraction to a Fraction, refusing floats and bools.

    Floats are refused because their binary rounding would leak into money.
    """
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        raise TypeError(f"{what} må være int, Decimal eller Fraction, ikke {type(value).__name__}")
    try:
        return Fraction(value)
    except (ValueError, OverflowError) as exc:  # Decimal NaN / Infinity
        raise ValueError(f"{what} er ikke et endelig tall: {value!r}") from exc


def _check_key(total: int, weights: Mapping[str, Weight]) -> dict[str, Fraction]:
    """Validate the pot and the key; return the key as exact fractions."""
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError("Beløpet som skal fordeles må være et heltall kroner.")
    if total < 0:
        raise ValueError(f"Beløpet som skal fordeles kan ikke være negativt ({total}).")
    if not weights:
        raise ValueError("Fordelingsnøkkelen er tom; det finnes ingen mottakere.")
    exact = {kommune: _exact(w, f"Vekten for {kommune}") for kommune, w in weights.items()}
    negative = sorted(k for k, w in exact.items() if w < 0)
    if negative:
        raise ValueError(f"Fordelingsnøkkelen har negative vekter: {', '.join(negative)}.")
    if not any(exact.values()):
        raise ValueError("Alle vektene i fordelingsnøkkelen er null; ingen kan få tilskudd.")
    return exact


def allocate_by_key(total: int, weights: Mapping[str, Weight]) -> dict[str, int]:
    """Distribute ``total`` whole kroner by a key with the largest-remainder method.

    Why this method: a pot such as seed 000's 100 mill. kr "fordelt ... etter
    helsenøkkelen" must add up to the pot to the krone, and each municipality should
    get as close to its exact proportional share as whole kroner allow.

    Each entry first gets ``floor(total * w / sum(w))``; the kroner left over (fewer
    than the number of entries) go one each to the largest fractional remainders.
    Ties are broken deterministically: larger remainder first, then larger weight,
    then kommunenummer ascending (string order, which is numeric order for the
    four-digit, zero-padded numbers). Hence every share is within 1 krone of the exact
    share, zero weights get 0, the sum is exactly ``total``, and the result does not
    depend on the order of ``weights``. The result is ordered by kommunenummer.

    Raises ValueError for a negative total, an empty key, negative weights or
    all-zero weights; TypeError for floats.
    """
    exact = _check_key(total, weights)
    weight_sum = sum(exact.values())
    shares: dict[str, int] = {}
    remainders: dict[str, Fraction] = {}
    for kommune, weight in exact.items():
        quota = total * weight / weight_sum
        shares[kommune] = math.floor(quota)
        remainders[kommune] = quota - shares[kommune]
    left_over = total - sum(shares.values())
    order = sorted(exact, key=lambda k: (-remainders[k], -exact[k], k))
    for kommune in order[:left_over]:
        shares[kommune] += 1
    return {kommune: shares[kommune] for kommune in sorted(shares)}


def reallocate_after_opt_out(
    total: int, weights: Mapping[str, Weight], opted_out: Iterable[str]
) -> dict[str, int]:
    """Allocate ``total`` again after some municipalities declined the grant.

    Why: seed 000 says "Midler til kommuner som ikke ønsker disse tildelt vil fordeles
    til andre kommuner" — a municipality that declines by the deadline gets 0 and its
    money goes to the others by the same key, so the sum stays exactly ``total``.
    The opted-out municipalities stay in the result with 0, so the list still covers
    every municipality in the key.

    Raises ValueError for numbers not in the key and when everyone has opted out.
    """
    declined = set(opted_out)
    unknown = sorted(declined - weights.keys())
    if unknown:
        raise ValueError(
            f"Ukjente kommunenummer i listen over kommuner som takker nei: {', '.join(unknown)}."
        )
    if weights and declined >= weights.keys():
        raise ValueError("Alle kommunene har takket nei; tilskuddet kan ikke fordeles.")
    remaining = {k: (0 if k in declined else w) for k, w in weights.items()}
    return allocate_by_key(total, remaining)


def _freeze_rates(per_year: Mapping[int, int]) -> Mapping[int, int]:
    """Validate a year-in-track → kroner table and return a read-only copy."""
    for year, rate in per_year.items():
        if isinstance(year, bool) or not isinstance(year, int) or year < 1:
            raise ValueError(f"År i løpet må være et positivt heltall, ikke {year!r}.")
        if isinstance(rate, bool) or not isinstance(rate, int) or rate < 0:
            raise ValueError(f"Satsen for år {year} må være et ikke-negativt heltall kroner.")
    return MappingProxyType(dict(per_year))


@dataclass(frozen=True)
class PositionRates:
    """Kroner per 100 % position, per year in the track, for one grant round.

    Why a data object: the rates change per round (seed 001's 660 000 / 550 000 /
    440 000 / 330 000 for year 1–4, rules from 2021; seeds 003/004's flat 330 000 per
    100 % position in the transitional scheme 2023–2024), so they are configuration,
    not code. Give either ``per_year`` or ``flat`` (a rate for any year in the track).
    """

    per_year: Mapping[int, int] = field(default_factory=dict)
    flat: int | None = None

    def __post_init__(self) -> None:
        """Validate and freeze the table so a round's rates cannot change under us."""
        if (self.flat is None) == (not self.per_year):
            raise ValueError("Oppgi nøyaktig én av: satser per år i løpet, eller én flat sats.")
        if self.flat is not None and (
            isinstance(self.flat, bool) or not isinstance(self.flat, int) or self.flat < 0
        ):
            raise ValueError("Den flate satsen må være et ikke-negativt heltall kroner.")
        object.__setattr__(self, "per_year", _freeze_rates(self.per_year))

    def rate_for(self, year_in_track: int) -> int:
        """Kroner per 100 % position in ``year_in_track``; ValueError if not in the round."""
        if isinstance(year_in_track, bool) or not isinstance(year_in_track, int):
            raise ValueError(f"År i løpet må være et heltall, ikke {year_in_track!r}.")
        if year_in_track < 1:
            raise ValueError(f"År i løpet må være 1 eller mer, ikke {year_in_track}.")
        if self.flat is not None:
            return self.flat
        if year_in_track not in self.per_year:
            known = ", ".join(str(y) for y in sorted(self.per_year))
            raise ValueError(f"Ukjent år i løpet: {year_in_track} (satser finnes for {known}).")
        return self.per_year[year_in_track]


@dataclass(frozen=True)
class Position:
    """One position applied for: its position % and which year of the track it is in."""

    fte_percent: Decimal | int
    year_in_track: int


def _position_share(position: Position) -> Fraction:
    """The position % as an exact fraction of a full position, refusing (0, 100] breaches."""
    percent = _exact(position.fte_percent, "Stillingsprosenten")
    if not 0 < percent <= 100:
        raise ValueError(
            f"Stillingsprosenten må være over 0 og høyst 100, ikke {position.fte_percent}."
        )
    return percent / 100


def _round_half_up(value: Fraction) -> int:
    """Round a non-negative exact amount to whole kroner, halves upwards."""
    return math.floor(value + Fraction(1, 2))


def grant_for_positions(positions: Iterable[Position], rates: PositionRates) -> int:
    """The grant in whole kroner for the positions of one application.

    Why proportional: seeds 001 and 003 — "Beregningen tar utgangspunkt i 100 %
    stillingsressurs. Ved reduksjon i stillingsprosent, reduseres tilskuddet
    tilsvarende."

    Rounding decision: each position's amount is kept exact (a Fraction) and the
    rounding to whole kroner happens once, on the total, half up. Rounding once keeps
    the grant as close as possible to the rule; rounding per position could add up to
    half a krone of drift per position.

    Raises ValueError for a position % outside (0, 100] and a year not in ``rates``.
    """
    exact = sum(
        (_position_share(p) * rates.rate_for(p.year_in_track) for p in positions),
        start=Fraction(0),
    )
    return _round_half_up(exact)


@dataclass(frozen=True)
class Eligibility:
    """Whether a municipality may apply, with the reason shown to it (bokmål)."""

    eligible: bool
    reason: str


TRANSITIONAL_QUALIFYING_YEAR = 2021
_KOMMUNENUMMER = re.compile(r"[0-9]{4}")


def transitional_eligibility(kommunenummer: str, grant_years: Iterable[int]) -> Eligibility:
    """May the municipality apply for the transitional scheme of 765.62?

    Why: the scheme exists only to protect municipalities already in the old scheme.
    Seed 004: "Bare kommuner som fikk tilskudd i 2021 kan søke" and "Bare til
    videreføring av eksisterende stillinger"; seed 003: "Kun kommuner som tidligere
    har fått tilskudd, og til videreføring inntil 4 år". ``grant_years`` are the years
    in which the municipality received the 765.62 grant.
    """
    if not (isinstance(kommunenummer, str) and _KOMMUNENUMMER.fullmatch(kommunenummer)):
        raise ValueError(f"Kommunenummer må være fire sifre, ikke {kommunenummer!r}.")
    if TRANSITIONAL_QUALIFYING_YEAR in set(grant_years):
        return Eligibility(
            eligible=True,
            reason=(
                "Kommunen fikk tilskudd over ordningen i 2021, og kan søke "
                "overgangsordningen for å videreføre eksisterende stillinger."
            ),
        )
    return Eligibility(
        eligible=False,
        reason=(
            "Kommunen fikk ikke tilskudd over ordningen i 2021, og kan derfor ikke søke "
            "overgangsordningen (jf. utlysningen)."
        ),
    )
