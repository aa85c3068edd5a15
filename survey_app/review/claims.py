"""A claim's process on the case page (notice, response, decision, approval) and its
letters as pages and PDF. Thin views: parse the form, call one step of
services.claim_process, and say the outcome on the case page (PRG)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.access import Action, requires
from survey_app.models import Claim, Grant
from survey_app.review import claim_forms, letters
from survey_app.review.views import _case_url, _claim, _reviewer, bp
from survey_app.rules.claims import Next, first_decision_day, next_step
from survey_app.services import claim_letters, claim_process, decisions, letter_config

STAGE_LABELS = {
    "notice-draft": _l("Advance notice drafted, not sent"),
    "notice-sent": _l("Advance notice sent"),
    "decision-draft": _l("Decision drafted, waiting for approval"),
    "decided": _l("Decision approved and sent"),
}
NEXT_LABELS = {
    Next.SEND_NOTICE: _l("Next: read the draft notice and send it to the municipality."),
    Next.AWAIT_RESPONSE: _l("Next: the municipality may answer until %(due)s. Record its "
                            "answer when it comes; the decision can be drafted from "
                            "%(first)s."),
    Next.DRAFT_DECISION: _l("Next: the time to answer has run out. Draft the decision."),
    Next.APPROVE: _l("Next: a second reviewer with authority approves the decision. The one "
                     "who drafted it cannot."),
    Next.AWAIT_PAYMENT: _l("Next: the municipality pays by %(due)s. Record each payment "
                           "received."),
    Next.NOTHING: _l("The claim's process has ended."),
}


@dataclass(frozen=True)
class Process:
    """What the case page shows of one claim's process."""

    claim: Claim
    stage: str
    next: Next
    next_text: str
    forms: dict[str, FlaskForm]


def _day(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def process_of(claim: Claim) -> Process:
    today = decisions.oslo_today()
    step = next_step(claim.stage, claim.status, claim.response_due, today)
    first = first_decision_day(claim.response_due) if claim.response_due else None
    text = str(NEXT_LABELS[step]) % {"due": _day(claim.response_due if step == Next.AWAIT_RESPONSE
                                                 else claim.due_date), "first": _day(first)}
    return Process(claim, str(STAGE_LABELS.get(claim.stage, claim.stage)), step, text,
                   claim_forms.forms_for(claim.id, claim.amount_ore))


@bp.context_processor
def claim_helpers() -> dict[str, object]:
    return {"claim_process": process_of, "stage_labels": STAGE_LABELS}


def _step(claim: Claim, grant: Grant, form: FlaskForm, run: Callable[[], object],
          done: str) -> WerkzeugResponse:
    """Runs one step if its form is sound; a refusal or a form error is the case page's
    message, and nothing changed."""
    if not form.validate_on_submit():
        problems = [e for field in form for e in field.errors]
        flash(" ".join(str(p) for p in problems) or _("The form had expired. Try again."),
              "error")
        return redirect(_case_url(grant) + f"#claim-{claim.id}", code=303)
    try:
        run()
    except (decisions.DecisionError, letter_config.LetterConfigError) as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(_case_url(grant) + f"#claim-{claim.id}", code=303)


@bp.route("/gjennomgang/krav/<reference>/varsel", methods=["POST"])
@requires(Action.DECIDE)
def send_notice(reference: str) -> WerkzeugResponse:
    found, grant, _municipality = _claim(reference)
    form = claim_forms.SendNoticeForm(prefix=f"notice{found.id}")
    return _step(found, grant, form, lambda: claim_process.send_notice(found, _reviewer()),
                 _("The advance notice was sent to the municipality's post box."))


@bp.route("/gjennomgang/krav/<reference>/svar", methods=["POST"])
@requires(Action.DECIDE)
def record_response(reference: str) -> WerkzeugResponse:
    found, grant, _municipality = _claim(reference)
    form = claim_forms.ResponseForm(prefix=f"response{found.id}")
    return _step(found, grant, form, lambda: claim_process.record_response(
        found, form.text.data, form.received_on.data, _reviewer()),
        _("The municipality's answer was recorded."))


@bp.route("/gjennomgang/krav/<reference>/vedtak", methods=["POST"])
@requires(Action.DECIDE)
def draft_decision(reference: str) -> WerkzeugResponse:
    found, grant, _municipality = _claim(reference)
    form = claim_forms.DecisionForm(prefix=f"decision{found.id}")
    return _step(found, grant, form, lambda: claim_process.draft_decision(
        found, form.amount.data, form.reason.data, _reviewer()),
        _("The decision was drafted. A second reviewer with authority must approve it."))


@bp.route("/gjennomgang/krav/<reference>/godkjenn", methods=["POST"])
@requires(Action.DECIDE)
def approve_decision(reference: str) -> WerkzeugResponse:
    found, grant, _municipality = _claim(reference)
    form = claim_forms.ApproveDecisionForm(prefix=f"approval{found.id}")
    return _step(found, grant, form, lambda: claim_process.approve_decision(
        found, _reviewer()), _("The decision was approved and sent to the municipality."))


# ---- the letters ------------------------------------------------------------------------------


def _letter(reference: str, notice: bool) -> tuple[Claim, Grant,
                                                    claim_letters.Letter | tuple[str, int]]:
    """The claim and its letter, or the page saying why there is no letter (409)."""
    found, grant, _municipality = _claim(reference, Action.REVIEW)
    today = decisions.oslo_today()
    try:
        letter = (claim_letters.notice_of(found, today) if notice
                  else claim_letters.current_letter(found, today))
    except (decisions.DecisionError, letter_config.LetterConfigError) as error:
        return found, grant, (render_template(
            "review/claim_refused.html", claim=found, grant=grant, message=str(error),
            case_url=_case_url(grant)), 409)
    return found, grant, letter


@bp.route("/gjennomgang/krav/<reference>")
@requires(Action.REVIEW)
def claim_letter(reference: str) -> tuple[str, int]:
    _found, grant, letter = _letter(reference, notice=False)
    if isinstance(letter, tuple):
        return letter
    return render_template("review/claim.html", letter=letter, body=letters.letter_html(letter),
                           case_url=_case_url(grant)), 200


def _pdf(letter: claim_letters.Letter | tuple[str, int]) -> Response | tuple[str, int]:
    if isinstance(letter, tuple):
        return letter
    return Response(letters.letter_pdf(letter), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{letters.filename_of(letter)}"'})


@bp.route("/gjennomgang/krav/<reference>.pdf")
@requires(Action.REVIEW)
def claim_letter_pdf(reference: str) -> Response | tuple[str, int]:
    """The claim's current letter: its decision once drafted, else its notice."""
    return _pdf(_letter(reference, notice=False)[2])


@bp.route("/gjennomgang/krav/<reference>/forhandsvarsel.pdf")
@requires(Action.REVIEW)
def notice_pdf(reference: str) -> Response | tuple[str, int]:
    return _pdf(_letter(reference, notice=True)[2])
