"""The coordinator's report: pages saved to the server, a summary, submit and receipt.

Addresses name the report as users do: `/rapporter/<scheme>/<year>/<kommunenummer>`.
Every view checks the municipality against the user's scope (404 and an audit event
otherwise). Pages are saved on every post, valid or not, before the answer goes back.
"""

from __future__ import annotations

import datetime as dt
import secrets
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.answers import answers_before, answers_from_json, evaluate, page_data
from forms.builder import (
    FormData,
    SectionResult,
    choice_options,
    find_section,
    format_answer,
    hidden_keys,
    input_id,
    render_text,
    validate_section,
)
from forms.messages import message
from forms.model import Questionnaire, Section
from survey_app import page_input
from survey_app.access import Action, can, requires
from survey_app.after_response import after_response
from survey_app.auth.views import posted_language, switch_language
from survey_app.extensions import csrf, db
from survey_app.lookups import report_or_404
from survey_app.mail import deliver_after_response
from survey_app.models import Grant, GrantStatus, Municipality, OutboxMail, Submission
from survey_app.models import Response as ReportResponse
from survey_app.models.users import utcnow
from survey_app.questionnaire_view import fixed_texts, problem_lines, section_fields
from survey_app.report import resume, saving, tasks
from survey_app.services import accounts, flags, receipts, responses
from survey_app.services.authority import signer
from survey_app.services.rounds import grant_context

bp = Blueprint("report", __name__, url_prefix="/rapporter/<slug>/<int:year>/<number>")


def _language() -> str:
    return str(get_locale() or "nb")


@bp.app_template_filter("commented_questions")
def commented_questions(sections: Any, notes: dict[str | None, list[str]]) -> list[Any]:
    """(section id, question) of every question the reviewer commented on, in order."""
    return [(s.id, q) for s in sections for q in s.questions if q.id in notes]


def _report(slug: str, year: int, number: str, action: Action = Action.REPORT
            ) -> tuple[Grant, Municipality, ReportResponse | None]:
    """The grant, its municipality and its response (one query), or 404."""
    report = report_or_404(slug, year, number, action)
    assert report.municipality is not None  # report_or_404 answered 404 otherwise
    return report.grant, report.municipality, report.response


def _urls(grant: Grant) -> dict[str, Any]:
    return {"slug": grant.round.scheme.slug, "year": str(grant.round.year),
            "number": grant.municipality_number}


def _editable(grant: Grant, response: ReportResponse | None) -> bool:
    if grant.status in (GrantStatus.OPTED_OUT, GrantStatus.CLOSED):
        return False
    return response is None or response.status in responses.EDITABLE


def _texts(language: str, context: dict[str, object]) -> dict[str, Any]:
    return {"t": lambda text: render_text(text, language, context),
            "msg": partial(message, language=language),
            "show": partial(format_answer, language=language, context=context),
            "options": partial(choice_options, language=language, context=context)}


def _whole_report(slug: str, year: int, number: str) -> dict[str, Any]:
    """What the overview and the summary show: every page evaluated, in order."""
    grant, municipality, response = _report(slug, year, number)
    language = _language()
    questionnaire = responses.questionnaire_of(grant, response)
    context = grant_context(grant, municipality)
    saved = responses.page_data(response)
    return {"grant": grant, "m": municipality, "response": response,
            "questionnaire": questionnaire, "urls": _urls(grant),
            "evaluation": evaluate(questionnaire, saved, context, language),
            "editable": _editable(grant, response), "saved": saved,
            "notes": responses.review_notes(response), **_texts(language, context)}


@bp.route("")
@requires(Action.REPORT)
def overview(slug: str, year: int, number: str) -> str:
    report = _whole_report(slug, year, number)
    return render_template("report/overview.html", tasks=tasks.task_list(
        report["questionnaire"], report["evaluation"], report["saved"]), **report)


