"""Questionnaire preview: every section rendered and validated with a demo municipality.

Reviewers, auditors and admins see here exactly what respondents will get and can try
answers; what would be stored is shown, but nothing is saved (responses come later).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import partial

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_babel import get_locale

from forms.builder import (
    FormData,
    SectionResult,
    choice_options,
    default_rows,
    find_section,
    format_answer,
    prefill_text,
    remove_row,
    render_text,
    row_count,
    validate_section,
    visible_questions,
)
from forms.messages import message
from forms.model import Question, Questionnaire, Section
from survey_app.access import Action, requires
from survey_app.questionnaire_view import fixed_texts, section_fields
from survey_app.questionnaires import all_questionnaires

bp = Blueprint("preview", __name__)

# The demo municipality of the preview: the figures the placeholders and prefills show.
DEMO_CONTEXT: dict[str, object] = {
    "grant.amount": Decimal("1234567"),
    "grant.year": 2022,
    "municipality.name": "Lillehammer",
    "municipality.number": "3405",
    "round.year": 2023,
    "round.deadline": dt.date(2023, 4, 1),
}
MAX_ROWS_SHOWN = 100


def _language() -> str:
    return str(get_locale() or "nb")


def _questionnaire(qid: str, version: int) -> Questionnaire:
    for questionnaire in all_questionnaires():
        if questionnaire.id == qid and questionnaire.version == version:
            return questionnaire
    abort(404)


@bp.route("/skjema")
@requires(Action.PREVIEW_QUESTIONNAIRE)
def questionnaires() -> str:
    items = sorted(all_questionnaires(), key=lambda q: (q.scheme, q.id, q.version))
    language = _language()
    return render_template(
        "preview/list.html", items=items, t=partial(_text, language),
        counts={(q.id, q.version): sum(1 for x in q.questions() if x.answered) for q in items})


def _text(language: str, text: dict[str, str] | None) -> str:
    return render_text(text, language, DEMO_CONTEXT)


def _prefilled(section: Section) -> FormData:
    return FormData({q.id: prefill_text(q, DEMO_CONTEXT) for q in section.questions
                     if q.prefill and prefill_text(q, DEMO_CONTEXT)})


def _groups(section: Section) -> list[Question]:
    return [q for q in section.questions if q.type == "group"]


def _row_counts(section: Section, data: FormData, added: str | None) -> dict[str, int]:
    counts = {}
    for group in _groups(section):
        high = min(int(group.options.get("max_rows", MAX_ROWS_SHOWN)), MAX_ROWS_SHOWN)
        count = max(row_count(group, data), default_rows(group))
        if group.id == added:
            count += 1
        counts[group.id] = min(count, max(high, 1))
    return counts


def _without_row(section: Section, data: FormData, value: str) -> FormData:
    """Handles the "remove row" button, whose value is `<group>:<index>`."""
    group_id, _, index = value.partition(":")
    group = next((g for g in _groups(section) if g.id == group_id), None)
    if group is None or not index.isdigit():
        return data
    return remove_row(group, data, int(index))


def _form_data() -> FormData:
    return FormData({k: request.form.getlist(k) for k in request.form
                     if k not in ("csrf_token", "add_row", "remove_row")})


def _without_hidden(data: FormData, hidden: set[str]) -> FormData:
    """The posted values minus those of hidden questions: they are rendered (hidden) so
    the script can show them again, but what the server threw away is not sent back."""
    def dropped(key: str) -> bool:
        return key in hidden or key.split("-", 1)[0] in hidden
    return FormData({k: v for k, v in data.as_dict().items() if not dropped(k)})


def _posted(section: Section) -> tuple[FormData, SectionResult | None, str | None]:
    """The posted answers, and their validation unless a row was added or removed."""
    data = _form_data()
    if "add_row" in request.form:
        return data, None, request.form["add_row"]
    if "remove_row" in request.form:
        return _without_row(section, data, request.form["remove_row"]), None, None
    return data, SectionResult(), None


def _questionnaire_section(qid: str, version: int,
                           section_id: str) -> tuple[Questionnaire, Section]:
    questionnaire = _questionnaire(qid, version)
    try:
        return questionnaire, find_section(questionnaire, section_id)
    except KeyError:
        abort(404)


@bp.route("/skjema/<qid>/v<int:version>/<section_id>/synlighet", methods=["POST"])
@requires(Action.PREVIEW_QUESTIONNAIRE)
def visibility(qid: str, version: int, section_id: str) -> Response:
    """Which questions the page's current answers hide, for conditions.js.

    The server stays the only evaluator of conditions: the script sends what is typed
    and only shows or hides what this answers, so browser and post never disagree.
    """
    questionnaire, current = _questionnaire_section(qid, version, section_id)
    shown = visible_questions(questionnaire, section_id, _form_data(), DEMO_CONTEXT, {})
    return jsonify(hidden=[q.id for q in current.questions if q.id not in shown])


@bp.route("/skjema/<qid>/v<int:version>/<section_id>", methods=["GET", "POST"])
@requires(Action.PREVIEW_QUESTIONNAIRE)
def section(qid: str, version: int, section_id: str) -> str:
    questionnaire, current = _questionnaire_section(qid, version, section_id)
    language = _language()
    result, added = None, None
    if request.method == "POST":
        data, result, added = _posted(current)
        if result is not None:
            result = validate_section(questionnaire, section_id, data, DEMO_CONTEXT, {},
                                      language)
            data = _without_hidden(data, result.hidden)
    else:
        data = _prefilled(current)
    index = questionnaire.sections.index(current)
    return render_template(
        "preview/section.html", questionnaire=questionnaire, section=current, index=index,
        result=result, raw=data, rows=_row_counts(current, data, added),
        errors=result.errors if result else {}, hidden=result.hidden if result else set(),
        t=partial(_text, language), msg=partial(message, language=language),
        show=partial(format_answer, language=language), stored=_stored,
        options=partial(choice_options, language=language), show_conditions=True,
        section_shown=current.show_if is None or current.show_if.is_true(DEMO_CONTEXT),
        field_views=section_fields(questionnaire, section_id, language, DEMO_CONTEXT),
        texts=fixed_texts(language))


def _stored(value: object) -> str:
    """The value as it would be stored, so a reviewer can see the exact type."""
    return json.dumps(value, default=str, ensure_ascii=False)
