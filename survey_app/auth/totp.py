"""Who may sign in with a password, and the second factor of staff who do (issue 13).

**Passwords only where they belong.** PASSWORD_SIGN_IN "all" (development, tests) lets
every account sign in with its password, so the demo accounts' printed passwords tour
every role; "break-glass" (production's default) lets only admins marked break-glass
(`flask --app wsgi users break-glass EMAIL`) do so: everybody else signs in through an
OpenID Connect provider (auth.oidc).

**A second factor for staff** (reviewers, auditors, admins) who sign in with a password,
when TOTP_REQUIRED (production; tests switch it on), and for any account that has one:
after the right password nobody is signed in yet. The account waits in the server-side
session for TOTP_PENDING_SECONDS (`pending`) while its owner gives a TOTP code (RFC 6238,
30-second steps, one step either side accepted, each step at most once: `totp_last_step`)
or an unused recovery code; an account without TOTP sets it up there and then (`enrol`)
and is shown ten recovery codes once. Wrong codes are slowed by auth.throttle as wrong
passwords are, counted under `totp:<user id>`. Each step is on the audit log.

The TOTP secret is stored as it is, not encrypted (see models.users.User.totp_secret).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import pyotp
import sqlalchemy as sa
from flask import current_app, session
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import orm as so

from survey_app import audit, sessions
from survey_app.auth import throttle
from survey_app.auth.signin import Refusal
from survey_app.extensions import db
from survey_app.models import RecoveryCode, Role, User, UserSession
from survey_app.models.users import utcnow
from survey_app.services.users import UserError

STAFF = (Role.REVIEWER, Role.AUDITOR, Role.ADMIN, Role.AUTHOR)
ISSUER = "Tilskuddsrapportering"  # the name an authenticator app shows for the account
RECOVERY_CODES = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i): 10 of them are 49 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10
BREAK_GLASS = "break-glass"  # PASSWORD_SIGN_IN: only break-glass admins
PENDING_KEY = "second_factor"  # the session's key for the account waiting for its code

_TOTP = re.compile(r"[0-9]{6}")
_RECOVERY = re.compile(f"[{RECOVERY_ALPHABET}]{{{RECOVERY_LENGTH}}}")


# ---- policy -------------------------------------------------------------------------------


def break_glass_only() -> bool:
    """Whether password sign-in is limited to break-glass admins (PASSWORD_SIGN_IN)."""
    return bool(current_app.config["PASSWORD_SIGN_IN"] == BREAK_GLASS)


def password_allowed(user: User) -> bool:
    """Whether this account may sign in with its password under PASSWORD_SIGN_IN."""
    return not break_glass_only() or (user.role == Role.ADMIN and user.break_glass)


def second_factor_needed(user: User) -> bool:
    """Whether a password sign-in of this account needs a code too: a staff account when
    TOTP_REQUIRED, and any account that has set TOTP up."""
    return user.totp_enrolled_at is not None or (
        bool(current_app.config["TOTP_REQUIRED"]) and user.role in STAFF)


def password_refused_message() -> str:
    """The one answer to a refused password where only break-glass admins use one: the
    same for a wrong password, an unknown address and an account that may not use its
    password, so it tells nobody which addresses are break-glass admins."""
    return _("The e-mail address or the password is wrong, or the account does not sign in "
             "with a password. Sign in with one of the buttons above: e-mail and password "
             "are only for administrators' emergency access.")


def refuse_password(user: User) -> Refusal:
    """The right password of an account that may not use it (PASSWORD_SIGN_IN): refused,
    counted by the throttle as a failure (its try is not cleared) and on the record."""
    audit.record("user.sign-in-refused", "user", user.id, actor=user,
                 after={"reason": "password-sign-in-off", "client": throttle.client_address()})
    db.session.commit()
    return Refusal(password_refused_message(), 401)


# ---- the step between the password and the code --------------------------------------------


@dataclass(frozen=True)
class Pending:
    """The account whose right password was given in this browser, waiting for its code."""

    user: User
    next: str | None
    secret: str | None  # the secret being set up (enrolment), not yet the account's


def begin(user: User, next_url: str | None) -> None:
    """The right password: this browser's session (with a new id) holds the account until
    its code is given, for TOTP_PENDING_SECONDS; nobody is signed in."""
    sessions.renew_id()
    session[PENDING_KEY] = {"user": user.id, "since": int(time.time()),
                            "next": next_url or "", "secret": ""}
    audit.record("user.totp-pending", "user", user.id, actor=user,
                 after={"enrolled": user.totp_enrolled_at is not None,
                        "client": throttle.client_address()})
    db.session.commit()


def pending() -> Pending | str:
    """The account waiting in this session, or why none: "none", or "expired" (after
    TOTP_PENDING_SECONDS, or the account can no longer sign in with its password; the
    step is forgotten)."""
    found = session.get(PENDING_KEY)
    if not isinstance(found, dict) or not isinstance(found.get("user"), int):
        return "none"
    since = found.get("since")
    user = db.session.get(User, found["user"])
    late = not isinstance(since, int) or (
        time.time() - since > current_app.config["TOTP_PENDING_SECONDS"])
    if late or user is None or not user.active or not password_allowed(user):
        session.pop(PENDING_KEY, None)
        if user is not None:
            audit.record("user.totp-pending-expired", "user", user.id, actor=user,
                         after={"reason": "time" if late else "account"})
            db.session.commit()
        return "expired"
    secret = found.get("secret")
    return Pending(user, str(found.get("next") or "") or None,
                   secret if isinstance(secret, str) and secret else None)


def enrolment_secret(waiting: Pending) -> str:
    """The secret offered to the waiting account to set up: made once per pending step, so
    that reloading the page shows the same one."""
    if waiting.secret:
        return waiting.secret
    secret = pyotp.random_base32()
    session[PENDING_KEY] = {**session[PENDING_KEY], "secret": secret}
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (as text or as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


# ---- reading a code ------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    kind: str  # "totp" or "recovery"
    value: str


def parse_code(text: str | None, recovery: bool = True) -> Code | None:
    """A TOTP code (6 digits) or a recovery code (10 letters and digits, a hyphen and
    spaces allowed) from what was typed; None when it is neither."""
    if not text or len(text) > 64:
        return None
    compact = re.sub(r"[\s-]", "", text).lower()
    if _TOTP.fullmatch(compact):
        return Code("totp", compact)
    if recovery and _RECOVERY.fullmatch(compact):
        return Code("recovery", compact)
    return None


def code_format_message(recovery: bool = True) -> str:
    if recovery:
        return _("Enter the 6-digit code from your authenticator app, or one of your "
                 "recovery codes (10 letters and digits).")
    return _("Enter the 6-digit code from your authenticator app.")


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code this is: the current one or one either side (a clock a
    little off, a code typed as it changed), else None."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time() if now is None else now)
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _spend_step(user: User, step: int) -> bool:
    """Records `step` as the account's latest accepted code, unless that step or a later
    one was accepted already (a code works once): atomically, so of two tries with one
    code at the same moment one wins."""
    spent = db.session.execute(
        sa.update(User).where(User.id == user.id, sa.or_(
            User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        return False
    so.attributes.set_committed_value(user, "totp_last_step", step)
    return True


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _spend_recovery_code(user: User, code: str) -> int | None:
    """Uses one of the account's unused recovery codes (once, atomically); how many are
    left, or None when it is not one of them."""
    spent = db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                      RecoveryCode.code_hash == hash_recovery_code(code),
                                      RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return unused_recovery_codes(user)


def unused_recovery_codes(user: User) -> int:
    return int(db.session.scalar(sa.select(sa.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0)


def _throttled(user: User) -> Refusal | None:
    """Records a try at a code (auth.throttle, under `totp:<id>`); a refusal when it must
    wait. Commits."""
    client = throttle.client_address()
    admission = throttle.admit(throttle_key(user), client, throttle.trusted_device(user))
    if admission.admitted:
        return None
    audit.record("user.totp-throttled", "user", user.id, actor=user,
                 after={"client": client, "wait_seconds": admission.wait_seconds})
    db.session.commit()
    return Refusal(ngettext("Too many failed attempts. Wait %(num)d second and try again.",
                            "Too many failed attempts. Wait %(num)d seconds and try again.",
                            admission.wait_seconds), 429)


def throttle_key(user: User) -> str:
    return f"totp:{user.id}"


def _failed(user: User, kind: str) -> Refusal:
    audit.record("user.totp-code-failed", "user", user.id, actor=user,
                 after={"kind": kind, "client": throttle.client_address()})
    db.session.commit()  # the try stays counted as a failure
    if kind == "enrolment":
        return Refusal(_("The code is wrong. Check that the app has the key shown here and "
                         "enter the code it shows now."), 401)
    return Refusal(_("The code is wrong, or it has been used already. Enter the code your "
                     "app shows now, or an unused recovery code."), 401)


def check_code(user: User, code: Code) -> Refusal | str:
    """The second factor of a waiting account: how the sign-in went ("password+totp" or
    "password+recovery-code", for auth.signin.start_session, which commits it), or why
    not. The throttle counts every try."""
    refused = _throttled(user)
    if refused is not None:
        return refused
    if user.totp_secret is None or user.totp_enrolled_at is None:
        return _failed(user, code.kind)  # reset by an admin meanwhile
    if code.kind == "totp":
        step = matching_step(user.totp_secret, code.value)
        if step is None or not _spend_step(user, step):
            return _failed(user, "totp")
        audit.record("user.totp-code-ok", "user", user.id, actor=user)
        via = "password+totp"
    else:
        left = _spend_recovery_code(user, code.value)
        if left is None:
            return _failed(user, "recovery")
        audit.record("user.totp-recovery-code-used", "user", user.id, actor=user,
                     after={"unused": left})
        via = "password+recovery-code"
    throttle.succeeded(throttle_key(user))
    return via


class EnrolledElsewhere(Exception):
    """The account set TOTP up in another browser a moment ago."""


def enrol(user: User, secret: str, code: Code) -> Refusal | list[str]:
    """Sets TOTP up for a waiting account once a code of `secret` confirms it was added to
    the app; the ten recovery codes (to be shown once), or why not. The caller signs the
    user in (start_session commits)."""
    refused = _throttled(user)
    if refused is not None:
        return refused
    step = matching_step(secret, code.value) if code.kind == "totp" else None
    if step is None:
        return _failed(user, "enrolment")
    now = utcnow()
    claimed = db.session.execute(
        sa.update(User).where(User.id == user.id, User.totp_enrolled_at.is_(None))
        .values(totp_secret=secret, totp_enrolled_at=now, totp_last_step=step)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise EnrolledElsewhere()
    for key, value in (("totp_secret", secret), ("totp_enrolled_at", now),
                       ("totp_last_step", step)):
        so.attributes.set_committed_value(user, key, value)
    codes = _replace_recovery_codes(user)
    audit.record("user.totp-enrolled", "user", user.id, actor=user,
                 after={"recovery_codes": len(codes)})
    throttle.succeeded(throttle_key(user))
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for the account; the old ones no longer work."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(code))
                       for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def regenerate_recovery_codes(user: User) -> list[str]:
    """A signed-in account's new recovery codes (the old ones stop working); commits."""
    codes = _replace_recovery_codes(user)
    audit.record("user.totp-recovery-codes-regenerated", "user", user.id,
                 after={"recovery_codes": len(codes)})
    db.session.commit()
    return codes