@bp.route("/side/<section_id>", methods=["GET", "POST"])
@requires(Action.REPORT, anonymous_post=True)
def page(slug: str, year: int, number: str, section_id: str) -> Any:
    if request.method == "POST":  # refused unless from this browser; kept over a sign-in
        interrupted = resume.interrupted(slug, year, number, section_id)
        if interrupted is not None:
            return interrupted
    grant, municipality, response = _report(slug, year, number)
    questionnaire = responses.questionnaire_of(grant, response)
    section = _section(questionnaire, section_id)
    language = posted_language() if request.method == "POST" else None  # 400 if unknown
    if not _editable(grant, response):
        if language is not None:
            switch_language(language)
        return redirect(url_for("report.overview", **_urls(grant)))
    if language is not None:
        return _switch_language(grant, municipality, response, questionnaire, section,
                                language)
    if request.method == "POST":
        return _save(grant, municipality, response, questionnaire, section)
    pending = resume.pending_for(grant, section.id)
    if pending is not None and response is not None:
        return _kept_beside_newer(grant, municipality, response, questionnaire, section,
                                  pending.form)
    data = page_data(section, responses.page_data(response), grant_context(grant, municipality))
    view = _PageView(grant, municipality, response, questionnaire, section, data)
    return view.render(result=view.validate(), show_errors=False)


# The page checks its CSRF token itself (report.resume), so that a post whose sign-in
# expired can be kept for its user instead of ending in an error page.
csrf.exempt(page)


def _section(questionnaire: Questionnaire, section_id: str) -> Section:
    try:
        return find_section(questionnaire, section_id)
    except KeyError:
        abort(404)


def _kept_beside_newer(grant: Grant, municipality: Municipality, response: ReportResponse,
                       questionnaire: Questionnaire, section: Section,
                       form: list[list[str]]) -> str:
    """A post kept over a sign-in that met a newer save: both answers, side by side."""
    posted, added = page_input.posted(section, MultiDict([(k, v) for k, v in form]))
    view = _PageView(grant, municipality, response, questionnaire, section, posted, added)
    conflict = responses.conflict_of(response, section.id)
    return view.render(result=view.validate(), show_errors=False, conflict=conflict,
                       version=conflict.version if conflict else None)


def _save(grant: Grant, municipality: Municipality, response: ReportResponse | None,
          questionnaire: Questionnaire, section: Section) -> Any:
    urls = _urls(grant)  # before the save's commit expires the grant
    stored = saving.store(grant, municipality, response, questionnaire, section,
                          request.form, current_user.email, _language())
    if stored.saved is None:
        return redirect(url_for("report.overview", **urls))
    result, saved = stored.result, stored.saved
    if saved.conflict is not None:
        return _page_view(grant, municipality, questionnaire, section, stored).render(
            result=result, show_errors=False, conflict=saved.conflict,
            version=saved.conflict.version), 409
    resume.forget(grant, section.id)
    target = page_input.next_target(request.form.get("go", ""), questionnaire, section,
                                    result, request.form)
    if target is not None and request.form.get("go") == "next" and _back_to_summary():
        target = page_input.SUMMARY  # opened by "Change" on the summary: back to it
    if target is None:
        return _page_view(grant, municipality, questionnaire, section, stored).render(
            result=result, show_errors=True, saved=True,
            revealed=page_input.revealed(request.form, result))
    return redirect(_target_url(urls, target))


def _switch_language(grant: Grant, municipality: Municipality,
                     response: ReportResponse | None, questionnaire: Questionnaire,
                     section: Section, language: str) -> Any:
    """A language button pressed on the page (base.html sends the page's form): what was
    typed is saved as by a save that stays on the page (same validation, conflict check
    and audit), and the page is shown again in that language with what was typed and its
    problems. Nothing typed since the page was loaded: only the language changes, and the
    page opens again as it was (no save, no draft started, no problems shown)."""
    shown = page_data(section, responses.page_data(response), grant_context(grant, municipality))
    posted, _ = page_input.posted(section, request.form)
    switch_language(language)
    if page_input.unchanged(posted, shown):
        back: dict[str, Any] = {"tilbake": "oppsummering"} if _back_to_summary() else {}
        return redirect(url_for("report.page", section_id=section.id, **_urls(grant), **back),
                        code=303)
    return _save(grant, municipality, response, questionnaire, section)


