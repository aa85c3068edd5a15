"""The Excel economy report on a report page: its template out, the filled-in one back.

The upload is a small form of its own on the workbook's page (issue 16, item 4), posted
here, not through the page's save: the figures it reads are saved as that page's answers
by survey_app.services.economy_workbook, through the page save's own service function.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.builder import render_text
from forms.model import Questionnaire, Section
from survey_app.access import Action, requires
from survey_app.lookups import report_or_404
from survey_app.models import Grant, GrantStatus, Municipality
from survey_app.models import Response as ReportResponse
from survey_app.services import economy_workbook as workbook
from survey_app.services import responses
from survey_app.services.rounds import grant_context

bp = Blueprint("report_workbook", __name__, url_prefix="/rapporter/<slug>/<int:year>/<number>")


def _urls(grant: Grant) -> dict[str, Any]:
    return {"slug": grant.round.scheme.slug, "year": str(grant.round.year),
            "number": grant.municipality_number}


def _secrets() -> list[str | bytes]:
    """The app's key and the old ones still accepted: a template made before a key
    rotation is still recognised."""
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or []
    if isinstance(fallbacks, str):
        fallbacks = [k for k in fallbacks.split(",") if k]
    return [current_app.config["SECRET_KEY"], *fallbacks]


def _workbook_of(slug: str, year: int, number: str, action: Action) -> tuple[
        Grant, Municipality, ReportResponse | None, Questionnaire, Section]:
    report = report_or_404(slug, year, number, action)
    assert report.municipality is not None  # report_or_404 answered 404 otherwise
    questionnaire = responses.questionnaire_of(report.grant, report.response)
    section = workbook.workbook_section(report.grant, questionnaire)
    if section is None:  # the scheme has no economy workbook
        abort(404)
    return report.grant, report.municipality, report.response, questionnaire, section


def _editable(grant: Grant, response: ReportResponse | None) -> bool:
    if grant.status in (GrantStatus.OPTED_OUT, GrantStatus.CLOSED):
        return False
    return response is None or response.status in responses.EDITABLE


@bp.app_template_global()
def economy_workbook_on(grant: Grant, questionnaire: Questionnaire, section: Section) -> bool:
    """Whether this report page is the one the scheme's economy workbook fills."""
    found = workbook.workbook_section(grant, questionnaire)
    return found is not None and found.id == section.id


@bp.app_template_global()
def economy_workbook_page(grant: Grant) -> str | None:
    """The id of the page the scheme's economy workbook fills (a link to its upload)."""
    return workbook.declared_section(grant.round.scheme.slug)


@bp.app_template_global()
def economy_workbook_files(response: ReportResponse | None) -> list[Any]:
    """The files uploaded into a report, newest first (the summary and the case list them)."""
    return workbook.files_of(response)


# A template is read, never changed: by the report's coordinator and by whoever reads the
# municipality's case (reviewers, auditors, admins within their scope), as a receipt is.
@bp.route("/okonomirapport.xlsx")
@requires(Action.READ_RECEIPTS)
def template(slug: str, year: int, number: str) -> Response:
    grant, municipality, response, questionnaire, section = _workbook_of(
        slug, year, number, Action.READ_RECEIPTS)
    current = workbook.current_figures(section, responses.page_data(response),
                                       grant_context(grant, municipality))
    data = workbook.build_template(grant, municipality, questionnaire, section, current,
                                   workbook.earlier_years(grant), current_app.config["SECRET_KEY"])
    return Response(data, mimetype=workbook.XLSX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{workbook.template_filename(grant)}"'})


@bp.route("/okonomirapport", methods=["POST"])
@requires(Action.REPORT)
def upload(slug: str, year: int, number: str) -> WerkzeugResponse | tuple[str, int]:
    grant, municipality, response, questionnaire, section = _workbook_of(
        slug, year, number, Action.REPORT)
    urls = _urls(grant)
    page_url = url_for("report.page", section_id=section.id, **urls)
    if not _editable(grant, response):
        return redirect(url_for("report.overview", **urls), code=303)
    posted = request.files.get("workbook")
    if posted is None or not posted.filename:
        return _refused(grant, municipality, questionnaire, section, urls,
                        [_("Choose the economy report file (.xlsx) to upload.")])
    # At most one byte over the cap is read: a larger file is refused without holding it.
    try:
        data = posted.stream.read(workbook.LIMITS.max_bytes + 1)
    finally:
        posted.close()  # a large part is spooled to a temporary file: closed at once
    language = workbook.workbook_language(municipality)
    expected = workbook.identity_of(grant, municipality, questionnaire, section)
    result = workbook.read_upload(data, posted.filename, expected, section, language,
                                  _secrets())
    if not result.ok:
        return _refused(grant, municipality, questionnaire, section, urls, result.problems)
    try:
        uploaded = workbook.store_upload(
            grant, municipality, response, section, result.figures, data, posted.filename,
            responses.loaded_version(request.form.get("version")), current_user.email)
    except responses.ReportError:
        return redirect(url_for("report.overview", **urls), code=303)
    if uploaded.file is None:
        return _refused(grant, municipality, questionnaire, section, urls, [_(
            "Somebody else saved this page after you opened it. Nothing has been stored: "
            "open the page again, check the figures, and upload the file once more.")], 409)
    flash(_("The economy report was read: %(n)d figures are saved on this page.",
            n=len(result.figures)), "success")
    return redirect(page_url, code=303)


def _refused(grant: Grant, municipality: Municipality, questionnaire: Questionnaire,
             section: Section, urls: dict[str, Any], problems: list[str],
             status: int = 400) -> tuple[str, int]:
    language = str(get_locale() or "nb")
    context = grant_context(grant, municipality)
    response = responses.response_of(grant)
    return render_template(
        "report/workbook_refused.html", grant=grant, m=municipality, section=section,
        questionnaire=questionnaire, urls=urls, problems=problems, response=response,
        version=response.version if response is not None else 0,
        page_title=render_text(section.title, language, context),
        t=lambda text: render_text(text, language, context)), status
