"""What a posted questionnaire page means: its fields, its row buttons, where to go next.

Shared by the preview (which stores nothing) and the report (which saves every post).
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

from forms.builder import FormData, SectionResult, default_rows, remove_row, row_count
from forms.model import Question, Questionnaire, Section

MAX_ROWS_SHOWN = 100
CONTROL_FIELDS = frozenset({"csrf_token", "add_row", "remove_row", "version", "go",
                            "email", "password"})
SUMMARY, OVERVIEW = "#summary", "#overview"


def groups(section: Section) -> list[Question]:
    return [q for q in section.questions if q.type == "group"]


def form_data(form: MultiDict[str, str]) -> FormData:
    """The answer fields of a post, without buttons and tokens."""
    return FormData({k: form.getlist(k) for k in form if k not in CONTROL_FIELDS})


def _without_row(section: Section, data: FormData, value: str) -> FormData:
    """Handles the "remove row" button, whose value is `<group>:<index>`."""
    group_id, _, index = value.partition(":")
    group = next((g for g in groups(section) if g.id == group_id), None)
    if group is None or not index.isdigit():
        return data
    return remove_row(group, data, int(index))


def posted(section: Section, form: MultiDict[str, str]) -> tuple[FormData, str | None]:
    """The posted answers (a removed row taken out) and the group a row was added to."""
    data = form_data(form)
    if "remove_row" in form:
        data = _without_row(section, data, form["remove_row"])
    return data, form.get("add_row")


def row_counts(section: Section, data: FormData, added: str | None) -> dict[str, int]:
    counts = {}
    for group in groups(section):
        high = min(int(group.options.get("max_rows", MAX_ROWS_SHOWN)), MAX_ROWS_SHOWN)
        count = max(row_count(group, data), default_rows(group))
        if group.id == added:
            count += 1
        counts[group.id] = min(count, max(high, 1))
    return counts


def without_hidden(data: FormData, hidden: set[str]) -> FormData:
    """The posted values minus those of hidden questions: answers to questions a
    condition hides are dropped, never stored."""
    def dropped(key: str) -> bool:
        return key in hidden or key.split("-", 1)[0] in hidden
    return FormData({k: v for k, v in data.as_dict().items() if not dropped(k)})


def neighbour(questionnaire: Questionnaire, section: Section, step: int) -> str:
    index = questionnaire.sections.index(section) + step
    if index < 0:
        return OVERVIEW
    if index >= len(questionnaire.sections):
        return SUMMARY
    return questionnaire.sections[index].id


def next_target(go: str, questionnaire: Questionnaire, section: Section,
                result: SectionResult, form: Mapping[str, str]) -> str | None:
    """Where a saved page leads: None stays on it (to show problems or a new row)."""
    if "add_row" in form or "remove_row" in form:
        return None
    if go == "prev":
        return neighbour(questionnaire, section, -1)
    if go == "overview":
        return OVERVIEW
    if go == "next" and result.ok:
        return neighbour(questionnaire, section, +1)
    return None