def _back_to_summary() -> bool:
    """Whether the page was opened from the summary's "Change" link (the only value)."""
    return request.values.get("tilbake") == "oppsummering"


def _page_view(grant: Grant, municipality: Municipality, questionnaire: Questionnaire,
               section: Section, stored: saving.Stored) -> _PageView:
    """The page shown again after a save (its problems, or a conflict): only then is the
    saved response read back; a save that moves on is answered by a redirect alone."""
    return _PageView(grant, municipality, responses.response_of(grant), questionnaire,
                     section, stored.posted, stored.added)


def _target_url(urls: dict[str, Any], target: str) -> str:
    if target == page_input.SUMMARY:
        return url_for("report.summary", **urls)
    if target == page_input.OVERVIEW:
        return url_for("report.overview", **urls)
    return url_for("report.page", section_id=target, **urls)


class _PageView:
    """What one page of the report shows: figures, saved or posted values, problems."""

    def __init__(self, grant: Grant, municipality: Municipality,
                 response: ReportResponse | None, questionnaire: Questionnaire,
                 section: Section, data: FormData, added: str | None = None) -> None:
        self.grant, self.municipality, self.response = grant, municipality, response
        self.questionnaire, self.section, self.data, self.added = (
            questionnaire, section, data, added)
        self.context = grant_context(grant, municipality)
        self.language = _language()

    def validate(self) -> SectionResult:
        return saving.validate(self.grant, self.municipality, self.response,
                               self.questionnaire, self.section, self.data, self.language)

    def render(self, result: SectionResult, show_errors: bool, saved: bool = False,
               conflict: responses.Conflict | None = None, version: int | None = None,
               data: FormData | None = None, revealed: set[str] | None = None) -> str:
        data = data if data is not None else self.data
        revealed = revealed or set()
        errors = {k: v for k, v in result.errors.items()
                  if k not in revealed} if show_errors else {}
        index = self.questionnaire.sections.index(self.section)
        texts = _texts(self.language, self.context)
        return render_template(
            "report/page.html", grant=self.grant, m=self.municipality,
            questionnaire=self.questionnaire, section=self.section, index=index,
            result=result, raw=data, errors=errors, revealed=revealed,
            problems=problem_lines(self.section, errors, result.anchors, texts["t"]),
            hidden=result.hidden, rows=page_input.row_counts(self.section, data, self.added),
            saved=saved, conflict=conflict, urls=_urls(self.grant),
            conflict_answers=self._conflict_answers(conflict),
            version=version if version is not None else self._version(),
            field_views=section_fields(self.questionnaire, self.section.id, self.language,
                                       self.context, show_conditions=False),
            fixed=fixed_texts(self.language), show_conditions=False,
            back_to_summary=_back_to_summary(),
            # The language buttons send this form (not over a conflict: that would save
            # over the other person's answers without the respondent choosing to).
            language_form="page-form" if conflict is None else None,
            notes=responses.review_notes(self.response), **texts)

    def _version(self) -> int:
        return self.response.version if self.response is not None else 0

    def _conflict_answers(self, conflict: responses.Conflict | None) -> list[tuple[str, str]]:
        if conflict is None:
            return []
        theirs = validate_section(self.questionnaire, self.section.id,
                                  FormData(conflict.data), self.context, {}, self.language)
        return [(render_text(q.label, self.language, self.context),
                 format_answer(q, theirs.answers[q.id], self.language, self.context))
                for q in self.section.questions if q.id in theirs.answers]


@bp.route("/side/<section_id>/synlighet", methods=["POST"])
@requires(Action.REPORT)
def visibility(slug: str, year: int, number: str, section_id: str) -> Response:
    """Which questions the typed answers hide (for conditions.js); the server decides."""
    grant, municipality, response = _report(slug, year, number)
    questionnaire = responses.questionnaire_of(grant, response)
    section = _section(questionnaire, section_id)
    context = grant_context(grant, municipality)
    before = answers_before(questionnaire, section.id, responses.page_data(response), context)
    posted, _ = page_input.posted(section, request.form)
    return jsonify(hidden=hidden_keys(questionnaire, section.id, posted, context, before))


