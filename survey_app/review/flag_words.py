"""A flag in words for the people who decide it: figures named by their question, history in
sentences, the service rather than an account name for what it did by itself.

The stored flag keeps the machine record (rule id, expressions, raw figures, the reason codes
written by services.flags); the case page shows that record only under "Teknisk grunnlag".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forms.builder import render_text
from forms.model import Questionnaire
from forms.money import format_amount
from survey_app.models import FlagEvent
from survey_app.review.views import bp
from survey_app.services import responses

# The facts the rules read besides the answers (forms/rules.py, services/flags.py).
_FACT_LABELS = {
    "grant.amount": _l("The grant"),
    "grant.year": _l("The grant year"),
    "grant.position_percent": _l("Positions granted, in percent of a full-time position"),
    "report.submitted": _l("Report submitted"),
    "report.late": _l("Report submitted after the deadline"),
}
_MONEY_FACTS = {"grant.amount"}


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


Context = Mapping[str, object] | None  # a grant's figures (responses.context_of), if known


def figures(explanation: Mapping[str, Any], language: str,
            context: Context = None) -> list[Figure]:
    """The figures a rule read, each named by its question's label in ``language`` (its
    placeholders filled with ``context``, forms.builder.render_text)."""
    questionnaire = _questionnaire(explanation)
    found = explanation.get("figures") or {}
    return [Figure(_label(name, questionnaire, language, context),
                   _value(name, value, questionnaire)) for name, value in found.items()]


def _questionnaire(explanation: Mapping[str, Any]) -> Questionnaire | None:
    ref = explanation.get("questionnaire") or {}
    try:
        return responses.questionnaire_version(ref["id"], ref["version"])
    except (KeyError, LookupError):
        return None


def _label(name: str, questionnaire: Questionnaire | None, language: str,
           context: Context = None) -> str:
    if name in _FACT_LABELS:
        return str(_FACT_LABELS[name])
    question_id, _dot, column_id = name.partition(".")
    question = questionnaire.question(question_id) if questionnaire else None
    if question is None:
        return _("An answer that is no longer in the questionnaire")
    label = render_text(question.label, language, context) or question_id
    if column_id:
        column = next((c for c in question.columns if c.id == column_id), None)
        if column is not None:
            label = f"{label}, {render_text(column.label, language, context)}"
    return label


def _value(name: str, value: object, questionnaire: Questionnaire | None) -> str:
    if value is None:
        return _("Not answered")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "; ".join(_value(name, v, questionnaire) for v in value) or _("Not answered")
    number = _number(value)
    if number is None:
        return str(value)
    if name in _MONEY_FACTS or _is_money(name, questionnaire):
        return format_amount(number)
    text = format_amount(number).removesuffix(" kr")
    return text.replace(",00", "")


def _number(value: object) -> Decimal | None:
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _is_money(name: str, questionnaire: Questionnaire | None) -> bool:
    question = questionnaire.question(name) if questionnaire else None
    return question is not None and question.type == "amount"


# ---- the history ---------------------------------------------------------------------------

# services.flags writes these reasons when the service raises or updates a flag by itself.
_NO_REPORT = "no report submitted"
_ANSWERS_OF = "answers of submission "


def event_reason(event: FlagEvent) -> str:
    """The reason in the reader's language; a reviewer's own words are shown as written."""
    if event.reason == _NO_REPORT:
        return _("No report was submitted.")
    if event.reason.startswith(_ANSWERS_OF):
        return _("The answers of report %(reference)s.",
                 reference=event.reason.removeprefix(_ANSWERS_OF))
    return event.reason


def event_actor(actor: str) -> str:
    """A person by their address; the service's own jobs (no address) as "the service"."""
    return actor if "@" in actor else _("The service, automatically")


def questionnaire_title(questionnaire_id: str, version: int, language: str,
                        context: Context = None) -> str:
    """A questionnaire by its title, not its id (an unloaded version: the id)."""
    try:
        title = responses.questionnaire_version(questionnaire_id, version).title
    except LookupError:
        return questionnaire_id
    return render_text(title, language, context) or questionnaire_id


def question_label(questionnaire_id: str, version: int, question_id: str,
                   language: str, context: Context = None) -> str:
    """A question by its label (a comment names its question by id)."""
    try:
        question = responses.questionnaire_version(questionnaire_id, version).question(
            question_id)
    except LookupError:
        question = None
    if question is None:
        return question_id
    return render_text(question.label, language, context) or question_id


@bp.context_processor
def flag_words() -> dict[str, object]:
    return {"flag_figures": figures, "event_reason": event_reason, "event_actor": event_actor,
            "questionnaire_title": questionnaire_title, "question_label": question_label,
            "grant_figures": responses.context_of}
