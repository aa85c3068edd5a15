"""The offices' decisions on applications, within the frames the Directorate sets (issue 16).

Thin views: parse the form, call one step of services.application_decisions, and say the
outcome on the page (PRG). Who may do what:
- the frames: every reader in scope sees them (an office its own); only a national
  reviewer (Helsedirektoratet) sets them;
- the applications: an office's reviewers and auditors see their own office's, the
  Directorate's reviewers and the national auditors all of them, read only; only a
  reviewer of the deciding office proposes, approves or sends back a decision.
A refusal of the person answers 404 and is audited, as everywhere (survey_app.access).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import Field, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in stubs 3.2
from wtforms.validators import InputRequired, Optional

from survey_app import audit
from survey_app.access import Action, national_scope, regional_office, requires
from survey_app.extensions import db
from survey_app.form_fields import KronerField
from survey_app.models import (
    Administration,
    Application,
    ApplicationStatus,
    Frame,
    Role,
    Scheme,
    User,
)
from survey_app.models.applications import DecisionOutcome, DecisionState
from survey_app.offices import OFFICES, office_name
from survey_app.review.views import bp
from survey_app.services import application_decisions as decisions
from survey_app.services import register
from survey_app.services.applications import PositionProblem
from survey_app.services.decisions import DecisionError

CHAPTER_POST = re.compile(r"[0-9]{3,4}\.[0-9]{2}")  # as forms.schemes_check: "765.62"
FIRST_YEAR, LAST_YEAR = 2000, 2100

OUTCOME_LABELS = {
    DecisionOutcome.APPROVED: _l("Approve"),
    DecisionOutcome.REDUCED: _l("Reduce the amount"),
    DecisionOutcome.REJECTED: _l("Reject"),
}
DECIDED_LABELS = {
    DecisionOutcome.APPROVED: _l("Approved"),
    DecisionOutcome.REDUCED: _l("Reduced"),
    DecisionOutcome.REJECTED: _l("Rejected"),
}
STATE_LABELS = {
    DecisionState.PROPOSED: _l("Proposed, waiting for approval"),
    DecisionState.APPROVED: _l("Decided"),
    DecisionState.WITHDRAWN: _l("Sent back or replaced"),
}
PROBLEM_LABELS = {
    PositionProblem.NOT_CONTINUING: _l("Not a continuing position: the scheme only continues "
                                       "positions that existed in its qualifying year"),
    PositionProblem.FUNDED_LATER: _l("First funded after the year applied for"),
    PositionProblem.NO_FIRST_YEAR: _l("The first year of funding is not given"),
    PositionProblem.NO_RATE: _l("The scheme has no rate for this year in the track"),
}
LETTER_MESSAGES = {
    decisions.LetterState.QUEUED: _l("The decision letter was queued to the municipality's "
                                     "post box."),
    decisions.LetterState.NOT_CONFIGURED: _l(
        "No decision letter text is configured for this scheme, so the service sends no "
        "decision letter: the letter must be written and sent outside the service."),
    decisions.LetterState.NOT_QUEUED: _l("The decision letter could not be queued: "
                                         "%(problem)s"),
}


# ---- forms ----------------------------------------------------------------------------------


class ProposeForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=[SelectChoice(str(k), v) for k, v in
                                                  OUTCOME_LABELS.items()],
                         validators=[InputRequired(_l("Choose whether to approve, reduce or "
                                                      "reject the application."))])
    amount = KronerField(_l("Reduced amount (kroner)"), description=_l(
        "Only when reducing: lower than what approving would grant."),
        validators=[Optional()])
    reason = TextAreaField(_l("Reason"), description=_l(
        "Required when reducing or rejecting; written for the municipality."))

    def fields(self) -> list[Field]:
        return [self.outcome, self.amount, self.reason]


class ProposalActionForm(FlaskForm):
    """Approving or sending back one proposal: its id, so a stale page acts on nothing."""

    decision = HiddenField()
    comment = TextAreaField(_l("Comment (optional)"))

    def decision_id(self) -> int | None:
        text = self.decision.data or ""
        return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None

    def fields(self) -> list[Field]:
        return [self.comment]


class FrameForm(FlaskForm):
    office = SelectField(_l("Office"), choices=[SelectChoice(slug, name)
                                                for slug, name in OFFICES.items()],
                         validators=[InputRequired(_l("Choose the office."))])
    amount = KronerField(_l("Frame (kroner)"),
                         validators=[InputRequired(_l("Enter the frame in kroner."))])
    transitional_cap = KronerField(_l("Cap for the transitional scheme (kroner, optional)"),
                                   description=_l("The most of the frame the transitional "
                                                  "scheme's decisions may take; empty for "
                                                  "no cap."), validators=[Optional()])

    def fields(self) -> list[Field]:
        return [self.office, self.amount, self.transitional_cap]


# ---- who, what ----------------------------------------------------------------------------


def _user() -> User:
    return current_user._get_current_object()


def _deny(object_type: str, object_id: str | int, action: Action) -> None:
    """As access.enforce refuses: 404, with an audit event."""
    audit.record("access.denied", object_type, object_id, after={"action": str(action)})
    db.session.commit()
    abort(404)


def _sets_frames(user: Any) -> bool:
    """The Directorate's reviewers set the frames (seed 001: "Helsedirektoratet utmåler en
    fordeling av midlene til Statsforvalteren")."""
    return getattr(user, "role", None) == Role.REVIEWER and national_scope(user)


