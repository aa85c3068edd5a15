"""Checking a password and starting a session: the one place both happen.

Used by the sign-in page and by a questionnaire page whose session expired while
somebody typed (they sign in again on that page and the save goes through).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import login_user
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app import audit
from survey_app.extensions import db
from survey_app.models import User
from survey_app.security import clear_failures, record_failure, sign_in_blocked

# Checked when the address is unknown, so both answers take the same time.
_DUMMY_HASH = generate_password_hash("not a password")


@dataclass(frozen=True)
class Refusal:
    message: str
    status: int  # 401 wrong, 429 too many attempts


def check_credentials(email: str, password: str) -> User | Refusal:
    """The account for this e-mail and password, or why not (the same answer whether
    the address exists or not, and a limit on attempts per address and client)."""
    email = email.strip().lower()
    client = request.remote_addr or "unknown"
    if sign_in_blocked(email, client):
        minutes = current_app.config["LOGIN_WINDOW_SECONDS"] // 60
        return Refusal(_("Too many failed attempts. Wait %(minutes)d minutes and try again.",
                         minutes=minutes), 429)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif user.active and user.check_password(password):
        return user
    record_failure(email, client)
    return Refusal(_("The e-mail address or the password is wrong."), 401)


def start_session(user: User, via: str | None = None) -> None:
    """Signs the user in with a fresh session (no fixation), keeping the chosen language."""
    clear_failures(user.email)
    audit.record("user.sign-in", "user", user.id, actor=user,
                 after={"via": via} if via else None)
    db.session.commit()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user)
