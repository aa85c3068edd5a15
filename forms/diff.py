"""What changed between two submissions of a report, question by question.

Compared on the stored answers (exact JSON), shown with the labels and formatting of
the newer questionnaire version; a question only in one version shows as added/removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms.answers import answers_from_json
from forms.builder import format_answer, render_text
from forms.model import Questionnaire


@dataclass(frozen=True)
class Change:
    question_id: str
    label: str
    before: str  # "" when it had no answer
    after: str


def _shown(questionnaire: Questionnaire, stored: Mapping[str, Any], key: str,
           language: str, context: Mapping[str, object]) -> str:
    question = questionnaire.question(key)
    if key not in stored or stored[key] is None or question is None:
        return ""
    typed = answers_from_json(questionnaire, {key: stored[key]})[key]
    return format_answer(question, typed, language, context)


def changes(old: tuple[Questionnaire, Mapping[str, Any]],
            new: tuple[Questionnaire, Mapping[str, Any]], language: str,
            context: Mapping[str, object]) -> list[Change]:
    """The answers that differ, in the order of the newer questionnaire, then any that
    only the older one had."""
    (old_form, old_answers), (new_form, new_answers) = old, new
    order = [q.id for q in new_form.questions()]
    order += [q.id for q in old_form.questions() if q.id not in order]
    found = []
    for key in order:
        if old_answers.get(key) == new_answers.get(key):
            continue
        question = new_form.question(key) or old_form.question(key)
        assert question is not None
        found.append(Change(key, render_text(question.label, language, context),
                            _shown(old_form, old_answers, key, language, context),
                            _shown(new_form, new_answers, key, language, context)))
    return found
