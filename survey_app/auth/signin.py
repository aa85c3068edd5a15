"""Checking a password and starting a session: the one place both happen.

Used by the sign-in page and by a questionnaire page whose session expired while
somebody typed (they sign in again on that page and the save goes through).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
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


def _attempt(email: str) -> dict[str, str]:
    return {"email": email.replace("\x00", "")[:254], "client": request.remote_addr or ""}


def check_credentials(email: str, password: str) -> User | Refusal:
    """The account for this e-mail and password, or why not (the same answer whether
    the address exists or not, and a limit on attempts per address and client)."""
    email = email.strip().lower()
    client = request.remote_addr or "unknown"
    if sign_in_blocked(email, client):
        audit.record("user.sign-in-throttled", "sign-in", "-", after=_attempt(email))
        db.session.commit()
        minutes = current_app.config["LOGIN_WINDOW_SECONDS"] // 60
        return Refusal(_("Too many failed attempts. Wait %(minutes)d minutes and try again.",
                         minutes=minutes), 429)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif user.active and user.check_password(password):
        return user
    audit.record("user.sign-in-failed", "sign-in", user.id if user is not None else "-",
                 after=_attempt(email))
    record_failure(email, client)  # commits the audit event with the failure
    return Refusal(_("The e-mail address or the password is wrong."), 401)


def start_session(user: User, via: str | None = None) -> None:
    """Signs the user in with a fresh session (no fixation), keeping the chosen language."""
    clear_failures(user.email)
    audit.record("user.sign-in", "user", user.id, actor=user,
                 after={"via": via} if via else None)
    kept = {key: session[key] for key in KEPT_OVER_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    session[LAST_SEEN] = int(time.time())
    # Before the commit, which would expire the user and make Flask-Login read it again
    # (a second transaction, three round trips). report.resume then saves what this user
    # posted here while out; its first commit takes the sign-in's audit event with it.
    login_user(user)
    db.session.commit()


# What a fresh session keeps of the old one: the language, and the browser's id that a
# post kept over an expired sign-in is bound to (report.resume; it grants nothing alone).
KEPT_OVER_SIGN_IN = ("lang", "browser")
LAST_SEEN = "seen"  # session key: Unix time of the signed-in user's latest request


def expire_idle_sign_in() -> None:
    """Ends a sign-in idle for SIGN_IN_IDLE_SECONDS; the browser keeps its CSRF secret and
    remembers whose sign-in it was, so a page posted now is kept for that user only.

    The time of the latest request is written to the session only when it has moved by a
    sixtieth of the limit (a minute of the hour): writing it on every request made every
    answer sign and send a new session cookie. So an idle sign-in ends after the limit
    less at most that sixtieth (our choice; the seeds say nothing about idle sign-ins)."""
    if not current_user.is_authenticated:
        return
    now = int(time.time())
    seen = session.get(LAST_SEEN)
    idle = current_app.config["SIGN_IN_IDLE_SECONDS"]
    if isinstance(seen, int) and now - seen > idle:
        user_id = current_user.id
        audit.record("user.sign-in-expired", "user", user_id, actor=current_user)
        db.session.commit()
        logout_user()
        session.pop(LAST_SEEN, None)
        session["signed_out_user"] = user_id
        return
    if not isinstance(seen, int) or now - seen >= idle // 60:
        session[LAST_SEEN] = now
