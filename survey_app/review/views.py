"""Tracking for reviewers: each round's response rate, and where each grant's report stands;
the flags of a round, each case with its decisions, and the repayment claim letters.

A reviewer sees only the municipalities in scope (a Statsforvalter office its own, the
Directorate all): the service is given only those, so nothing else is shown or counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.money import format_amount, from_ore
from survey_app.access import Action, can, enforce, requires
from survey_app.extensions import db
from survey_app.formatting import OSLO
from survey_app.listing import AmountRange, Listing, choice_arg
from survey_app.lookups import grant_or_404, round_or_404
from survey_app.models import Claim, ClaimStatus, Flag, FlagStatus, Grant, Municipality, User
from survey_app.review import forms as decision_forms
from survey_app.review import pages
from survey_app.rules.cases import CaseStatus
from survey_app.services import claim_letters, decisions, payments, responses, tracking
from survey_app.services.tracking import State

bp = Blueprint("review", __name__)
STATE_LABELS = {
    State.NOT_INVITED: _l("Not invited"),
    State.INVITED: _l("Invited"),
    State.OPENED: _l("Invitation opened"),
    State.STARTED: _l("Started"),
    State.SUBMITTED: _l("Submitted on time"),
    State.SUBMITTED_LATE: _l("Submitted late"),
    State.RETURNED: _l("Returned for correction"),
    State.DECLINED: _l("Declined"),
}


def local_date(value: dt.datetime | None) -> str:
    """A stored UTC time as the Norwegian calendar day it happened on: ``dd.mm.åååå``."""
    if value is None:
        return ""
    return value.replace(tzinfo=dt.UTC).astimezone(OSLO).strftime("%d.%m.%Y")


@bp.context_processor
def helpers() -> dict[str, object]:
    return {"state_labels": STATE_LABELS, "local_date": local_date}


@bp.route("/gjennomgang/runder")
@requires(Action.REVIEW)
def rounds() -> str:
    return render_template("review/rounds.html", rows=tracking.round_rates(current_user))


@bp.route("/gjennomgang/runder/<slug>/<int:year>")
@requires(Action.REVIEW)
def round_tracking(slug: str, year: int) -> str:
    round_ = round_or_404(slug, year)
    states = tracking.grant_states(round_, tracking.scoped_municipalities(round_, current_user))
    # A value that is none of the list's (typed into the URL) is said and not used.
    state, state_ok = choice_arg(request.args, "state", set(State))
    county, county_ok = choice_arg(request.args, "county", {s.county_number for s in states})
    office, office_ok = choice_arg(request.args, "office", {s.office for s in states})
    amounts = AmountRange.from_args(request.args, _language())
    shown = [s for s in tracking.filter_states(states, state, county)
             if (not office or s.office == office) and amounts.admits(s.amount)]
    listing = Listing.from_args(request.args, list(GRANT_SORT_KEYS), "number")
    ignored = [(name, str(label)) for name, label, ok in (
        ("state", _l("Status"), state_ok), ("county", _l("County"), county_ok),
        ("office", _l("County governor"), office_ok)) if not ok]
    return render_template(
        "review/round.html", round=round_, rates=tracking.response_rates(states),
        shown=shown, page=listing.page_of(shown, GRANT_SORT_KEYS), state=state, county=county,
        office=office, offices=sorted({s.office for s in states if s.office}),
        amounts=amounts, ignored=ignored)


# The columns the round's grant list sorts by (listing.Listing).
GRANT_SORT_KEYS: dict[str, Callable[[tracking.GrantState], Any]] = {
    "number": lambda s: s.number,
    "municipality": lambda s: (s.name.casefold(), s.number),
    "county": lambda s: (s.county_name.casefold(), s.number),
    "office": lambda s: (s.office, s.number),
    "amount": lambda s: s.amount,
    "status": lambda s: (list(State).index(s.state), s.number),
    "submitted": lambda s: s.submitted_at,
}


# ---- flags and cases (issue 5): lists, the case page, decisions, claim letters -------------

FLAG_STATUS_LABELS = {
    FlagStatus.OPEN: _l("Open"), FlagStatus.CLAIMED: _l("Repayment claimed"),
    FlagStatus.WAIVED: _l("Waived"), FlagStatus.RESOLVED: _l("Resolved by a new report"),
}
CASE_STATUS_LABELS = {
    CaseStatus.DECLINED: _l("Declined"), CaseStatus.NOT_INVITED: _l("Not invited"),
    CaseStatus.INVITED: _l("Invited"), CaseStatus.STARTED: _l("Started"),
    CaseStatus.SUBMITTED: _l("Submitted"), CaseStatus.RETURNED: _l("Returned for correction"),
    CaseStatus.APPROVED: _l("Approved"), CaseStatus.CLAIMED: _l("Repayment claimed"),
    CaseStatus.WAIVED: _l("Waived"), CaseStatus.REPAID: _l("Repaid"),
}
# The parts of a grant a rule reclaims (forms.rules.RECLAIMS; rules.repayment.proposal).
PART_LABELS = {
    "whole": _l("The whole grant"), "unused": _l("Unused"),
    "moved": _l("Moved to the next year"), "misused": _l("Used contrary to the conditions"),
    "position-cut": _l("Reduced position"), "none": _l("No part (a question or a review)"),
    "undeclared": _l("Not declared (counted in full)"),
}
# Money back is "repaid" (nb/nn "Tilbakebetalt"), never "paid out" ("Utbetalt": a grant); a
# claim's own status beside "Claimed, not paid" is "Paid" (nb/nn "Betalt").
CLAIM_STATUS_LABELS = {ClaimStatus.CLAIMED: _l("Claimed, not paid"),
                       ClaimStatus.PAID: _l("Paid"), ClaimStatus.CANCELLED: _l("Cancelled")}


def _language() -> str:
    return str(get_locale() or "nb")


def _reviewer() -> User:
    return current_user._get_current_object()


def _case_grant(slug: str, year: int, number: str,
                action: Action = Action.DECIDE) -> tuple[Grant, Municipality]:
    """The case's grant, if the user may do `action` on it (a decision unless said)."""
    return grant_or_404(slug, year, number, action)


