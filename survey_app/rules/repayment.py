"""Repayment rules applied to one grant's facts: pure, so it is fast and testable alone.

The facts are the answers of the latest submission (as expressions see them), the
municipality's figures and the report's state (forms.rules.REPORT_NAMES). A rule whose
condition cannot be decided (an answer it needs is missing) does not hold: a flag is
never raised on a guess. A proposed amount is rounded half up to the øre, and never
below zero; when it cannot be computed it is 0 and the explanation says so.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from forms.answers import to_json
from forms.rules import Rule, RuleSet

ORE = Decimal("0.01")


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    holds: bool
    amount_ore: int = 0
    computed: bool = True  # False: the amount expression had no value
    figures: dict[str, Any] = field(default_factory=dict)  # every name it read, as JSON


def to_ore(amount: object) -> int | None:
    if not isinstance(amount, Decimal | int) or isinstance(amount, bool):
        return None
    ore = (Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(int(ore), 0)


def judge(rule: Rule, values: Mapping[str, object]) -> Verdict:
    names = sorted(rule.condition.names | rule.amount.names)
    figures = {name: to_json(values.get(name)) for name in names}
    if rule.condition.evaluate(values) is not True:
        return Verdict(rule, holds=False, figures=figures)
    ore = to_ore(rule.amount.evaluate(values))
    return Verdict(rule, holds=True, amount_ore=ore or 0, computed=ore is not None,
                   figures=figures)


def evaluate(rule_set: RuleSet, values: Mapping[str, object],
             phases: Collection[str]) -> list[Verdict]:
    """The verdict of every rule of these phases (`on_submit`, `after_deadline`)."""
    return [judge(rule, values) for rule in rule_set.rules if rule.phase in phases]
