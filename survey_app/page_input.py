"""What a posted questionnaire page means: its fields, its row buttons, where to go next.

Shared by the preview (which stores nothing) and the report (which saves every post).
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

from forms.builder import (
    FormData,
    SectionResult,
    answer_fields,
    default_rows,
    find_section,
    remove_row,
    row_count,
    storable,
)
from forms.model import Question, Questionnaire, Section

MAX_ROWS_SHOWN = 100
# The page form's buttons and hidden fields besides the answers.
PAGE_CONTROLS = ("add_row", "remove_row", "version", "go", "was_hidden", "tilbake")
SUMMARY, OVERVIEW = "#summary", "#overview"


def groups(section: Section) -> list[Question]:
    return [q for q in section.questions if q.type == "group"]


def form_data(section: Section, form: MultiDict[str, str]) -> FormData:
    """The page's answer fields in a post: buttons, tokens and names that are not a
    question of this page are left out, so they can never reach the database."""
    fields = answer_fields(section)
    return FormData({k: form.getlist(k) for k in form if k in fields})


def _without_row(section: Section, data: FormData, value: str) -> FormData:
    """Handles the "remove row" button, whose value is `<group>:<index>`."""
    group_id, _, index = value.partition(":")
    group = next((g for g in groups(section) if g.id == group_id), None)
    if group is None or not index.isdigit():
        return data
    return remove_row(group, data, int(index))


def posted(section: Section, form: MultiDict[str, str]) -> tuple[FormData, str | None]:
    """The posted answers (a removed row taken out) and the group a row was added to."""
    data = form_data(section, form)
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


def to_keep(section: Section, data: FormData, result: SectionResult) -> FormData:
    """What a draft keeps of a posted page: each field's storable values (forms.builder
    .storable), minus the answers of questions a condition is *known* to hide. An answer
    whose condition cannot be decided (it reads a wrongly typed or missing answer) is
    kept: a typo elsewhere must never erase it."""
    fields, hidden = answer_fields(section), result.known_hidden

    def dropped(key: str) -> bool:
        return key in hidden or key.split("-", 1)[0] in hidden
    kept = {k: storable(fields[k], v) for k, v in data.as_dict().items()
            if k in fields and not dropped(k)}
    return FormData({k: v for k, v in kept.items() if v})


def revealed(form: Mapping[str, str], result: SectionResult) -> set[str]:
    """Error keys of questions (or table cells) that were hidden when the respondent
    posted (`was_hidden`: the page's hidden keys as rendered, kept current by
    conditions.js) and that this post's answers reveal: shown as new, not as errors,
    on this post. The page stays open (the result is not ok) and the summary still
    checks them, so a forged field only spares one post its message."""
    was = set(str(form.get("was_hidden", "")).split()[:5000])
    return {key for key in result.errors
            if (key in was or key.split("-", 1)[0] in was) and key not in result.hidden}


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


def posted_controls(questionnaire: Questionnaire, section_id: str,
                    form: MultiDict[str, str]) -> list[list[str]] | None:
    """The page's answer fields and controls of a post, as name/value pairs in order
    (None: no such page); everything else in the post is left out."""
    try:
        section = find_section(questionnaire, section_id)
    except KeyError:
        return None
    fields = answer_fields(section)
    return [[key, value] for key in form if key in fields or key in PAGE_CONTROLS
            for value in form.getlist(key)]


def unchanged(posted: FormData, shown: FormData) -> bool:
    """Whether a post carries the answers its page was shown with (empty fields aside):
    nothing was typed since the page was loaded."""
    def filled(data: FormData) -> dict[str, list[str]]:
        return {k: v for k, v in data.as_dict().items() if any(x.strip() for x in v)}
    return filled(posted) == filled(shown)
