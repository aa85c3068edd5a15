"""A whole response: every page's typed answers in order, and their stored JSON form.

A draft is kept as what was typed, page by page (`pages`: section id -> posted fields),
so that nothing typed is ever lost, even when it does not validate yet. The answers are
derived from it by validating the pages in order — each page's conditions see the answers
of the pages before it — with the same `validate_section` the pages use, so the summary,
the submit and the page can never disagree.

Stored answers are JSON: Decimal as a string ("1234.50", exact), a date as ISO
(2023-04-01), the rest as they are. `answers_from_json` gives the typed values back from
the questionnaire version they were answered in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from forms.builder import (
    FormData,
    SectionResult,
    prefill_text,
    section_visible,
    validate_section,
)
from forms.expressions import Kind
from forms.messages import DEFAULT_LANGUAGE
from forms.model import Question, Questionnaire, Section

Pages = Mapping[str, Mapping[str, list[str]]]
NUMERIC = frozenset({"integer", "decimal", "amount", "percent"})


@dataclass
class Evaluation:
    """Every page's result; `answers` holds the visible answers of all pages."""

    results: dict[str, SectionResult] = field(default_factory=dict)
    answers: dict[str, object] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)  # pages hidden by their condition

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results.values())

    def pages_with_errors(self) -> list[str]:
        return [sid for sid, result in self.results.items() if not result.ok]


def prefilled(section: Section, context: Mapping[str, object]) -> FormData:
    """A page never saved, as the respondent first sees it: the prefilled figures."""
    values = {q.id: prefill_text(q, context) for q in section.questions if q.prefill}
    return FormData({key: value for key, value in values.items() if value})


def page_data(section: Section, pages: Pages, context: Mapping[str, object]) -> FormData:
    saved = pages.get(section.id)
    return FormData(saved) if saved is not None else prefilled(section, context)


def evaluate(questionnaire: Questionnaire, pages: Pages, context: Mapping[str, object],
             language: str = DEFAULT_LANGUAGE, until: str | None = None) -> Evaluation:
    """Validates the pages in order (up to, not including, `until`)."""
    evaluation = Evaluation()
    for section in questionnaire.sections:
        if section.id == until:
            break
        if not section_visible(section, context, evaluation.answers):
            evaluation.skipped.add(section.id)
            continue
        result = validate_section(questionnaire, section.id,
                                  page_data(section, pages, context), context,
                                  evaluation.answers, language)
        evaluation.results[section.id] = result
        evaluation.answers.update(result.answers)
    return evaluation


def answers_before(questionnaire: Questionnaire, section_id: str, pages: Pages,
                   context: Mapping[str, object]) -> dict[str, object]:
    """The answers of the pages before this one: what its conditions may read."""
    return evaluate(questionnaire, pages, context, until=section_id).answers


# ---- stored form ------------------------------------------------------------------------------


def to_json(value: object) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    raise TypeError(f"no stored form for {type(value).__name__}")


def answers_to_json(answers: Mapping[str, object]) -> dict[str, Any]:
    return {key: to_json(value) for key, value in answers.items()}


def answers_hash(stored: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON: equal answers, equal hash, on every machine."""
    canonical = json.dumps(stored, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _is_number(question: Question) -> bool:
    if question.type in NUMERIC:
        return True
    return question.type == "computed" and question.expression is not None and \
        question.expression.type.kind is Kind.NUMBER


def _is_date(question: Question) -> bool:
    if question.type == "date":
        return True
    return question.type == "computed" and question.expression is not None and \
        question.expression.type.kind is Kind.DATE


def value_from_json(question: Question, stored: Any) -> object:
    if stored is None:
        return None
    if question.type == "group":
        columns = {column.id: column for column in question.columns}
        return [{key: value_from_json(columns[key], value) if key in columns else value
                 for key, value in row.items()} for row in stored]
    if question.type == "matrix":
        return {code: value for code, value in stored.items()}
    if _is_number(question) and isinstance(stored, str):
        return int(stored) if question.type == "integer" else Decimal(stored)
    if _is_date(question) and isinstance(stored, str):
        return dt.date.fromisoformat(stored)
    return stored


def answers_from_json(questionnaire: Questionnaire, stored: Mapping[str, Any]) -> dict[str, object]:
    """Typed answers back, read with the questionnaire version they were given in."""
    typed: dict[str, object] = {}
    for key, value in stored.items():
        question = questionnaire.question(key)
        typed[key] = value if question is None else value_from_json(question, value)
    return typed
