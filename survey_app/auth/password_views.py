"""Changing one's own password, and choosing a new one through a link sent by e-mail."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from survey_app.access import Action, public, requires
from survey_app.auth.password_forms import (
    ChangePasswordForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from survey_app.auth.signin import start_session
from survey_app.mail import deliver_after_response
from survey_app.models import User
from survey_app.models.users import utcnow
from survey_app.services import password_resets

bp = Blueprint("passwords", __name__)


@bp.route("/konto/passord", methods=["GET", "POST"])
@requires(Action.OWN_ACCOUNT)
def change() -> str | Response | tuple[str, int]:
    user: User = current_user._get_current_object()
    if not user.password_hash:  # signs in through a provider only: nothing to change here
        return render_template("auth/password_change.html", form=None)
    form = ChangePasswordForm()
    form.person = (user.email, user.name)
    if form.validate_on_submit():
        assert form.current.data is not None and form.password.data is not None
        if password_resets.change_password(user, form.current.data, form.password.data,
                                           utcnow()):
            # Every session of the account has ended; this browser gets a new one.
            start_session(user, via="password-change")
            flash(_("Your password has been changed. You have been signed out everywhere "
                    "else."), "success")
            return redirect(url_for("passwords.change"))
        form.current.errors = [_("The current password is wrong.")]
    return render_template("auth/password_change.html", form=form), (
        400 if form.is_submitted() else 200)


def _base_url() -> str:
    """The service's address for the link: PUBLIC_URL where set, so that a forged Host
    header cannot make the mail point somewhere else; else the request's."""
    return str(current_app.config.get("PUBLIC_URL") or request.url_root)


@bp.route("/glemt-passord", methods=["GET", "POST"])
@public
def forgot() -> str | Response | tuple[str, int]:
    form = ResetRequestForm()
    if form.validate_on_submit():
        assert form.email.data is not None  # DataRequired
        mail = password_resets.request_reset(form.email.data, base_url=_base_url(),
                                             language=str(get_locale() or "nb"), now=utcnow())
        # The same page whether a mail went out or not: it tells nobody which addresses
        # have an account.
        answer = make_response(render_template("auth/password_forgot_sent.html"))
        deliver_after_response(answer, [mail] if mail is not None else [])
        return answer
    return render_template("auth/password_forgot.html", form=form), (
        400 if form.is_submitted() else 200)


@bp.route("/tilbakestill-passord/<token>", methods=["GET", "POST"])
@public  # the token in the link is the credential
def reset(token: str) -> str | Response | tuple[str, int]:
    check = password_resets.check_link(token, utcnow())
    if check.state != "valid":
        return _closed(check.state)
    user = check.user
    form = ResetPasswordForm()
    form.person = (user.email, user.name)
    if form.validate_on_submit():
        assert form.password.data is not None  # DataRequired
        try:
            password_resets.complete_reset(check, form.password.data, utcnow())
        except password_resets.LinkTaken:  # used in another browser a moment ago
            return _closed("used")
        flash(_("Your new password is saved. Sign in with it."), "success")
        return redirect(url_for("auth.login", email=user.email))
    return render_template("auth/password_reset.html", form=form, email=user.email), (
        400 if form.is_submitted() else 200)


def _closed(state: str) -> tuple[str, int]:
    return render_template("auth/password_reset_closed.html", state=state), (
        404 if state == "unknown" else 410)
