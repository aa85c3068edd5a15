"""The second factor's pages: the code after the password, setting TOTP up, and one's
recovery codes (survey_app.auth.totp)."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired

from survey_app.access import Action, public, requires
from survey_app.auth import throttle, totp
from survey_app.auth.signin import Refusal, start_session
from survey_app.models import User

bp = Blueprint("totp", __name__)


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter the code."))])


class RegenerateForm(FlaskForm):
    """Only its CSRF token: the button makes new recovery codes."""


def _waiting() -> totp.Pending | Response:
    """The account waiting for its code in this browser, or the way back to the sign-in
    page (nothing waits, or it waited too long)."""
    found = totp.pending()
    if isinstance(found, totp.Pending):
        return found
    if found == "expired":
        flash(_("The sign-in took too long, or can no longer go on. Sign in again."), "info")
    return redirect(url_for("auth.login"))


def _signed_in(user: User, via: str, next_url: str | None) -> Response:
    start_session(user, via=via)
    answer = redirect(next_url or url_for("main.home"))
    throttle.remember_device(answer, user)
    return answer


def _code_error(form: CodeForm, message: str) -> None:
    form.code.errors = [message]


@bp.route("/logg-inn/kode", methods=["GET", "POST"])
@public  # the account waiting in this session's server-side data is the credential
def code() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    waiting = _waiting()
    if isinstance(waiting, Response):
        return waiting
    if waiting.user.totp_enrolled_at is None:
        return redirect(url_for("totp.enrol"))
    form = CodeForm()
    error, status = None, 200
    if form.validate_on_submit():
        parsed = totp.parse_code(form.code.data)
        if parsed is None:
            _code_error(form, totp.code_format_message())
            status = 400
        else:
            outcome = totp.check_code(waiting.user, parsed)
            if not isinstance(outcome, Refusal):
                return _signed_in(waiting.user, outcome, waiting.next)
            error, status = outcome.message, outcome.status
    elif form.is_submitted():
        status = 400
    return render_template("auth/totp_code.html", form=form, error=error), status


@bp.route("/logg-inn/tofaktor", methods=["GET", "POST"])
@public  # as `code`: only the account waiting in this session
def enrol() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    waiting = _waiting()
    if isinstance(waiting, Response):
        return waiting
    user = waiting.user
    if user.totp_enrolled_at is not None:
        return redirect(url_for("totp.code"))
    secret = totp.enrolment_secret(waiting)
    form = CodeForm()
    error, status = None, 200
    if form.validate_on_submit():
        parsed = totp.parse_code(form.code.data, recovery=False)
        if parsed is None:
            _code_error(form, totp.code_format_message(recovery=False))
            status = 400
        else:
            try:
                outcome = totp.enrol(user, secret, parsed)
            except totp.EnrolledElsewhere:
                flash(_("Two-step sign-in was set up for this account in another browser a "
                        "moment ago. Enter a code from that app."), "info")
                return redirect(url_for("totp.code"))
            if not isinstance(outcome, Refusal):
                start_session(user, via="password+totp")
                answer = make_response(render_template(
                    "auth/totp_recovery_codes.html", codes=outcome,
                    next=waiting.next or url_for("main.home")))
                throttle.remember_device(answer, user)
                return answer
            error, status = outcome.message, outcome.status
    elif form.is_submitted():
        status = 400
    return render_template("auth/totp_enrol.html", form=form, error=error, email=user.email,
                           secret=secret, grouped=" ".join(
                               secret[i:i + 4] for i in range(0, len(secret), 4)),
                           uri=totp.provisioning_uri(user, secret)), status


@bp.route("/konto/tofaktor", methods=["GET", "POST"])
@requires(Action.OWN_ACCOUNT)
def account() -> str | tuple[str, int]:
    user: User = current_user._get_current_object()
    enrolled = user.totp_enrolled_at is not None
    form = RegenerateForm()
    if enrolled and form.validate_on_submit():
        codes = totp.regenerate_recovery_codes(user)
        return render_template("auth/totp_recovery_codes.html", codes=codes,
                               next=url_for("totp.account"))
    return render_template(
        "auth/totp_account.html", form=form if enrolled else None,
        unused=totp.unused_recovery_codes(user) if enrolled else 0), (
        400 if form.is_submitted() else 200)
