"""The shipped repayment rules on hand-made facts: the seeds' cases, exact to the øre."""

from __future__ import annotations

from decimal import Decimal

import pytest

from forms.loader import load_directory
from forms.rules import load_rules
from survey_app.questionnaires import DEFAULT_DIRECTORY
from survey_app.rules.repayment import evaluate, to_ore

QUESTIONNAIRES = load_directory(DEFAULT_DIRECTORY).questionnaires
RULES = load_rules(DEFAULT_DIRECTORY / "rules", QUESTIONNAIRES)
BOTH = ("on_submit", "after_deadline")


def facts(**answers: object) -> dict[str, object]:
    base = {"grant.amount": Decimal(100_000), "grant.year": 2022, "report.submitted": True,
            "report.late": False, "grant.position_percent": Decimal(0)}
    return {**base, **answers}


def held(scheme: str, values: dict[str, object]) -> dict[str, int]:
    rule_set = RULES.for_scheme(scheme)
    assert rule_set is not None
    return {v.rule.id: v.amount_ore for v in evaluate(rule_set, values, BOTH) if v.holds}


def test_every_shipped_rules_file_loads_and_every_scheme_has_rules():
    assert RULES.problems == []
    assert {r.scheme for r in RULES.rule_sets} == {q.id for q in QUESTIONNAIRES}


def test_reporting_80_000_used_of_100_000_proposes_20_000():
    values = facts(received=Decimal(100_000), used_amount=Decimal(80_000),
                   used_for_mapping=False, transferred_to_next_year=False)
    assert held("lavterskel-psykisk-helse", values) == {"unused-funds": 2_000_000}


def test_a_non_reporter_owes_the_whole_grant_after_the_deadline_only():
    values = facts(**{"report.submitted": False})
    assert held("lavterskel-psykisk-helse", values) == {"not-reported": 10_000_000}
    rule_set = RULES.for_scheme("lavterskel-psykisk-helse")
    assert not any(v.holds for v in evaluate(rule_set, values, ["on_submit"]))


def test_money_used_for_kartlegging_or_carried_over_is_flagged_for_review():
    values = facts(received=Decimal(100_000), used_amount=Decimal(100_000),
                   used_for_mapping=True, mapping_amount=Decimal("12500.50"),
                   transferred_to_next_year=True, transferred_amount=Decimal(5_000))
    assert held("lavterskel-psykisk-helse", values) == {
        "contrary-to-conditions": 1_250_050, "contrary-to-conditions-transfer": 500_000}
    severities = {r.id: r.severity for r in RULES.for_scheme("lavterskel-psykisk-helse").rules}
    assert severities["contrary-to-conditions"] == "review"


def test_a_received_amount_other_than_the_grant_asks_for_clarification():
    values = facts(received=Decimal(90_000), used_amount=Decimal(100_000))
    assert held("lavterskel-psykisk-helse", values) == {"inconsistent-answers": 0}


def test_a_missing_answer_raises_no_flag_on_a_guess():
    assert held("lavterskel-psykisk-helse", facts()) == {}


def test_a_reduced_position_repays_the_proportional_difference():
    # granted 100 % + 50 % in year 2 (825 000 kr); the report shows 100 % only
    values = facts(**{"grant.amount": Decimal(825_000),
                      "grant.position_percent": Decimal(150)},
                   received=Decimal(825_000), used_amount=Decimal(825_000),
                   positions=[{"fte_percent": Decimal(100), "salary_cost": Decimal(700_000)}],
                   salary_above_grant=Decimal(-125_000))
    assert held("kommunalt-rusarbeid-overgang", values) == {"reduced-position": 27_500_000}


@pytest.mark.parametrize(("own", "documented", "flagged"), [
    (Decimal(200_000), "Vedtatt i økonomiplanen", False),
    (Decimal(100_000), "Vedtatt i økonomiplanen", True),  # covers only half
    (Decimal(200_000), None, True),  # not documented
])
def test_salary_costs_above_the_grant_need_documented_self_financing(own, documented, flagged):
    values = facts(received=Decimal(100_000), used_amount=Decimal(100_000),
                   salary_above_grant=Decimal(200_000), own_financing=own,
                   own_financing_documentation=documented)
    assert ("self-financing-missing" in held("kommunalt-rusarbeid-overgang", values)) is flagged


def test_amounts_round_half_up_to_the_ore_and_never_below_zero():
    assert to_ore(Decimal("0.005")) == 1
    assert to_ore(Decimal("-10")) == 0
    assert to_ore(None) is None