@bp.route("/oppsummering")
@requires(Action.REPORT)
def summary(slug: str, year: int, number: str) -> str:
    report = _whole_report(slug, year, number)
    return render_template("report/summary.html", key=secrets.token_urlsafe(24), anchor=input_id,
                           late=responses.is_late(report["grant"], utcnow()), **report)


@bp.route("/send", methods=["POST"])
@requires(Action.REPORT)
def send(slug: str, year: int, number: str) -> WerkzeugResponse | tuple[str, int]:
    report = report_or_404(slug, year, number, Action.REPORT)
    grant, municipality, response = report.grant, report.municipality, report.response
    assert municipality is not None  # report_or_404 answered 404 otherwise
    language, receipt_mails = _language(), list[OutboxMail]()
    grant_id, urls = grant.id, _urls(grant)  # read before the submit's commit expires them
    if accounts.missing(grant, response):  # the accounts its scheme requires (issue 16)
        return render_template("report/refused.html", grant=grant, m=municipality,
                               code="accounts-missing", urls=urls), 409
    judgement: flags.Judgement | None = None

    def within(submission: Submission) -> None:  # in the submit's transaction
        nonlocal judgement
        # What it reads (the post box, the positions) does not depend on the submission's
        # rows: they are written once, at the commit, not flushed before each read.
        with db.session.no_autoflush:
            receipt_mails.extend(receipts.queue_receipt(
                grant, municipality, submission,
                receipts.receipt_addresses(report.mailbox, current_user.email), language))
            judgement = flags.judgement_on_submit(grant, municipality, submission,
                                                  dt.date.today())

    try:
        submitted = responses.submit(grant, request.form.get("key", ""), current_user.email,
                                     language, within=within,
                                     context=grant_context(grant, municipality),
                                     response=response)
    except responses.ReportError as error:
        return render_template("report/refused.html", grant=grant, m=municipality,
                               code=error.code, urls=urls), 409
    receipt = redirect(url_for("report.receipt", n=submitted.number, **urls), code=303)
    if submitted.created:
        deliver_after_response(receipt, receipt_mails)
        if judgement is not None and flags.would_change(judgement):
            # Not needed for the receipt, and made good by the deadline job (`flags
            # compute`) should this worker die before it runs.
            after_response(receipt, partial(flags.evaluate_after_submit, grant_id),
                           f"flags of grant {grant_id} after its submit")
    return receipt


def _submission(response: ReportResponse | None, n: int) -> tuple[ReportResponse, Submission]:
    found = next((s for s in response.submissions if s.number == n), None) if response else None
    if response is None or found is None:
        abort(404)
    return response, found


# A receipt is read, never changed: by the report's coordinator, and by whoever reads the
# municipality's case (reviewers, auditors, admins within their scope; issue 13).
@bp.route("/kvittering/<int:n>")
@requires(Action.READ_RECEIPTS)
def receipt(slug: str, year: int, number: str, n: int) -> str:
    grant, municipality, response = _report(slug, year, number, Action.READ_RECEIPTS)
    _, submission = _submission(response, n)
    language = _language()
    questionnaire = responses.questionnaire_version(submission.questionnaire_id,
                                                    submission.questionnaire_version)
    answers = answers_from_json(questionnaire, submission.answers)
    return render_template(
        "report/receipt.html", grant=grant, m=municipality, submission=submission,
        questionnaire=questionnaire, answers=answers, urls=_urls(grant),
        reader=not can(current_user, Action.REPORT, municipality),  # back to the case
        sender=signer(grant, language), **_texts(language, grant_context(grant, municipality)))


@bp.route("/kvittering/<int:n>.pdf")
@requires(Action.READ_RECEIPTS)
def receipt_pdf(slug: str, year: int, number: str, n: int) -> Response:
    grant, municipality, response = _report(slug, year, number, Action.READ_RECEIPTS)
    _, submission = _submission(response, n)
    pdf = receipts.receipt_pdf(grant, municipality, submission, _language())
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="kvittering-{submission.reference}.pdf"'})

