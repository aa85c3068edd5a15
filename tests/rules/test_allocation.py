"""Tests of the grant allocation rules with the seeds' figures (seeds 000, 001, 003, 004)."""

from __future__ import annotations

import csv
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.rules.allocation import (
    Eligibility,
    Position,
    PositionRates,
    allocate_by_key,
    grant_for_positions,
    reallocate_after_opt_out,
    transitional_eligibility,
)

MUNICIPALITIES_CSV = Path(__file__).parents[2] / "survey_app" / "data" / "municipalities.csv"

# Seed 000: "Det er fordelt totalt 100 mill. kroner til alle landets kommuner for 2022."
POT = 100_000_000
# Seed 001, rules from 2021: year 1 incl. 10 000 for competence development.
TRACK_RATES = PositionRates(per_year={1: 660_000, 2: 550_000, 3: 440_000, 4: 330_000})
# Seeds 003/004: transitional scheme 2023–2024, "330 000 pr. 100 % stilling".
TRANSITIONAL_RATES = PositionRates(flat=330_000)


def population_key(valid_from: str = "2024-01-01") -> dict[str, int]:
    """kommunenummer → innbyggere from the shipped register, of one numbering (2024's, or
    2020–2023's with ``valid_from="2020-01-01"``)."""
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter=";")
        return {row["kommunenummer"]: int(row["innbyggere"]) for row in rows
                if row["gyldig_fra"] == valid_from}


# --- allocate_by_key -------------------------------------------------------------------


def test_pot_over_all_municipalities_sums_exactly() -> None:
    key = population_key()
    assert len(key) == 357
    shares = allocate_by_key(POT, key)
    assert len(shares) == 357
    assert sum(shares.values()) == POT
    weight_sum = sum(key.values())
    for kommune, amount in shares.items():
        assert abs(amount - Fraction(POT * key[kommune], weight_sum)) < 1


def test_opt_out_redistributes_to_the_others() -> None:
    key = population_key()
    before = allocate_by_key(POT, key)
    opted_out = {"1826", "5025", "3405"}
    after = reallocate_after_opt_out(POT, key, opted_out)
    assert set(after) == set(key)
    assert all(after[k] == 0 for k in opted_out)
    others = {k: v for k, v in after.items() if k not in opted_out}
    assert len(others) == 354
    assert sum(others.values()) == POT
    assert all(after[k] >= before[k] for k in others)


def test_result_does_not_depend_on_key_order() -> None:
    key = population_key()
    items = list(key.items())
    random.Random(2022).shuffle(items)
    assert allocate_by_key(POT, dict(items)) == allocate_by_key(POT, key)
    assert reallocate_after_opt_out(POT, dict(items), ["1826"]) == reallocate_after_opt_out(
        POT, key, ["1826"]
    )


def test_tie_goes_to_lowest_kommunenummer() -> None:
    # Equal remainders and equal weights: the extra krone goes to the lowest number.
    assert allocate_by_key(10, {"5001": 1, "0301": 1, "1103": 1}) == {
        "0301": 4,
        "1103": 3,
        "5001": 3,
    }


def test_largest_remainders_get_the_left_over_kroner() -> None:
    # 3 kr by 1:1:2 → exact 0.75, 0.75, 1.5 → floors 0, 0, 1; two kroner left go to the
    # two largest remainders (0.75 each), not to the 0.5.
    assert allocate_by_key(3, {"0002": 1, "0001": 1, "0003": 2}) == {
        "0001": 1,
        "0002": 1,
        "0003": 1,
    }
    # 3 kr by 1:4:1 → 0.5, 2.0, 0.5: one krone left, tie between equal weights → lower number.
    assert allocate_by_key(3, {"0009": 1, "0005": 4, "0001": 1}) == {
        "0001": 1,
        "0005": 2,
        "0009": 0,
    }


def test_larger_weight_wins_a_remainder_tie() -> None:
    # 2 kr by 1:3 → 0.5 and 1.5: one krone left, remainders tie at 0.5; the larger weight wins.
    assert allocate_by_key(2, {"0001": 1, "0002": 3}) == {"0001": 0, "0002": 2}