def _offices_in_scope(user: Any) -> list[str]:
    if national_scope(user):
        return list(OFFICES)
    office = regional_office(user)
    return [office] if office else []


def _chapter_post_or_404(chapter_post: str) -> str:
    if not CHAPTER_POST.fullmatch(chapter_post):
        abort(404)
    exists = db.session.scalar(sa.select(Scheme.id).where(
        Scheme.chapter_post == chapter_post, Scheme.administration == Administration.OFFICES))
    if exists is None:
        abort(404)
    return chapter_post


def _year_or_404(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return year


def _application(application_id: int, action: Action) -> Application:
    """The application, if the user may read it (REVIEW) or decide it (DECIDE); else 404."""
    found = db.session.get(Application, application_id)
    if found is None or found.status == ApplicationStatus.DRAFT:
        abort(404)
    user = _user()
    allowed = (decisions.may_decide(user, found) if action == Action.DECIDE
               else found.office in _offices_in_scope(user))
    if not allowed:
        _deny("application", found.id, action)
    return found


def _municipality_name(number: str) -> str:
    entry = register.current_entry(number)
    return entry.display_name if entry else ""


@bp.context_processor
def application_helpers() -> dict[str, object]:
    return {"outcome_labels": OUTCOME_LABELS, "decided_labels": DECIDED_LABELS,
            "decision_state_labels": STATE_LABELS, "problem_labels": PROBLEM_LABELS,
            "municipality_name": _municipality_name}


# ---- the pages ------------------------------------------------------------------------------


def _combinations() -> list[tuple[str, int]]:
    """The chapter/posts and years that have applications or frames."""
    rows = [*db.session.execute(
        sa.select(Scheme.chapter_post, Application.year)
        .join(Application, Application.scheme_id == Scheme.id)
        .where(Application.status == ApplicationStatus.SUBMITTED)),
        *db.session.execute(sa.select(Frame.chapter_post, Frame.year))]
    found = {(str(chapter_post), int(year)) for chapter_post, year in rows}
    return sorted(found, key=lambda pair: (pair[0], -pair[1]))


def _chapter_posts() -> list[str]:
    return sorted(set(db.session.scalars(sa.select(Scheme.chapter_post).where(
        Scheme.administration == Administration.OFFICES, Scheme.chapter_post != ""))))


@bp.route("/gjennomgang/soknader")
@requires(Action.REVIEW)
def applications_home() -> tuple[str, int] | WerkzeugResponse:
    chapter_posts = _chapter_posts()
    problem = None
    if "aar" in request.args:  # the form to open a chapter/post and year not listed yet
        chosen, year = request.args.get("kapittelpost", ""), request.args.get("aar", "").strip()
        if chosen not in chapter_posts:
            problem = _("Choose a chapter and post.")
        elif not (year.isascii() and year.isdigit() and FIRST_YEAR <= int(year) <= LAST_YEAR):
            problem = _("Write the year with four digits, for example %(year)s.",
                        year=dt.date.today().year + 1)
        else:
            target = "review.frames" if request.args.get("side") == "rammer" \
                else "review.application_list"
            return redirect(url_for(target, chapter_post=chosen, year=int(year)))
    return render_template("review/applications/index.html", combinations=_combinations(),
                           chapter_posts=chapter_posts, problem=problem,
                           sets_frames=_sets_frames(_user()),
                           next_year=dt.date.today().year + 1), (400 if problem else 200)


def _render_frames(chapter_post: str, year: int, form: FrameForm | None = None) -> Any:
    user = _user()
    sets = _sets_frames(user)
    form = form or FrameForm(prefix="frame")
    rows = decisions.frames_overview(chapter_post, year, _offices_in_scope(user))
    return render_template("review/applications/frames.html", chapter_post=chapter_post,
                           year=year, rows=rows, form=form if sets else None,
                           errors=bool(form.errors)), 400 if form.errors else 200


@bp.route("/gjennomgang/rammer/<chapter_post>/<int:year>")
@requires(Action.REVIEW)
def frames(chapter_post: str, year: int) -> Any:
    return _render_frames(_chapter_post_or_404(chapter_post), _year_or_404(year))


@bp.route("/gjennomgang/rammer/<chapter_post>/<int:year>", methods=["POST"])
@requires(Action.DECIDE)
def set_frame(chapter_post: str, year: int) -> Any:
    chapter_post, year = _chapter_post_or_404(chapter_post), _year_or_404(year)
    if not _sets_frames(_user()):
        _deny("frame", f"{chapter_post}/{year}", Action.DECIDE)
    form = FrameForm(prefix="frame")
    if not form.validate_on_submit():
        return _render_frames(chapter_post, year, form)
    try:
        _frame, changed = decisions.set_frame(chapter_post, year, form.office.data or "",
                                              form.amount.data, form.transitional_cap.data,
                                              _user())
    except DecisionError as error:
        flash(str(error), "error")
    else:
        flash(_("The frame of %(office)s was set.", office=office_name(form.office.data, year))
              if changed else _("The frame was already so; nothing was changed."), "success")
    return redirect(url_for("review.frames", chapter_post=chapter_post, year=year), code=303)


@bp.route("/gjennomgang/soknader/<chapter_post>/<int:year>")
@requires(Action.REVIEW)
def application_list(chapter_post: str, year: int) -> str:
    chapter_post, year = _chapter_post_or_404(chapter_post), _year_or_404(year)
    offices = _offices_in_scope(_user())
    return render_template(
        "review/applications/list.html", chapter_post=chapter_post, year=year,
        lines=decisions.applications_of(chapter_post, year, offices),
        frames=decisions.frames_overview(chapter_post, year, offices))


def _render_decision(application: Application, propose_form: ProposeForm | None = None,
                     action_form: ProposalActionForm | None = None) -> tuple[str, int]:
    user = _user()
    scheme = db.session.get(Scheme, application.scheme_id)
    assert scheme is not None
    propose_form = propose_form or ProposeForm(prefix="propose")
    action_form = action_form or ProposalActionForm(prefix="proposal")
    current = decisions.current_decision(application)
    frame = decisions.frame_of(scheme.chapter_post, application.year, application.office)
    page = render_template(
        "review/applications/decide.html", application=application, scheme=scheme,
        figures=decisions.figures_of(application), current=current,
        history=list(reversed(application.decisions)), frame=frame,
        usage=decisions.usage_of(scheme.chapter_post, application.year, application.office),
        may_decide=decisions.may_decide(user, application), propose_form=propose_form,
        action_form=action_form, me=user.email,
        transitional=scheme.slug in decisions.transitional_slugs(),
        letter_configured=decisions.has_letter_texts(scheme.slug),
        forms_with_errors=[f for f in (propose_form, action_form) if f.errors])
    return page, 400 if propose_form.errors or action_form.errors else 200


@bp.route("/gjennomgang/soknader/sak/<int:application_id>")
@requires(Action.REVIEW)
def application_decision(application_id: int) -> tuple[str, int]:
    return _render_decision(_application(application_id, Action.REVIEW))


def _decision_url(application: Application) -> str:
    return url_for("review.application_decision", application_id=application.id)


@bp.route("/gjennomgang/soknader/sak/<int:application_id>/forslag", methods=["POST"])
@requires(Action.DECIDE)
def propose_decision(application_id: int) -> Any:
    application = _application(application_id, Action.DECIDE)
    form = ProposeForm(prefix="propose")
    if not form.validate_on_submit():
        return _render_decision(application, propose_form=form)
    try:
        result = decisions.propose(application, form.outcome.data, form.amount.data,
                                   form.reason.data, _user())
    except DecisionError as error:
        flash(str(error), "error")
    else:
        flash(_("This decision was proposed already; nothing was changed.") if result.repeated
              else _("The decision is proposed. A second reviewer of the office with "
                     "authority to approve decisions must approve it."), "success")
    return redirect(_decision_url(application), code=303)


@bp.route("/gjennomgang/soknader/sak/<int:application_id>/godkjenn", methods=["POST"])
@requires(Action.DECIDE)
def approve_decision_of_application(application_id: int) -> Any:
    application = _application(application_id, Action.DECIDE)
    form = ProposalActionForm(prefix="proposal")
    if not form.validate_on_submit() or form.decision_id() is None:
        flash(_("There is no such proposal for this application. Reload the page."), "error")
        return redirect(_decision_url(application), code=303)
    try:
        result = decisions.approve(application, form.decision_id(), _user())
    except DecisionError as error:
        flash(str(error), "error")
        return redirect(_decision_url(application), code=303)
    if result.grant is None:
        flash(_("The rejection is decided."), "success")
    else:
        flash(_("The decision is approved: the grant of %(amount)s is made in %(round)s.",
                amount=decisions.kr(result.grant.amount), round=result.grant.round.key),
              "success")
        message = LETTER_MESSAGES[result.letter]
        flash(str(message) % {"problem": result.letter_problem}
              if result.letter == decisions.LetterState.NOT_QUEUED else str(message),
              "success" if result.letter == decisions.LetterState.QUEUED else "warning")
    return redirect(_decision_url(application), code=303)


@bp.route("/gjennomgang/soknader/sak/<int:application_id>/tilbake", methods=["POST"])
@requires(Action.DECIDE)
def send_back_decision(application_id: int) -> Any:
    application = _application(application_id, Action.DECIDE)
    form = ProposalActionForm(prefix="proposal")
    if not form.validate_on_submit() or form.decision_id() is None:
        flash(_("There is no such proposal for this application. Reload the page."), "error")
        return redirect(_decision_url(application), code=303)
    try:
        decisions.send_back(application, form.decision_id(), _user(), form.comment.data)
    except DecisionError as error:
        flash(str(error), "error")
    else:
        flash(_("The proposal was sent back; the office may propose again."), "success")
    return redirect(_decision_url(application), code=303)
