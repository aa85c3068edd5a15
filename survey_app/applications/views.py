"""Applications for next year's grant (issue 16 item 2): what the report's application
pages tell the coordinator, and the stand-alone application of a municipality without a
grant where the scheme allows it (schemes.yaml `applications: {without_grant: true}`).

Addresses name the application as users do: `/soknader/<scheme>/<year>/<kommunenummer>`,
the year being the grant year applied for. Every view checks the municipality against the
user's scope (404 and an audit event otherwise). The page reuses the report's rendering
(questionnaire_view, questionnaire/_fields.html) and field parsing (page_input).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.answers import Evaluation
from forms.builder import (
    FormData,
    SectionResult,
    choice_options,
    format_answer,
    hidden_keys,
    render_text,
    validate_section,
)
from forms.messages import message
from forms.model import Questionnaire
from survey_app import page_input
from survey_app.access import Action, enforce, requires
from survey_app.extensions import db
from survey_app.models import Grant, Municipality, Scheme
from survey_app.questionnaire_view import fixed_texts, problem_lines, section_fields
from survey_app.services import applications
from survey_app.services.coordinator_reports import oslo_today
from survey_app.services.grants import chapter_grant_years
from survey_app.services.register import current_entry
from survey_app.services.responses import loaded_version
from survey_app.services.rounds import scheme_rules

bp = Blueprint("applications", __name__, url_prefix="/soknader/<slug>/<int:year>/<number>")


def _language() -> str:
    return str(get_locale() or "nb")


# ---- on the report's application pages and its summary ----------------------------------


@bp.app_template_global()
def application_assessment(grant: Grant, questionnaire: Questionnaire,
                           answers: Mapping[str, object]) -> applications.CoordinatorView:
    """What the rules say of the application in these answers (a report page, the summary):
    the amount they propose and every refusal with its reason."""
    rules = scheme_rules(grant.round.scheme.slug)
    year = grant.round.year + 1
    years = chapter_grant_years(grant.round.scheme.chapter_post, grant.municipality_number) \
        if rules.checks_recipients(year) else []
    return applications.coordinator_view(
        rules, year, applications.read_answers(questionnaire, answers), years)


# ---- the stand-alone application -----------------------------------------------------------


@dataclass
class _Found:
    scheme: Scheme
    municipality: Municipality
    offer: applications.StandAlone


def _found(slug: str, year: int, number: str) -> _Found:
    """The scheme, municipality and offer a URL names, or 404 (out of scope: audited)."""
    entry = current_entry(number) if number.isascii() and number.isdigit() and \
        len(number) == 4 else None
    if entry is None:
        abort(404)
    enforce(Action.REPORT, entry)
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.slug == slug)) \
        if len(slug) <= 80 else None
    if scheme is None:
        abort(404)
    offer = applications.stand_alone(scheme, number, oslo_today())
    if offer is None or offer.year != year:
        abort(404)
    return _Found(scheme, entry, offer)


def _urls(found: _Found) -> dict[str, Any]:
    return {"slug": found.scheme.slug, "year": found.offer.year,
            "number": found.municipality.number}


def _evaluate(questionnaire: Questionnaire, pages: Mapping[str, Mapping[str, list[str]]],
              context: Mapping[str, object], language: str) -> Evaluation:
    """The application pages alone, in order, as forms.answers.evaluate does the report's."""
    evaluation = Evaluation()
    for section in questionnaire.application_sections():
        result = validate_section(questionnaire, section.id, FormData(pages.get(section.id, {})),
                                  context, evaluation.answers, language)
        evaluation.results[section.id] = result
        evaluation.answers.update(result.answers)
    return evaluation


