"""A page posted after the session or its CSRF token expired: nothing typed is lost.

The post cannot be saved as it is (nobody is signed in, or the form's token no longer
matches), so the page is shown again with every posted answer kept in the form and a
request to sign in (or just to save again). Posting that form signs in and the save
then goes through as if nothing had happened. Nothing of the report is shown before the
person has signed in again: only what they themselves posted.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from survey_app.auth.signin import Refusal, check_credentials, start_session
from survey_app.page_input import CONTROL_FIELDS


def _csrf_ok() -> bool:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def interrupted() -> tuple[str, int] | None:
    """A page to show instead of saving, or None when the post may be saved now."""
    if current_user.is_authenticated:
        return None if _csrf_ok() else _page(status=400)
    if _csrf_ok() and request.form.get("email") and request.form.get("password"):
        outcome = check_credentials(request.form["email"], request.form["password"])
        if not isinstance(outcome, Refusal):
            start_session(outcome)
            return None
        return _page(status=outcome.status, error=outcome.message)
    return _page(status=401)


def _page(status: int, error: str | None = None) -> tuple[str, int]:
    kept = [(key, value) for key in request.form if key not in CONTROL_FIELDS
            for value in request.form.getlist(key)]
    control = [(key, request.form[key]) for key in ("version", "go") if key in request.form]
    return render_template(
        "report/resume.html", kept=kept, control=control, error=error,
        signed_in=current_user.is_authenticated,
        email=request.form.get("email", "")), status