def test_zero_weight_gets_nothing_and_exact_weights_are_accepted() -> None:
    shares = allocate_by_key(7, {"0001": 0, "0002": Decimal("1.5"), "0003": Fraction(1, 2)})
    assert shares == {"0001": 0, "0002": 5, "0003": 2}
    assert allocate_by_key(0, {"0001": 1, "0002": 2}) == {"0001": 0, "0002": 0}


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        (-1, {"0001": 1}, "negativt"),
        (10, {}, "tom"),
        (10, {"0001": 1, "0002": -1}, "negative vekter: 0002"),
        (10, {"0001": 0, "0002": 0}, "null"),
        (10, {"0001": Decimal("NaN")}, "endelig"),
    ],
)
def test_allocate_refuses_bad_input(total: int, weights: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allocate_by_key(total, weights)


def test_allocate_refuses_floats() -> None:
    with pytest.raises(TypeError):
        allocate_by_key(10, {"0001": 0.5})
    with pytest.raises(TypeError):
        allocate_by_key(10.0, {"0001": 1})  # type: ignore[arg-type]


def test_opt_out_refuses_unknown_and_everyone() -> None:
    with pytest.raises(ValueError, match=r"Ukjente kommunenummer.*9999"):
        reallocate_after_opt_out(10, {"0001": 1}, ["9999"])
    with pytest.raises(ValueError, match="Alle kommunene har takket nei"):
        reallocate_after_opt_out(10, {"0001": 1, "0002": 2}, ["0001", "0002"])


@settings(database=None, deadline=None, max_examples=200)
@given(
    total=st.integers(min_value=0, max_value=10**9),
    raw=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=400),
)
def test_property_sum_is_exact_and_shares_within_one_krone(total: int, raw: list[int]) -> None:
    if not any(raw):
        raw = [*raw[:-1], 1]
    weights = {f"{i:04d}": w for i, w in enumerate(raw)}
    shares = allocate_by_key(total, weights)
    assert sum(shares.values()) == total
    weight_sum = sum(raw)
    for kommune, amount in shares.items():
        exact = Fraction(total * weights[kommune], weight_sum)
        assert abs(amount - exact) < 1
        if weights[kommune] == 0:
            assert amount == 0


# --- grant_for_positions ---------------------------------------------------------------


def test_full_and_half_position_in_year_two() -> None:
    positions = [Position(100, 2), Position(50, 2)]
    assert grant_for_positions(positions, TRACK_RATES) == 825_000


def test_year_one_full_position_includes_competence_money() -> None:
    assert grant_for_positions([Position(100, 1)], TRACK_RATES) == 660_000


def test_transitional_scheme_2024_at_80_percent() -> None:
    # Started 2021, so 2024 is year 4; the flat rate applies whatever the year.
    assert grant_for_positions([Position(80, 4)], TRANSITIONAL_RATES) == 264_000
    assert grant_for_positions([Position(Decimal("80.0"), 2)], TRANSITIONAL_RATES) == 264_000


def test_rounding_is_half_up_on_the_total() -> None:
    rates = PositionRates(per_year={1: 3})
    # One 50 % position: 1.5 kr → 2 kr (half up).
    assert grant_for_positions([Position(50, 1)], rates) == 2
    # Two 50 % positions: exact 3 kr; rounding per position would have given 4.
    assert grant_for_positions([Position(50, 1), Position(50, 1)], rates) == 3
    # 33.3 % of 550 000 is exact: 183 150 kr.
    assert grant_for_positions([Position(Decimal("33.3"), 2)], TRACK_RATES) == 183_150
    # 1/3-ish: 33.33 % of 440 001 = 146 652.3333 → 146 652.
    assert grant_for_positions([Position(Decimal("33.33"), 1)], PositionRates({1: 440_001})) == (
        146_652
    )


def test_no_positions_give_no_grant() -> None:
    assert grant_for_positions([], TRACK_RATES) == 0


@pytest.mark.parametrize("percent", [0, -10, 101, Decimal("100.01"), Decimal("0")])
def test_position_percent_outside_range_is_refused(percent: Decimal | int) -> None:
    with pytest.raises(ValueError, match="Stillingsprosenten"):
        grant_for_positions([Position(percent, 1)], TRACK_RATES)


def test_float_position_percent_is_refused() -> None:
    with pytest.raises(TypeError):
        grant_for_positions([Position(0.5, 1)], TRACK_RATES)  # type: ignore[arg-type]


@pytest.mark.parametrize("year", [0, 5, -1])
def test_unknown_year_in_track_is_refused(year: int) -> None:
    with pytest.raises(ValueError, match=r"(?i)år i løpet"):
        grant_for_positions([Position(100, year)], TRACK_RATES)


def test_rates_are_frozen_data() -> None:
    table = {1: 660_000}
    rates = PositionRates(per_year=table)
    table[1] = 1
    assert rates.rate_for(1) == 660_000
    with pytest.raises(TypeError):
        rates.per_year[1] = 2  # type: ignore[index]
    with pytest.raises(ValueError, match="nøyaktig én"):
        PositionRates()
    with pytest.raises(ValueError, match="nøyaktig én"):
        PositionRates(per_year={1: 1}, flat=1)
    with pytest.raises(ValueError, match="Satsen"):
        PositionRates(per_year={1: -1})


# --- transitional_eligibility ----------------------------------------------------------


def test_municipality_with_2021_grant_is_eligible() -> None:
    result = transitional_eligibility("3405", [2019, 2020, 2021])
    assert isinstance(result, Eligibility)
    assert result.eligible
    assert "2021" in result.reason


def test_municipality_without_2021_grant_is_refused_with_reason() -> None:
    result = transitional_eligibility("1826", [2019, 2020, 2022])
    assert not result.eligible
    assert result.reason == (
        "Kommunen fikk ikke tilskudd over ordningen i 2021, og kan derfor ikke søke "
        "overgangsordningen (jf. utlysningen)."
    )
    assert not transitional_eligibility("1826", []).eligible


def test_eligibility_refuses_malformed_kommunenummer() -> None:
    with pytest.raises(ValueError, match="fire sifre"):
        transitional_eligibility("301", [2021])