def _render(found: _Found, pages: Mapping[str, Mapping[str, list[str]]],
            show_errors: bool = False, notice: str | None = None,
            status: int = 200) -> tuple[str, int]:
    language = _language()
    offer = found.offer
    application = applications.draft_of(offer) if offer.allowed else None
    context = applications.stand_alone_context(offer.year, found.municipality)
    sections: list[dict[str, Any]] = []
    problems: list[tuple[str, str]] = []

    def t(text: Any) -> str:
        return render_text(text, language, context)

    evaluation = _evaluate(offer.questionnaire, pages, context, language) \
        if offer.allowed else Evaluation()
    for section in offer.questionnaire.application_sections() if offer.allowed else ():
        result: SectionResult = evaluation.results[section.id]
        data = FormData(pages.get(section.id, {}))
        errors = result.errors if show_errors else {}
        problems += problem_lines(section, errors, result.anchors, t)
        sections.append({
            "section": section, "result": result, "raw": data, "errors": errors,
            "hidden": result.hidden, "rows": page_input.row_counts(section, data, None),
            "field_views": section_fields(offer.questionnaire, section.id, language, context,
                                          show_conditions=False)})
    view = applications.coordinator_view(
        scheme_rules(found.scheme.slug), offer.year,
        applications.read_answers(offer.questionnaire, evaluation.answers)) \
        if offer.allowed else None
    return render_template(
        "applications/stand_alone.html", scheme=found.scheme, m=found.municipality,
        offer=offer, application=application, sections=sections, problems=problems,
        assessment=view, notice=notice, urls=_urls(found), fixed=fixed_texts(language),
        version=application.version if application is not None else 0,
        submitted=application is not None and application.status != "draft",
        t=t, msg=partial(message, language=language),
        show=partial(format_answer, language=language, context=context),
        options=partial(choice_options, language=language, context=context),
        show_conditions=False), status


@bp.route("", methods=["GET", "POST"])
@requires(Action.REPORT)
def stand_alone(slug: str, year: int, number: str) -> Any:
    found = _found(slug, year, number)
    offer = found.offer
    if request.method == "GET" or not offer.allowed:
        return _render(found, applications.typed_pages(applications.draft_of(offer))
                       if offer.allowed else {})
    pages = {section.id: page_input.posted(section, request.form)[0]
             for section in offer.questionnaire.application_sections()}
    kept = {sid: page_input.to_keep(section, pages[sid], validate_section(
                offer.questionnaire, sid, pages[sid],
                applications.stand_alone_context(offer.year, found.municipality), {},
                _language())).as_dict()
            for sid, section in ((s.id, s) for s in offer.questionnaire.application_sections())}
    version = loaded_version(request.form.get("version"))
    try:
        saved = applications.save_stand_alone(offer, found.municipality, kept, version,
                                              current_user.email)
        saved_version = saved.version
        db.session.commit()
    except applications.ApplicationError as error:
        db.session.rollback()
        return _render(found, {k: v.as_dict() for k, v in pages.items()},
                       notice=_refusal_text(error.code), status=409)
    if request.form.get("go") != "send":
        return _render(found, kept, notice=_refusal_text("saved"))
    language = _language()
    evaluation = _evaluate(offer.questionnaire, kept, applications.stand_alone_context(
        offer.year, found.municipality), language)
    if not evaluation.ok:
        return _render(found, kept, show_errors=True)
    try:
        applications.submit_stand_alone(offer, evaluation, saved_version, current_user.email)
        db.session.commit()
    except applications.ApplicationError as error:
        db.session.rollback()
        return _render(found, kept, notice=_refusal_text(error.code), status=409)
    return redirect(url_for("applications.stand_alone", **_urls(found)), code=303)


def _refusal_text(code: str) -> str:
    from flask_babel import gettext

    texts = {
        "saved": gettext("Saved."),
        "conflict": gettext("Somebody else changed the application after you opened it. Nothing "
                            "is saved: reload the page."),
        "decided": gettext("The application has already been decided and cannot be changed."),
        "in-report": gettext("The application was submitted in the report and is changed there."),
        "not-draft": gettext("The application has already been submitted."),
        "refused": gettext("The municipality cannot apply in this scheme."),
        "has-errors": gettext("Correct the errors before you submit."),
    }
    return texts.get(code, texts["refused"])


@bp.route("/synlighet", methods=["POST"])
@requires(Action.REPORT)
def visibility(slug: str, year: int, number: str) -> Response:
    """Which questions the typed answers hide (for conditions.js); the server decides."""
    found = _found(slug, year, number)
    if not found.offer.allowed:
        abort(404)
    context = applications.stand_alone_context(found.offer.year, found.municipality)
    hidden: list[str] = []
    before: dict[str, object] = {}
    for section in found.offer.questionnaire.application_sections():
        posted, _ = page_input.posted(section, request.form)
        hidden += hidden_keys(found.offer.questionnaire, section.id, posted, context, before)
    return jsonify(hidden=hidden)


@bp.app_template_global()
def application_offers(numbers: list[str]) -> list[applications.StandAlone]:
    """The stand-alone applications for the coordinator's start page ("Mine rapporter")."""
    return applications.offers(numbers, oslo_today())