def _case_url(grant: Grant) -> str:
    return url_for("review.case", slug=grant.round.scheme.slug, year=grant.round.year,
                   number=grant.municipality_number)


@bp.context_processor
def decision_helpers() -> dict[str, object]:
    return {"flag_labels": FLAG_STATUS_LABELS, "case_labels": CASE_STATUS_LABELS,
            "claim_labels": CLAIM_STATUS_LABELS, "text_in": pages.text_in,
            "part_labels": PART_LABELS,
            "ore": lambda ore: format_amount(from_ore(ore))}


@bp.route("/gjennomgang/runder/<slug>/<int:year>/flagg")
@requires(Action.REVIEW)
def flags(slug: str, year: int) -> str:
    round_ = round_or_404(slug, year)
    rows = pages.flag_rows(round_, tracking.scoped_municipalities(round_, current_user))
    chosen = pages.FlagFilter.from_args(request.args, _language())
    shown = [r for r in rows if chosen.admits(r)]
    language = _language()
    keys = pages.flag_sort_keys(language, {k: str(v) for k, v in FLAG_STATUS_LABELS.items()})
    listing = Listing.from_args(request.args, list(keys), "municipality")
    claims = pages.claim_rows(round_, tracking.scoped_municipalities(round_, current_user))
    return render_template("review/flags.html", round=round_, rows=rows, shown=shown,
                           page=listing.page_of(shown, keys),
                           chosen=chosen, total_ore=pages.total_ore(round_, shown),
                           claims=claims, claim_totals=pages.claim_totals(claims))


def _flag_labels(flags: list[Flag], language: str) -> list[tuple[int, str]]:
    return [(f.id, pages.text_in(f.explanation.get("title"), language)) for f in flags]


def _forms(case: pages.Case, language: str, posted: dict[str, Any]) -> dict[str, Any]:
    """Every decision form of the case page: fresh ones, or the one posted with errors."""
    forms: dict[str, Any] = {
        "claim": decision_forms.claim_form(_flag_labels(case.open_flags, language),
                                           case.to_claim_ore),
        "waive": {f.id: decision_forms.WaiveForm(prefix=f"waive{f.id}")
                  for f in case.open_flags},
        "approve": decision_forms.ApproveForm(prefix="approve"),
        "returned": decision_forms.ReturnForm(prefix="return"),
        "claim_status": {c.id: decision_forms.ClaimStatusForm(prefix=f"claim{c.id}")
                         for c in case.claims},
        "claim_payment": {c.id: decision_forms.claim_payment_form(c.id, case.outstanding_ore(c))
                          for c in case.claims},
    }
    for name, form in posted.items():
        if isinstance(forms[name], dict):
            forms[name].update(form)
        else:
            forms[name] = form
    if case.submission is not None:
        forms["returned"].set_questions(
            pages.question_choices(case.grant, case.submission, language))
    return forms


