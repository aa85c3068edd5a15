"""Repayment rules applied to one grant's facts: pure, so it is fast and testable alone.

The facts are the answers of the latest submission (as expressions see them), the
municipality's figures and the report's state (forms.rules.REPORT_NAMES). A rule whose
condition cannot be decided (an answer it needs is missing) does not hold: a flag is
never raised on a guess. A proposed amount is rounded half up to the øre, and never
below zero; when it cannot be computed it is 0 and the explanation says so.

A grant's proposed repayment is not the sum of its flags: `proposal` combines the parts
of the grant the flags reclaim so that each krone counts once (see the comment above it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from forms.answers import to_json
from forms.rules import (
    MISUSED,
    MOVED,
    NOTHING,
    POSITION_CUT,
    UNUSED,
    WHOLE,
    Rule,
    RuleSet,
)

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


# ---- a grant's proposal: the money at stake, each krone once ---------------------------------
#
# Every rule declares the part of the grant its amount is (forms.rules.RECLAIMS). The parts
# are read as the grant's money laid out once (the project's reading of seeds 000 and 001,
# which say on what grounds money is claimed back but not how the grounds overlap):
#
#   whole         the whole grant (not reported), as it is now: every other part lies
#                 within it (seed 000: "Dersom kommunen ikke rapporterer ... vil midlene bli
#                 krevd tilbakebetalt");
#   unused        not used in the grant year;
#   moved         moved to the next year: money not used in the grant year, so within the
#                 unused part (seed 000: "kan ikke overføres til 2023 og må benyttes i 2022");
#   misused       used, but contrary to the conditions (seed 000: "kartlegging o.l."): used
#                 money, so beside the unused part, never within it;
#   position-cut  the grant beyond what the reported positions entitle to (seed 001:
#                 "reduseres forholdsmessig"): the municipality keeps only money it both was
#                 entitled to and used by the conditions, so the claim is the larger of the
#                 cut and (unused + misused), never their sum;
#   none          nothing (a question for the municipality, a matter for review).
#
# Two rules declaring the same part point at the same kroner: the larger counts. A flag
# whose rule declares no part (UNDECLARED: a flag raised before parts existed, whose rule
# has since left the rules file) is added in full, so no claimed money silently vanishes;
# the cap below still holds. The proposal is never more than the grant. All of this is the
# project's choice where the seeds are silent.

UNDECLARED = "undeclared"


@dataclass(frozen=True)
class Part:
    """One standing flag's claim on its grant."""

    rule_id: str
    reclaims: str  # forms.rules.RECLAIMS, or UNDECLARED
    amount_ore: int


@dataclass(frozen=True)
class Line:
    """How one part counts in the proposal."""

    part: Part
    counted_ore: int  # what this part adds to the proposal (before the cap)
    within: tuple[str, ...] = ()  # rule ids whose lines count these same kroner instead

    @property
    def claims_nothing(self) -> bool:
        return self.part.reclaims == NOTHING


@dataclass(frozen=True)
class Proposal:
    amount_ore: int  # the proposed repayment: the money at stake, each krone once
    grant_ore: int
    lines: tuple[Line, ...]

    @property
    def parts_ore(self) -> int:
        """What the counted parts come to before the cap at the grant."""
        return sum(line.counted_ore for line in self.lines)

    @property
    def capped(self) -> bool:
        return self.parts_ore > self.amount_ore


def _largest(parts: Sequence[Part]) -> dict[str, Part]:
    """The part that counts for each kind: the largest amount (the first on a tie)."""
    found: dict[str, Part] = {}
    for part in parts:
        if part.reclaims not in found or part.amount_ore > found[part.reclaims].amount_ore:
            found[part.reclaims] = part
    return found


def _counting(largest: Mapping[str, Part]) -> dict[str, tuple[str, ...]]:
    """Each kind present -> () when its largest part counts, or the kinds counting its
    kroner instead (the combination described above)."""
    amount = {kind: part.amount_ore for kind, part in largest.items()}
    kinds = set(largest) - {NOTHING}
    if WHOLE in kinds:
        return {kind: (WHOLE,) for kind in kinds - {WHOLE}} | {WHOLE: ()}
    within: dict[str, tuple[str, ...]] = {kind: () for kind in kinds}
    if UNUSED in kinds and MOVED in kinds:  # the same unused kroner: the larger counts
        smaller, larger = ((MOVED, UNUSED) if amount[MOVED] <= amount[UNUSED]
                           else (UNUSED, MOVED))
        within[smaller] = (larger,)
    spending = [k for k in (UNUSED, MOVED, MISUSED) if k in kinds and not within[k]]
    if POSITION_CUT in kinds and spending:
        if amount[POSITION_CUT] > sum(amount[k] for k in spending):
            within.update({k: (POSITION_CUT,) for k in (UNUSED, MOVED, MISUSED) if k in kinds})
        else:
            within[POSITION_CUT] = tuple(spending)
    return within


def proposal(parts: Sequence[Part], grant_ore: int) -> Proposal:
    """A grant's proposed repayment from the parts its standing flags reclaim: overlapping
    parts count once, and never more than the grant. The one place this is computed: the
    claim form, the flags list, the case page and the economy export all use it."""
    grant_ore = max(grant_ore, 0)
    largest = _largest(parts)
    within_kinds = _counting(largest)
    lines = []
    for part in parts:
        if part.reclaims == NOTHING:
            lines.append(Line(part, 0))
            continue
        counted_by = largest[part.reclaims]
        if counted_by is not part:  # another rule reclaims this same part, with more
            lines.append(Line(part, 0, (counted_by.rule_id,)))
            continue
        others = within_kinds[part.reclaims]
        counted = grant_ore if part.reclaims == WHOLE else part.amount_ore
        lines.append(Line(part, 0 if others else counted,
                          tuple(largest[kind].rule_id for kind in others)))
    total = sum(line.counted_ore for line in lines)
    return Proposal(min(total, grant_ore), grant_ore, tuple(lines))


def left_to_claim(proposed_ore: int, claimed_ore: int) -> int:
    """What the claim form proposes: the proposal less what live claims already cover."""
    return max(proposed_ore - claimed_ore, 0)
