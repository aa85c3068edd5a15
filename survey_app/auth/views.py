"""Signing in and out, and choosing the language."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, logout_user
from werkzeug.security import generate_password_hash
from werkzeug.wrappers import Response

from survey_app import audit, sessions
from survey_app.access import public
from survey_app.auth import oidc, throttle, totp
from survey_app.auth.forms import LanguageForm, SignInForm
from survey_app.auth.invitation_form import SetPasswordForm
from survey_app.auth.signin import Refusal, check_credentials, start_session
from survey_app.extensions import db
from survey_app.lookups import report_url_of
from survey_app.models.users import utcnow
from survey_app.report import resume
from survey_app.security import safe_next
from survey_app.services import invitations

bp = Blueprint("auth", __name__)

# Checked when the address is unknown, so both answers take the same time.
_DUMMY_HASH = generate_password_hash("not a password")


@bp.route("/logg-inn", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    # An invitation link whose account has a password already sends its address here.
    form = SignInForm(email=request.args.get("email", "")[:254] or None)
    error, status = None, 200
    if form.validate_on_submit():
        email, password = form.email.data, form.password.data
        assert email is not None and password is not None  # DataRequired
        outcome = check_credentials(email, password)
        if not isinstance(outcome, Refusal) and not totp.password_allowed(outcome):
            outcome = totp.refuse_password(outcome)  # PASSWORD_SIGN_IN: break-glass only
        if not isinstance(outcome, Refusal):
            next_url = safe_next(request.args.get("next"))
            if totp.second_factor_needed(outcome):
                # Nobody is signed in yet: the account waits for its code (auth.totp).
                totp.begin(outcome, next_url)
                return redirect(url_for("totp.code" if outcome.totp_enrolled_at is not None
                                        else "totp.enrol"))
            start_session(outcome)
            answer = redirect(next_url or url_for("main.home"))
            throttle.remember_device(answer, outcome)
            return answer
        error, status = outcome.message, outcome.status
        if status == 401 and totp.break_glass_only():
            error = totp.password_refused_message()  # one answer for every refusal
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form, error=error,
                           kept=resume.kept_here(), providers=oidc.providers(),
                           break_glass_only=totp.break_glass_only()), status


@bp.route("/logg-ut", methods=["POST"])
@public
def logout() -> Response:
    if current_user.is_authenticated:
        audit.record("user.sign-out", "user", current_user.id)
    language = session.get("lang")
    single_logout = oidc.logout_target()  # read before the session is emptied
    # Ended on the server: the sign-in's record and the session's data are deleted and
    # the browser gets a new, empty session; its old cookie, replayed, signs nobody in.
    sessions.forget_sign_in()
    logout_user()
    session.clear()
    sessions.renew_id()
    db.session.commit()
    if language:
        session["lang"] = language
    # Signed in through a provider: end the sign-in there too, which returns here.
    return redirect(single_logout or url_for("auth.login"))


@bp.route("/sprak/<language>", methods=["POST"])
@public
def set_language(language: str) -> Response:
    form = LanguageForm()
    if language not in current_app.config["LANGUAGES"] or not form.validate_on_submit():
        abort(400)
    switch_language(language)
    return redirect(safe_next(form.next.data) or url_for("main.home"))


# A page whose form can be saved as a draft passes `language_form` (its form's id) to
# base.html: the language buttons then send that form to the page itself, named this,
# so what was typed is saved and shown again in the chosen language (report, preview).
LANGUAGE_FIELD = "sprak"


def posted_language() -> str | None:
    """The language a language button sent the page's form with; None when another
    button sent it. An unknown code is refused (400) before anything is saved."""
    code = request.form.get(LANGUAGE_FIELD)
    if code is None:
        return None
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    return code


def switch_language(language: str) -> None:
    """Chooses the language for this browser, from this request on (flask_babel caches
    the request's locale: refreshed so the page answered now is in it already)."""
    session["lang"] = language
    refresh()


@bp.route("/invitasjon/<token>", methods=["GET", "POST"])
@public  # the token in the link is the credential
def invitation(token: str) -> str | Response | tuple[str, int]:
    check = invitations.use_invitation(token, utcnow())
    if check.state != "valid":
        return render_template("auth/invitation_closed.html", state=check.state), (
            404 if check.state == "unknown" else 410)
    invitation = check.invitation
    assert invitation is not None  # a valid link has its invitation
    if check.user is not None and check.has_password:
        # A link is for choosing a password once; an old or leaked mail signs nobody in.
        invitations.mark_used(check, utcnow())
        if totp.break_glass_only():
            flash(_("You have an account already. Sign in with one of the buttons; if that "
                    "does not work, ask the administrators to connect your login to it."),
                  "info")
        else:
            flash(_("You have chosen a password already. Sign in with your e-mail address "
                    "and password."), "info")
        return redirect(url_for("auth.login", email=check.user.email))
    form = SetPasswordForm()
    email = check.user.email if check.user else invitation.recipient.email
    form.person = (email, check.user.name if check.user else invitation.recipient.name)
    providers = [p for p in oidc.providers() if "coordinator" in p.roles]
    if totp.break_glass_only():
        # Where only break-glass admins use a password, an invitation binds the person
        # through the municipalities' provider only: no password is chosen here.
        refused = form.is_submitted()
        if refused:
            audit.record("invitation.password-refused", "invitation", invitation.id,
                         after={"reason": "password-sign-in-off"})
            db.session.commit()
        return render_template("auth/invitation.html", form=None, email=email, token=token,
                               providers=providers, refused=refused), (
            403 if refused else 200)
    if form.validate_on_submit():
        password = form.password.data
        assert password is not None  # DataRequired
        try:
            user = invitations.accept_invitation(check, password, utcnow())
        except invitations.InvitationTaken:  # claimed in another browser a moment ago
            return render_template("auth/invitation_closed.html", state="used"), 410
        start_session(user, via="invitation")
        return redirect(report_url_of(invitation.recipient.grant_id))
    return render_template("auth/invitation.html", form=form, email=email, token=token,
                           providers=providers), (400 if form.is_submitted() else 200)
