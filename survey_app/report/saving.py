"""Saving one posted report page: the one place a post becomes a kept draft page.

Used by the page itself and by a post kept over an expired sign-in (report.resume), so
both go through the same validation, the same filtering and the same conflict check.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from forms.answers import answers_before
from forms.builder import FormData, SectionResult, validate_section
from forms.model import Questionnaire, Section
from survey_app import page_input
from survey_app.models import Grant, Municipality
from survey_app.models import Response as ReportResponse
from survey_app.services import responses
from survey_app.services.rounds import grant_context


def validate(grant: Grant, municipality: Municipality, response: ReportResponse | None,
             questionnaire: Questionnaire, section: Section, data: FormData,
             language: str) -> SectionResult:
    context = grant_context(grant, municipality)
    before = answers_before(questionnaire, section.id, responses.page_data(response), context)
    return validate_section(questionnaire, section.id, data, context, before, language)


@dataclass(frozen=True)
class Stored:
    posted: FormData  # the page's fields as posted (shown back with their problems)
    added: str | None  # the group a row was added to
    result: SectionResult
    saved: responses.Saved | None  # None: the report can no longer be edited


def store(grant: Grant, municipality: Municipality, response: ReportResponse | None,
          questionnaire: Questionnaire, section: Section, form: MultiDict[str, str],
          actor: str, language: str) -> Stored:
    """Validates a post and saves what of it a draft keeps (page_input.to_keep)."""
    posted, added = page_input.posted(section, form)
    result = validate(grant, municipality, response, questionnaire, section, posted, language)
    kept = page_input.to_keep(section, posted, result)
    started = response or responses.start(grant, actor)
    try:
        saved = responses.save_page(started.id, section.id, kept.as_dict(),
                                    responses.loaded_version(form.get("version")), actor)
    except responses.ReportError:
        return Stored(posted, added, result, None)
    return Stored(posted, added, result, saved)
