"""Repayment rules as data: one YAML file per scheme in `questionnaires/rules/`.

A rule says, in the questionnaires' own expression language, when a grant should be
flagged and what repayment it proposes; the reviewer decides. The names a rule may use
are the answers of every version of the scheme's questionnaire (a question id keeps its
type across versions), the municipality's figures, and the report's state. Problems are
located as FILE:LINE:COLUMN with the same message catalogue as the questionnaires.

    scheme: lavterskel-psykisk-helse
    rules:
      - id: unused-funds
        title: {nb: Ubrukte midler, nn: Ubrukte midlar}
        evaluated: on_submit            # or after_deadline (deadline + grace)
        condition: "grant.amount - used_amount > 0"
        amount: "grant.amount - used_amount"
        reclaims: unused                # the part of the grant the amount is (RECLAIMS)
        severity: repayment             # repayment, review or clarification
        explanation: {nb: "...", nn: "..."}

`reclaims` says which part of the grant a rule's amount is, so that rules pointing at
the same kroner are counted once when a grant's proposal is made from its flags
(survey_app.rules.repayment.proposal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from forms import expressions as ex
from forms.loader import SLUG, Problem, Reader, expression_type
from forms.messages import Msg
from forms.model import Questionnaire, Text

PHASES = ("on_submit", "after_deadline")
SEVERITIES = ("repayment", "review", "clarification")
# The parts of a grant a rule can reclaim. How they overlap is survey_app.rules.repayment's
# `proposal`; the list is the project's reading of the seeds' grounds for repayment (seed
# 000: "ikke rapporterer ... ikke er brukt, eller ikke er brukt i henhold til vilkår";
# seed 001: "reduseres forholdsmessig ved lavere stillingsprosent").
WHOLE, UNUSED, MOVED, MISUSED, POSITION_CUT, NOTHING = (
    "whole", "unused", "moved", "misused", "position-cut", "none")
RECLAIMS = (WHOLE, UNUSED, MOVED, MISUSED, POSITION_CUT, NOTHING)
RULE_KEYS = frozenset({"id", "title", "evaluated", "condition", "amount", "reclaims",
                       "severity", "explanation"})
FILE_KEYS = frozenset({"scheme", "rules"})
# What a rule knows beyond the answers and the municipality's figures.
REPORT_NAMES: dict[str, ex.Type] = {
    "report.submitted": ex.BOOL,  # a submission exists (the latest counts)
    "report.late": ex.BOOL,  # the first submission came after the deadline
    "grant.position_percent": ex.NUMBER,  # the positions granted, in percent of a full one
}


@dataclass(frozen=True)
class Rule:
    id: str
    title: Text
    phase: str
    condition: Any  # Expression (BOOL)
    amount: Any  # Expression (NUMBER): kroner
    severity: str
    explanation: Text
    line: int
    reclaims: str = NOTHING  # the part of the grant the amount is (RECLAIMS)


@dataclass(frozen=True)
class RuleSet:
    scheme: str  # the questionnaire id the rules read
    rules: tuple[Rule, ...]
    source: str


@dataclass
class RulesResult:
    rule_sets: list[RuleSet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def for_scheme(self, scheme: str) -> RuleSet | None:
        return next((r for r in self.rule_sets if r.scheme == scheme), None)


def answer_names(questionnaires: Iterable[Questionnaire]) -> dict[str, dict[str, Any]]:
    """Questionnaire id -> the expression type of every answer across its versions."""
    names: dict[str, dict[str, Any]] = {}
    for questionnaire in questionnaires:
        own = names.setdefault(questionnaire.id, {})
        for question in questionnaire.questions():
            kind = expression_type(question.type, {"columns": question.columns,
                                                    "expression": question.expression})
            if kind is not None:
                own[question.id] = kind
    return names


def _always_zero(amount: Any) -> bool:
    """An amount that reads nothing and is 0: what a rule reclaiming nothing proposes."""
    return not amount.names and amount.evaluate({}) == 0


class _RuleReader(Reader):
    def choice(self, node: CommentedMap, key: str, allowed: tuple[str, ...]) -> str | None:
        value = node.get(key)
        if value not in allowed:
            self.problem(self.value_at(node, key), Msg.R_NOT_ONE_OF, key=key, value=str(value),
                         allowed=", ".join(allowed))
            return None
        return str(value)

    def rule(self, node: CommentedMap, names: Mapping[str, Any]) -> Rule | None:
        if not self.require(node, sorted(RULE_KEYS), "rule"):
            return None
        self.known_keys(node, RULE_KEYS, "rule")
        rule_id = self.identifier(node, "id", SLUG)
        parts = (rule_id, self.text(node, "title"), self.choice(node, "evaluated", PHASES),
                 self.expression(node, "condition", names, expect=ex.BOOL),
                 self.expression(node, "amount", names, expect=ex.NUMBER),
                 self.choice(node, "severity", SEVERITIES), self.text(node, "explanation"))
        reclaims = self.choice(node, "reclaims", RECLAIMS)
        if any(part is None for part in parts) or reclaims is None:
            return None
        if reclaims == NOTHING and not _always_zero(parts[4]):
            self.problem(self.value_at(node, "amount"), Msg.R_NOTHING_WITH_AMOUNT,
                         amount=parts[4].source)
            return None
        return Rule(*parts, line=node.lc.line + 1, reclaims=reclaims)  # type: ignore[arg-type]

    def rules(self, root: CommentedMap, names: Mapping[str, Any]) -> tuple[Rule, ...]:
        seq = self.sequence(root["rules"], self.value_at(root, "rules"), "rules")
        if seq is None:
            return ()
        found: list[Rule] = []
        lines: dict[str, int] = {}
        for index, item in enumerate(seq):
            entry = self.mapping(item, self.item_at(seq, index), "rules")
            if entry is None:
                continue
            rule = self.rule(entry, names)
            if rule is None:
                continue
            if rule.id in lines:
                self.problem(self.value_at(entry, "id"), Msg.R_DUPLICATE_RULE, id=rule.id,
                             line=lines[rule.id])
                continue
            lines[rule.id] = rule.line
            found.append(rule)
        return tuple(found)

    def read_rules(self, text: str, answers: Mapping[str, Mapping[str, Any]]) -> RuleSet | None:
        root = self.root(text, "rules file")
        if root is None or not self.require(root, ("scheme", "rules"), "rules file"):
            return None
        self.known_keys(root, FILE_KEYS, "rules file")
        scheme = str(root["scheme"])
        if scheme not in answers:
            self.problem(self.value_at(root, "scheme"), Msg.R_UNKNOWN_SCHEME, scheme=scheme)
            return None
        names = {**ex.CONTEXT_NAMES, **REPORT_NAMES, **answers[scheme]}
        rules = self.rules(root, names)
        return None if self.problems else RuleSet(scheme, rules, self.path)


def load_rules_text(text: str, path: str, answers: Mapping[str, Mapping[str, Any]]
                    ) -> tuple[RuleSet | None, list[Problem]]:
    reader = _RuleReader(path)
    return reader.read_rules(text, answers), reader.problems


def load_rules(directory: Path, questionnaires: Iterable[Questionnaire]) -> RulesResult:
    """Every rules file in `directory` (none is fine), checked against the questionnaires."""
    answers = answer_names(questionnaires)
    result = RulesResult()
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else ():
        rule_set, problems = load_rules_text(path.read_text("utf-8"), str(path), answers)
        result.problems.extend(problems)
        if rule_set is not None:
            result.rule_sets.append(rule_set)
    return result
