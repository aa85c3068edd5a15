"""Checking a password and starting a session: the one place both happen.

Used by the sign-in page and by a questionnaire page whose session expired while
somebody typed (they sign in again on that page and the save goes through).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import orm as so
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app import audit, sessions
from survey_app.auth import throttle
from survey_app.extensions import db
from survey_app.models import User, UserSession
from survey_app.models.users import utcnow
from survey_app.services.locking import commit_keeping_objects

# Checked when the address is unknown, so both answers take the same time.
_DUMMY_HASH = generate_password_hash("not a password")


@dataclass(frozen=True)
class Refusal:
    message: str
    status: int  # 401 wrong, 429 too many attempts


def _attempt(email: str, client: str) -> dict[str, str]:
    return {"email": email.replace("\x00", "")[:254], "client": client}


def check_credentials(email: str, password: str) -> User | Refusal:
    """The account for this e-mail and password, or why not: the same answer whether the
    address exists or not, and tries slowed down as auth.throttle counts them (never a
    lockout of the owner). The caller signs the user in (start_session)."""
    email = email.strip().lower()[:254]
    client = throttle.client_address()
    # Its municipalities are not needed to sign in (the next page loads the user anew).
    user = db.session.scalar(sa.select(User).where(User.email == email)
                             .options(so.lazyload(User.municipalities)))
    device = throttle.trusted_device(user)
    admission = throttle.admit(email, client, device)  # commits, keeping the user as read
    if not admission.admitted:
        audit.record("user.sign-in-throttled", "sign-in", "-",
                     after={**_attempt(email, client), "wait_seconds": admission.wait_seconds,
                            "known_browser": device is not None})
        db.session.commit()
        return Refusal(ngettext("Too many failed attempts. Wait %(num)d second and try again.",
                                "Too many failed attempts. Wait %(num)d seconds and try again.",
                                admission.wait_seconds), 429)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif user.active and user.check_password(password):
        return user
    audit.record("user.sign-in-failed", "sign-in", user.id if user is not None else "-",
                 after=_attempt(email, client))
    db.session.commit()  # the try stays recorded as a failure
    return Refusal(_("The e-mail address or the password is wrong."), 401)


def start_session(user: User, via: str | None = None) -> None:
    """Signs the user in with a fresh session under a new id (no fixation: the id the
    browser had before is gone), keeping the chosen language; the sign-in is recorded
    (survey_app.sessions) so that it can be listed and ended."""
    throttle.succeeded(user.email)
    audit.record("user.sign-in", "user", user.id, actor=user,
                 after={"via": via} if via else None)
    kept = {key: session[key] for key in KEPT_OVER_SIGN_IN if key in session}
    if "_user_id" in session:  # Flask-Login's key: somebody signed in in this browser
        sessions.forget_sign_in()  # is signed out (only a sign-in has a record)
    session.clear()
    session.update(kept)
    sessions.renew_id()
    sessions.record_sign_in(user, via or "password")
    user.last_sign_in_at = utcnow()
    # Committed before login_user, whose signal has report.resume save what this user
    # posted here while out: a save that meets a newer one rolls its transaction back,
    # which must not take the sign-in (its record, its audit event) with it. Committed
    # without expiring the user, which Flask-Login would otherwise read again.
    commit_keeping_objects()
    login_user(user)


# What a fresh session keeps of the old one: the language, and the browser's id that a
# post kept over an expired sign-in is bound to (report.resume; it grants nothing alone).
KEPT_OVER_SIGN_IN = ("lang", "browser")


def expiry_reason(record: UserSession, now: dt.datetime) -> str | None:
    """Why this sign-in has ended by now: idle for SIGN_IN_IDLE_SECONDS ("idle"), or
    started more than SIGN_IN_MAX_SECONDS ago ("lifetime"); None while it lasts."""
    config = current_app.config
    if now - record.last_seen > dt.timedelta(seconds=config["SIGN_IN_IDLE_SECONDS"]):
        return "idle"
    if now - record.created_at > dt.timedelta(seconds=config["SIGN_IN_MAX_SECONDS"]):
        return "lifetime"
    return None


def expire_idle_sign_in() -> None:
    """Ends a sign-in idle too long or too old (expiry_reason); the browser keeps its CSRF
    secret and remembers whose sign-in it was, so a page posted now is kept for that user
    only. Its record is deleted: the session signs nobody in again.

    The time of the latest request is written to the sign-in's record only when it has
    moved by a sixtieth of the idle limit (a minute of the hour), not a write on every
    request. So an idle sign-in ends after the limit less at most that sixtieth (our
    choice; the seeds say nothing about idle sign-ins)."""
    if not current_user.is_authenticated:
        return
    record, now = sessions.current_record(), utcnow()
    reason = expiry_reason(record, now)
    if reason is not None:
        user_id = current_user.id
        audit.record("user.sign-in-expired", "user", user_id, actor=current_user,
                     after={"reason": reason})
        sessions.forget_sign_in()
        db.session.commit()
        logout_user()
        session["signed_out_user"] = user_id
        return
    idle = current_app.config["SIGN_IN_IDLE_SECONDS"]
    if now - record.last_seen >= dt.timedelta(seconds=idle // 60):
        record.last_seen = now
        db.session.commit()