def _all_forms(forms: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    for form in forms.values():
        found.extend(form.values() if isinstance(form, dict) else [form])
    return found


def _render_case(grant: Grant, municipality: Municipality,
                 posted: dict[str, Any] | None = None) -> tuple[str, int]:
    language = _language()
    case = pages.case_of(grant, municipality, language)
    forms = _forms(case, language, posted or {})
    # Admins and auditors read the case; only a reviewer in scope sees the decision forms.
    page = render_template("review/case.html", case=case, forms=forms,
                           may_decide=can(current_user, Action.DECIDE, municipality),
                           errors=[f for f in _all_forms(forms) if f.errors])
    return page, 400 if posted else 200


@bp.route("/gjennomgang/runder/<slug>/<int:year>/<number>")
@requires(Action.REVIEW)
def case(slug: str, year: int, number: str) -> tuple[str, int]:
    return _render_case(*_case_grant(slug, year, number, Action.REVIEW))


def _decided(grant: Grant, decide: Callable[[], object], done: str) -> WerkzeugResponse:
    """Runs one decision; its outcome is the status message on the case page (PRG)."""
    try:
        decide()
    except decisions.DecisionError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(_case_url(grant), code=303)


CaseAnswer = WerkzeugResponse | tuple[str, int]


@bp.route("/gjennomgang/runder/<slug>/<int:year>/<number>/krav", methods=["POST"])
@requires(Action.DECIDE)
def claim(slug: str, year: int, number: str) -> CaseAnswer:
    grant, municipality = _case_grant(slug, year, number)
    open_flags = pages.open_flags_of(grant)
    form = decision_forms.claim_form(_flag_labels(open_flags, _language()), 0)
    if not form.validate_on_submit():
        return _render_case(grant, municipality, {"claim": form})
    flag_ids = form.flags.data
    assert flag_ids is not None  # InputRequired
    chosen = [f for f in open_flags if f.id in flag_ids]
    return _decided(grant, lambda: decisions.claim(
        chosen, form.amount.data, form.reason.data, _reviewer()),
        _("The advance notice is drafted. Read it, then send it to the municipality."))


@bp.route("/gjennomgang/runder/<slug>/<int:year>/<number>/flagg/<int:flag_id>/frafall",
          methods=["POST"])
@requires(Action.DECIDE)
def waive(slug: str, year: int, number: str, flag_id: int) -> CaseAnswer:
    grant, municipality = _case_grant(slug, year, number)
    flag = db.session.get(Flag, flag_id)
    if flag is None or flag.grant_id != grant.id:
        abort(404)
    form = decision_forms.WaiveForm(prefix=f"waive{flag.id}")
    if not form.validate_on_submit():
        return _render_case(grant, municipality, {"waive": {flag.id: form}})
    return _decided(grant, lambda: decisions.waive(flag, form.reason.data, _reviewer()),
                    _("The flag was waived: no repayment is claimed for it."))


@bp.route("/gjennomgang/runder/<slug>/<int:year>/<number>/retur", methods=["POST"])
@requires(Action.DECIDE)
def return_report(slug: str, year: int, number: str) -> CaseAnswer:
    grant, municipality = _case_grant(slug, year, number)
    form = decision_forms.ReturnForm(prefix="return")
    if not form.validate_on_submit():
        return _render_case(grant, municipality, {"returned": form})
    return _decided(grant, lambda: decisions.return_for_correction(
        grant, form.comments(), _reviewer()),
        _("The report was returned to the municipality for correction."))


@bp.route("/gjennomgang/runder/<slug>/<int:year>/<number>/godkjenn", methods=["POST"])
@requires(Action.DECIDE)
def approve(slug: str, year: int, number: str) -> CaseAnswer:
    grant, _municipality = _case_grant(slug, year, number)
    if not decision_forms.ApproveForm(prefix="approve").validate_on_submit():
        abort(400)
    return _decided(grant, lambda: decisions.approve(grant, _reviewer()),
                    _("The report was approved."))


def _claim(reference: str,
           action: Action = Action.DECIDE) -> tuple[Claim, Grant, Municipality]:
    """The claim and its case, if the user may do `action` on it (a decision unless said)."""
    found = claim_letters.find_claim(reference)
    grant = db.session.get(Grant, found.grant_id) if found is not None else None
    municipality = responses.municipality_of(grant) if grant is not None else None
    if found is None or grant is None or municipality is None:
        abort(404)
    enforce(action, municipality)
    return found, grant, municipality


@bp.route("/gjennomgang/krav/<reference>/status", methods=["POST"])
@requires(Action.DECIDE)
def claim_status(reference: str) -> CaseAnswer:
    found, grant, municipality = _claim(reference)
    form = decision_forms.ClaimStatusForm(prefix=f"claim{found.id}")
    if not form.validate_on_submit():
        return _render_case(grant, municipality, {"claim_status": {found.id: form}})
    return _decided(grant, lambda: decisions.set_claim_status(
        found, form.status.data or ClaimStatus.CANCELLED, _reviewer(), form.reason.data or ""),
        _("The claim's status was changed."))


@bp.route("/gjennomgang/krav/<reference>/betaling", methods=["POST"])
@requires(Action.DECIDE)
def claim_payment(reference: str) -> CaseAnswer:
    """A payment received on the claim: in full or in part, never more than outstanding."""
    found, grant, municipality = _claim(reference)
    form = decision_forms.ClaimPaymentForm(prefix=f"payment{found.id}")
    if not form.validate_on_submit():
        return _render_case(grant, municipality, {"claim_payment": {found.id: form}})
    return _decided(grant, lambda: payments.record_repayment(
        found, form.amount.data, form.paid_on.data, _reviewer()),
        _("The payment was recorded."))


# The claim's process and its letters: survey_app.review.claims.