# ---- the command line: break-glass and resetting TOTP ------------------------------------------


def _account(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UserError(f"there is no account {email!r}")
    return user


def set_break_glass(email: str, on: bool) -> tuple[User, bool, int]:
    """Marks an admin as allowed to sign in with a password where PASSWORD_SIGN_IN is
    "break-glass" (or takes it away, which ends the sign-ins it made with the password);
    whether it changed, and how many sessions ended. On the record."""
    user = _account(email)
    if on and user.role != Role.ADMIN:
        raise UserError(f"{user.email} is a {user.role}: only an admin can have break-glass "
                        "access")
    if on and not user.password_hash:
        raise UserError(f"{user.email} has no password to sign in with")
    if user.break_glass == on:
        return user, False, 0
    ended: list[str] = []
    if not on:  # whoever signed in with the password is out
        ended = list(db.session.scalars(sa.select(UserSession.session_id).where(
            UserSession.user_id == user.id, UserSession.via.like("password%"))))
        sessions.end(ended)
    user.break_glass = on
    audit.record("user.break-glass", "user", user.id, before={"break_glass": not on},
                 after={"break_glass": on, "sessions_ended": len(ended)})
    db.session.commit()
    return user, True, len(ended)


def reset_totp(email: str) -> tuple[User, int]:
    """Takes an account's TOTP and recovery codes away (a lost phone): its next password
    sign-in sets TOTP up again. Every session of the account ends; on the record."""
    user = _account(email)
    before: dict[str, Any] = {"enrolled_at": user.totp_enrolled_at.isoformat()
                              if user.totp_enrolled_at else None}
    ended = sessions.end_all(user.id)
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    audit.record("user.totp-reset", "user", user.id, before=before,
                 after={"sessions_ended": ended})
    db.session.commit()
    return user, ended
