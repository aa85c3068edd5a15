"""A municipality's draft as it stood at any save: for reviewers and auditors.

Every page save is kept (models.PageSave, append-only); a page at version v is its latest
save with version <= v, so the draft at any moment is rebuilt from them, as typed.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from forms.builder import answer_fields, choice_options, render_text
from forms.model import Question, Section
from survey_app.access import Action, requires
from survey_app.lookups import grant_or_404
from survey_app.models import PageSave
from survey_app.services import responses
from survey_app.services.rounds import grant_context

bp = Blueprint("drafts", __name__)

TYPED = frozenset({"text", "long_text", "integer", "decimal", "amount", "percent", "date"})
_ROW = re.compile(r"^(?P<group>.+)-(?P<index>\d{1,3})-(?P<column>[^-]+)$")


def draft_at(saves: list[PageSave], version: int) -> dict[str, PageSave]:
    """Each page's latest save at or before `version`."""
    pages: dict[str, PageSave] = {}
    for save in saves:
        if save.version <= version:
            pages[save.section_id] = save
    return pages


def shown_values(section: Section, key: str, values: list[str], language: str,
                 context: dict[str, object] | None = None) -> list[str]:
    """Typed values as typed; a choice code as its label (the code if it is none)."""
    question = answer_fields(section).get(key)
    if question is None or question.type in TYPED:
        return values
    labels = dict(choice_options(question, language, context))
    return [labels.get(value, value) for value in values]


def field_label(section: Section, key: str, language: str, context: dict[str, object]) -> str:
    """The question a field name answers, in words (a table cell names its row)."""
    def text(question: Question) -> str:
        return render_text(question.label, language, context)
    for question in section.questions:
        if key == question.id:
            return text(question)
        if question.type == "matrix":
            for row in question.rows:
                if key == f"{question.id}-{row.code}":
                    return f"{text(question)}: {render_text(row.label, language, context)}"
    match = _ROW.match(key)
    group = next((q for q in section.questions if match and q.id == match["group"]), None)
    column = next((c for c in group.columns if c.id == match["column"]), None) if (
        group and match) else None
    if group is not None and column is not None and match is not None:
        return _("%(group)s, row %(row)d: %(column)s", group=text(group),
                 row=int(match["index"]) + 1, column=text(column))
    return key


@bp.route("/gjennomgang/runder/<slug>/<int:year>/<number>/utkast")
@requires(Action.READ_DRAFTS)
def history(slug: str, year: int, number: str) -> str:
    grant, municipality = grant_or_404(slug, year, number, Action.READ_DRAFTS)
    response = responses.response_of(grant)
    saves = responses.page_history(response) if response is not None else []
    shown = request.args.get("versjon", "")
    if shown and not (shown.isascii() and shown.isdigit() and len(shown) <= 9):
        abort(404)
    version = int(shown) if shown else None
    if version is not None and not any(s.version == version for s in saves):
        abort(404)
    language = str(get_locale() or "nb")
    questionnaire = responses.questionnaire_of(grant, response)
    sections = {s.id: s for s in questionnaire.sections}
    context = grant_context(grant, municipality)
    pages = draft_at(saves, version) if version is not None else {}
    shown_pages = [
        (sections[sid], save, [(field_label(sections[sid], key, language, context),
                                shown_values(sections[sid], key, values, language, context))
                               for key, values in save.data.items()])
        for sid in sections if (save := pages.get(sid)) is not None]
    return render_template(
        "drafts/history.html", grant=grant, m=municipality, saves=saves, version=version,
        sections=sections, shown_pages=shown_pages,
        title_of=lambda section: render_text(section.title, language, context))
