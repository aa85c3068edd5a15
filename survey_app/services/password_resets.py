"""Choosing a new password through a link sent by e-mail, and changing one's own.

Asking for a link always gets the same answer on the page, whether the address has an
account or not; only an active account with a password (not one that signs in through a
provider only) gets a mail, at most MAILS_PER_HOUR an hour. The link is
``<base>/tilbakestill-passord/<token>``, the token ``secrets.token_urlsafe(32)`` of which
only the SHA-256 is stored; it works once, for PASSWORD_RESET_MINUTES (default 30). A new
password, by a link or by changing it when signed in, ends every session of the account
and spends every link still open. Each step is an audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from survey_app import audit, sessions
from survey_app.extensions import db
from survey_app.mail import queue_mail
from survey_app.models import OutboxMail, PasswordReset, User

LINK_PATH = "/tilbakestill-passord/"
# Our choice (the seeds say nothing of it): three mails an hour let somebody who lost the
# first (or the spam filter did) ask again, and keep the address from being flooded.
MAILS_PER_HOUR = 3
MAIL_LANGUAGES = ("nb", "nn", "en")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _minutes() -> int:
    return int(current_app.config["PASSWORD_RESET_MINUTES"])


# Asking for a link -------------------------------------------------------------------


def _why_no_mail(user: User | None, now: dt.datetime) -> str | None:
    """Why this address gets no mail ("unknown", "inactive", "no-password", "throttled"),
    or None when it gets one."""
    if user is None:
        return "unknown"
    if not user.active:
        return "inactive"
    if not user.password_hash:  # signs in through a provider only: nothing to reset
        return "no-password"
    from survey_app.auth.totp import password_allowed  # (auth imports the services)

    if not password_allowed(user):  # PASSWORD_SIGN_IN: only break-glass admins use one
        return "no-password-sign-in"
    recent = db.session.scalar(sa.select(sa.func.count(PasswordReset.id)).where(
        PasswordReset.user_id == user.id,
        PasswordReset.created_at > now - dt.timedelta(hours=1)))
    return "throttled" if (recent or 0) >= MAILS_PER_HOUR else None


def compose(user: User, link: str, language: str) -> tuple[str, str]:
    """(subject, body) from `mail/password_reset.<language>.txt`; its first line is the
    subject."""
    if language not in MAIL_LANGUAGES:
        language = "nb"
    text = current_app.jinja_env.get_template(f"mail/password_reset.{language}.txt").render(
        link=link, minutes=_minutes(), email=user.email)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def request_reset(email: str, *, base_url: str, language: str,
                  now: dt.datetime) -> OutboxMail | None:
    """Queue a reset link for the account with this address, if it may have one; the
    queued mail (None when none goes out). The mail is in the account's language, else
    in `language` (the page's). Commits; the caller shows the same answer either way."""
    email = email.strip().lower()[:254]
    # The account's row is locked (PostgreSQL) while its recent links are counted, so two
    # requests at once cannot both be the third.
    user = db.session.scalar(sa.select(User).where(User.email == email).with_for_update())
    outcome = _why_no_mail(user, now)
    mail = None
    if user is not None and outcome is None:
        token = secrets.token_urlsafe(32)
        reset = PasswordReset(user_id=user.id, token_hash=hash_token(token), created_at=now,
                              expires_at=now + dt.timedelta(minutes=_minutes()))
        db.session.add(reset)
        subject, body = compose(user, base_url.rstrip("/") + LINK_PATH + token,
                                user.language or language)
        mail = queue_mail(user.email, subject, body, kind="password-reset")
        outcome = "mailed"
    audit.record("user.password-reset-requested", "user", user.id if user else "-",
                 actor=user, after={"email": email, "outcome": outcome})
    db.session.commit()
    return mail


# Using a link ------------------------------------------------------------------------


@dataclass(frozen=True)
class ResetCheck:
    """The state of a reset link: valid, expired, used or unknown."""

    state: str
    reset: PasswordReset | None = None

    @property
    def user(self) -> User:
        assert self.reset is not None
        return self.reset.user


def check_link(token: str, now: dt.datetime) -> ResetCheck:
    """The link's state; every look at it is on the record (a link tried again shows)."""
    reset = db.session.scalar(sa.select(PasswordReset).where(
        PasswordReset.token_hash == hash_token(token)))
    check = _state_of(reset, now)
    if reset is None or check.state == "unknown":
        audit.record("user.password-reset-refused", "password-reset", "-",
                     after={"state": "unknown"})
    else:
        action = "opened" if check.state == "valid" else "refused"
        audit.record(f"user.password-reset-{action}", "password-reset", reset.id,
                     actor=reset.user, after={"state": check.state})
    db.session.commit()
    return check


def _state_of(reset: PasswordReset | None, now: dt.datetime) -> ResetCheck:
    if reset is None or not reset.user.active:
        return ResetCheck("unknown")
    if reset.used_at is not None:
        return ResetCheck("used", reset)
    if reset.expires_at <= now:
        return ResetCheck("expired", reset)
    return ResetCheck("valid", reset)


class LinkTaken(Exception):
    """The link was spent (or ran out) a moment ago, by another request."""


def complete_reset(check: ResetCheck, password: str, now: dt.datetime) -> User:
    """Set the new password through a valid link, spending it, ending every session of
    the account and spending its other open links; commits. LinkTaken if another request
    spent it first."""
    reset = check.reset
    assert check.state == "valid" and reset is not None
    # One statement, so that of two uses at once exactly one goes on.
    spent = db.session.execute(
        sa.update(PasswordReset).where(PasswordReset.id == reset.id,
                                       PasswordReset.used_at.is_(None),
                                       PasswordReset.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise LinkTaken(reset.id)
    user = reset.user
    ended = _set_password(user, password, now)
    audit.record("user.password-reset", "user", user.id, actor=user,
                 after={"link": reset.id, "sessions_ended": ended})
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str, now: dt.datetime) -> bool:
    """The signed-in user's own change: whether the current password was right. A wrong
    one changes nothing (and is on the record); a right one sets the new password and
    ends every session of the account (the caller starts this browser's anew). Commits."""
    if not user.check_password(current):
        audit.record("user.password-change-refused", "user", user.id,
                     after={"reason": "wrong current password"})
        db.session.commit()
        return False
    ended = _set_password(user, new, now)
    # This browser's session is among those ended: the caller starts it anew.
    audit.record("user.password-changed", "user", user.id, after={"sessions_ended": ended})
    db.session.commit()
    return True


def _set_password(user: User, password: str, now: dt.datetime) -> int:
    """The new password, in the caller's transaction: every session of the account ends
    (how many were still signed in is returned) and links asked for before no longer work.

    The sessions are ended here, before the password changes, rather than left to
    survey_app.sessions' listener on `password_hash` (which would end them too), so the
    count is known and goes on the record with the change, in one transaction."""
    ended = sessions.end_all(user.id)
    user.set_password(password)
    db.session.execute(
        sa.update(PasswordReset).where(PasswordReset.user_id == user.id,
                                       PasswordReset.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    return ended
