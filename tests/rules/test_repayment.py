"""The shipped repayment rules on hand-made facts: the seeds' cases, exact to the øre."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.loader import load_directory
from forms.rules import (
    MISUSED,
    MOVED,
    NOTHING,
    POSITION_CUT,
    UNUSED,
    WHOLE,
    answer_names,
    load_rules,
    load_rules_text,
)
from survey_app.questionnaires import DEFAULT_DIRECTORY
from survey_app.rules.repayment import UNDECLARED, Part, Proposal, evaluate, proposal, to_ore

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


# ---- the proposal: each krone once (issue 11, "Every krone claimed once") --------------------


def parts_of(scheme: str, values: dict[str, object]) -> list[Part]:
    rule_set = RULES.for_scheme(scheme)
    assert rule_set is not None
    return [Part(v.rule.id, v.rule.reclaims, v.amount_ore)
            for v in evaluate(rule_set, values, BOTH) if v.holds]


def proposed(scheme: str, values: dict[str, object]) -> Proposal:
    grant_ore = int(Decimal(str(values["grant.amount"])) * 100)
    return proposal(parts_of(scheme, values), grant_ore)


def test_money_moved_to_2023_is_the_unused_money_claimed_once():
    # seed 000: "Midlene kan ikke overføres til 2023": 40 000 kr unused in 2022 and moved
    values = facts(received=Decimal(100_000), used_amount=Decimal(60_000),
                   used_for_mapping=False, transferred_to_next_year=True,
                   transferred_amount=Decimal(40_000))
    assert held("lavterskel-psykisk-helse", values) == {
        "unused-funds": 4_000_000, "contrary-to-conditions-transfer": 4_000_000}
    made = proposed("lavterskel-psykisk-helse", values)
    assert made.amount_ore == 4_000_000
    counted = {line.part.rule_id: (line.counted_ore, line.within) for line in made.lines}
    assert counted == {"unused-funds": (4_000_000, ()),
                       "contrary-to-conditions-transfer": (0, ("unused-funds",))}


def test_a_non_reporter_owes_the_whole_grant_once():
    made = proposed("lavterskel-psykisk-helse", facts(**{"report.submitted": False}))
    assert made.amount_ore == 10_000_000 and not made.capped
    # whichever other part a flag still standing reclaims, the whole grant contains it
    made = proposal([Part("not-reported", WHOLE, 10_000_000),
                     Part("unused-funds", UNUSED, 4_000_000),
                     Part("contrary-to-conditions", MISUSED, 1_000_000)], 10_000_000)
    assert made.amount_ore == 10_000_000
    assert [line.within for line in made.lines] == [(), ("not-reported",), ("not-reported",)]


def test_money_used_for_kartlegging_comes_on_top_of_the_unused_money():
    # kartlegging is money used (mapping_amount <= used_amount): not the unused kroner
    values = facts(received=Decimal(100_000), used_amount=Decimal(80_000),
                   used_for_mapping=True, mapping_amount=Decimal("12500.50"),
                   transferred_to_next_year=False)
    assert proposed("lavterskel-psykisk-helse", values).amount_ore == 2_000_000 + 1_250_050


@pytest.mark.parametrize(("used", "expected_ore"), [
    (Decimal(700_000), 27_500_000),  # cut 275 000 > unused 125 000: the cut, once
    (Decimal(400_000), 42_500_000),  # unused 425 000 > cut 275 000: the unused, once
])
def test_a_reduced_position_and_unused_money_are_claimed_once(used, expected_ore):
    # granted 150 % (825 000 kr), reported 100 %: the municipality keeps only money it was
    # both entitled to (550 000) and used, so the larger of cut and unused is claimed
    values = facts(**{"grant.amount": Decimal(825_000),
                      "grant.position_percent": Decimal(150)},
                   received=Decimal(825_000), used_amount=used,
                   positions=[{"fte_percent": Decimal(100), "salary_cost": Decimal(700_000)}],
                   salary_above_grant=Decimal(-125_000))
    assert set(held("kommunalt-rusarbeid-overgang", values)) == {
        "reduced-position", "unused-funds"}
    assert proposed("kommunalt-rusarbeid-overgang", values).amount_ore == expected_ore


def test_two_rules_on_the_same_part_count_the_larger_once_and_nothing_counts_nothing():
    made = proposal([Part("a", UNUSED, 300), Part("b", UNUSED, 500),
                     Part("question", NOTHING, 0)], 10_000)
    assert made.amount_ore == 500
    assert [(line.counted_ore, line.within, line.claims_nothing) for line in made.lines] == [
        (0, ("b",), False), (500, (), False), (0, (), True)]


def test_the_proposal_is_capped_at_the_grant_and_says_so():
    made = proposal([Part("unused-funds", UNUSED, 8_000), Part("mapping", MISUSED, 5_000)],
                    10_000)
    assert made.amount_ore == 10_000 and made.parts_ore == 13_000 and made.capped


def test_a_flag_whose_rule_declares_no_part_is_counted_in_full():
    made = proposal([Part("unused-funds", UNUSED, 4_000), Part("gone", UNDECLARED, 1_000)],
                    10_000)
    assert made.amount_ore == 5_000


KINDS = st.sampled_from([WHOLE, UNUSED, MOVED, MISUSED, POSITION_CUT, NOTHING, UNDECLARED])


@settings(max_examples=300, deadline=None)
@given(grant_ore=st.integers(0, 10**12),
       parts=st.lists(st.tuples(KINDS, st.integers(0, 10**12)), max_size=7))
def test_a_proposal_never_exceeds_the_grant_nor_misses_the_largest_part(grant_ore, parts):
    given_parts = [Part(f"r{i}", kind, 0 if kind == NOTHING else amount)
                   for i, (kind, amount) in enumerate(parts)]
    made = proposal(given_parts, grant_ore)
    amounts = [p.amount_ore for p in given_parts]
    assert made.amount_ore <= grant_ore
    if any(p.reclaims == WHOLE for p in given_parts):
        assert made.amount_ore == grant_ore  # the whole grant, as it is now, once
        return
    assert made.amount_ore <= sum(amounts)  # never more than the rules say together
    assert made.amount_ore >= min(max(amounts, default=0), grant_ore)  # nor less than one


def test_a_rule_that_reclaims_nothing_must_propose_nothing():
    text = """scheme: lavterskel-psykisk-helse
rules:
  - id: a-question
    title: {nb: Spørsmål}
    evaluated: on_submit
    condition: "used_amount > 0"
    amount: "used_amount"
    reclaims: none
    severity: clarification
    explanation: {nb: Forklaring}
"""
    rule_set, problems = load_rules_text(text, "r.yaml", answer_names(QUESTIONNAIRES))
    assert rule_set is None
    assert [p.text("en") for p in problems] == [
        'r.yaml:7:13: A rule with reclaims: none claims nothing back, so its amount must be '
        '"0" (now: used_amount). Say which part of the grant the rule reclaims.']
