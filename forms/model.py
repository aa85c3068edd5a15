"""The questionnaire model: what a YAML file means once it has been checked.

Plain frozen dataclasses, so a loaded questionnaire can be cached and shared between
requests and threads. Texts are dicts from language code to text; "nb" is always there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

Text = dict[str, str]

# The question types and the keys each accepts beyond the common ones.
COMMON_KEYS = frozenset({"id", "type", "label", "help", "required", "show_if", "validation",
                         "prefill", "role"})
TYPE_KEYS: dict[str, frozenset[str]] = {
    "text": frozenset({"max_length"}),
    "long_text": frozenset({"max_length"}),
    "integer": frozenset({"min", "max", "unit"}),
    "decimal": frozenset({"min", "max", "decimals", "unit"}),
    "amount": frozenset({"min", "max"}),
    "percent": frozenset({"min", "max"}),
    "date": frozenset({"min", "max"}),
    "yes_no": frozenset(),
    "single_choice": frozenset({"choices", "display"}),
    "multiple_choice": frozenset({"choices", "min_selected", "max_selected"}),
    "scale": frozenset({"min", "max", "min_label", "max_label", "dont_know"}),
    "matrix": frozenset({"rows", "min", "max", "min_label", "max_label", "dont_know"}),
    "group": frozenset({"questions", "min_rows", "max_rows", "add_label"}),
    "computed": frozenset({"expression", "format"}),
    "info": frozenset(),
}
# Keys an info text or a computed value may not have: nobody answers them.
NOT_ANSWERED = {"info": frozenset({"required", "validation", "prefill"}),
                "computed": frozenset({"required", "validation", "prefill"})}
TEXT_TYPES = frozenset({"text", "long_text"})
NUMBER_TYPES = frozenset({"integer", "decimal", "amount", "percent", "scale"})

# What the service itself reads from a questionnaire, found by the question's `role:` and
# never by its id (questionnaires/README.md, "Roles"); each role at most once per file,
# on a top-level amount (or a computed value with `format: amount`).
ROLES: dict[str, str] = {
    "amount_received": "the economy report's fallback for unused (received - used)",
    "amount_used": "the economy report's \"Rapportert brukt\"",
    "amount_unused": "the economy report's \"Ubrukt\"",
    # Issue 16: an application page's answers (survey_app/services/applications.py).
    "applies": "an application page's yes/no: does the municipality apply",
    "applied_positions": "an application page's group of positions applied for",
    "applied_amount": "an application page's amount applied for (kroner)",
}
# The application roles: the question types each may be on. They stand on a page marked
# `application: true` only, and such a page must have `applies` and `applied_amount`.
APPLICATION_ROLES: dict[str, frozenset[str]] = {
    "applies": frozenset({"yes_no"}),
    "applied_positions": frozenset({"group"}),
    "applied_amount": frozenset({"amount"}),
}
REQUIRED_APPLICATION_ROLES = ("applies", "applied_amount")
# The columns of the `applied_positions` group the service reads, by the column's `role:`
# (only there); a position needs its percentage, and its title to be named.
COLUMN_ROLES: dict[str, frozenset[str]] = {
    "position_title": frozenset({"text"}),
    "position_percent": frozenset({"percent"}),
    "position_first_year": frozenset({"integer"}),  # first year funded: the track year
}
REQUIRED_COLUMN_ROLES = ("position_title", "position_percent")


@dataclass(frozen=True)
class Choice:
    code: str
    label: Text
    exclusive: bool = False


@dataclass(frozen=True)
class Validation:
    rule: Any  # forms.expressions.Expression
    message: Text


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: Text
    line: int
    column: int
    help: Text | None = None
    required: bool = False
    show_if: Any = None  # Expression or None
    validation: tuple[Validation, ...] = ()
    prefill: str | None = None
    choices: tuple[Choice, ...] = ()
    rows: tuple[Choice, ...] = ()
    columns: tuple[Question, ...] = ()  # a group's questions
    expression: Any = None  # a computed value's Expression
    options: dict[str, Any] = field(default_factory=dict)
    role: str | None = None  # one of ROLES: what the service reads this answer as

    @property
    def answered(self) -> bool:
        return self.type not in ("info", "computed")

    def column_with_role(self, role: str) -> Question | None:
        """A group's column declaring `role:` (COLUMN_ROLES), or None."""
        return next((c for c in self.columns if c.role == role), None)


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    questions: tuple[Question, ...]
    line: int
    intro: Text | None = None
    show_if: Any = None
    # `application: true`: the page is an application for next year's grant (issue 16):
    # its answers become an Application, and it can be filled in alone (stand-alone).
    application: bool = False


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    scheme: str
    title: Text
    sections: tuple[Section, ...]
    source: str
    content_hash: str  # SHA-256 of the file: a response records exactly what it answered
    intro: Text | None = None

    def questions(self) -> Iterator[Question]:
        """Every top-level question, in order (a group's columns are inside it)."""
        for section in self.sections:
            yield from section.questions

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def question_with_role(self, role: str) -> Question | None:
        """The top-level question declaring `role:` (ROLES), or None when none does."""
        return next((q for q in self.questions() if q.role == role), None)

    def application_sections(self) -> tuple[Section, ...]:
        """The pages marked `application: true`, in order."""
        return tuple(section for section in self.sections if section.application)

    @cached_property  # a loaded questionnaire never changes; looked up on every answer
    def _by_id(self) -> dict[str, Question]:
        found: dict[str, Question] = {}
        for question in self.questions():
            found.setdefault(question.id, question)
        return found
