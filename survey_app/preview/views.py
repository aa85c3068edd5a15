"""Questionnaire preview: every section rendered and validated with a demo municipality.

Reviewers, auditors and admins see here exactly what respondents will get and can try
answers; what would be stored is shown, but nothing is saved (responses come later).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import partial

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.answers import prefilled
from forms.builder import (
    FormData,
    SectionResult,
    choice_options,
    find_section,
    format_answer,
    hidden_keys,
    render_text,
    validate_section,
)
from forms.messages import message
from forms.model import Questionnaire, Section
from survey_app import page_input
from survey_app.access import Action, requires
from survey_app.auth.views import posted_language, switch_language
from survey_app.questionnaire_view import fixed_texts, problem_lines, section_fields
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


def _posted(section: Section) -> tuple[FormData, SectionResult | None, str | None]:
    """The posted answers, and their validation unless a row was added or removed."""
    data, added = page_input.posted(section, request.form)
    if "add_row" in request.form or "remove_row" in request.form:
        return data, None, added
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
    posted = page_input.form_data(current, request.form)
    return jsonify(hidden=hidden_keys(questionnaire, section_id, posted, DEMO_CONTEXT, {}))


@bp.route("/skjema/<qid>/v<int:version>/<section_id>", methods=["GET", "POST"])
@requires(Action.PREVIEW_QUESTIONNAIRE)
def section(qid: str, version: int, section_id: str) -> str | WerkzeugResponse:
    questionnaire, current = _questionnaire_section(qid, version, section_id)
    chosen = posted_language() if request.method == "POST" else None  # 400 if unknown
    if chosen is not None:
        # A language button sent the page's form: shown again in that language, checked
        # as "Check the answers" would; untouched, the page just opens again in it.
        switch_language(chosen)
        typed = page_input.posted(current, request.form)[0]
        if page_input.unchanged(typed, prefilled(current, DEMO_CONTEXT)):
            return redirect(url_for("preview.section", qid=qid, version=version,
                                    section_id=section_id), code=303)
    return section_page(questionnaire, current, _language())


def section_page(questionnaire: Questionnaire, current: Section, language: str,
                 draft_id: int | None = None) -> str:
    """A preview page of a served questionnaire or (``draft_id``) of an author's draft:
    the page's GET or its "Check the answers" POST, never stored."""
    section_id = current.id
    result, added = None, None
    if request.method == "POST":
        data, result, added = _posted(current)
        if result is not None:
            result = validate_section(questionnaire, section_id, data, DEMO_CONTEXT, {},
                                      language)
            data = page_input.to_keep(current, data, result)
    else:
        data = prefilled(current, DEMO_CONTEXT)
    index = questionnaire.sections.index(current)
    return render_template(
        "preview/section.html", questionnaire=questionnaire, section=current, index=index,
        result=result, raw=data, rows=page_input.row_counts(current, data, added),
        errors=result.errors if result else {}, hidden=result.hidden if result else set(),
        problems=problem_lines(current, result.errors, result.anchors,
                               partial(_text, language)) if result else [],
        t=partial(_text, language), msg=partial(message, language=language),
        show=partial(format_answer, language=language, context=DEMO_CONTEXT), stored=_stored,
        options=partial(choice_options, language=language, context=DEMO_CONTEXT),
        show_conditions=True,
        section_shown=current.show_if is None or current.show_if.is_true(DEMO_CONTEXT),
        field_views=section_fields(questionnaire, section_id, language, DEMO_CONTEXT),
        texts=fixed_texts(language), language_form="preview-form", draft_id=draft_id,
        content_language=language)


def _stored(value: object) -> str:
    """The value as it would be stored, so a reviewer can see the exact type."""
    return json.dumps(value, default=str, ensure_ascii=False)
