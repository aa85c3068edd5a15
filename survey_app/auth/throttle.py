"""Throttling sign-in by password: a guesser is slowed down, the owner is never locked out.

Every count is of failed tries in the last LOGIN_WINDOW_SECONDS, kept in the database
(`login_attempts`) so that every server sees the same:

* **Per account**, from browsers the account has not signed in from: after
  LOGIN_MAX_FAILURES failures each further try waits a growing delay after the latest
  failure (LOGIN_DELAY_SECONDS, doubling, at most LOGIN_DELAY_MAX_SECONDS). A delay, never
  a lockout: a guesser can slow such tries to one per LOGIN_DELAY_MAX_SECONDS, not stop
  them.
* **Per device**: a browser the account signed in from carries a signed device cookie
  (OWASP's "device cookies"). Its tries are counted by themselves, so the owner on their
  usual browser signs in at once however many guesses were made elsewhere, without a
  captcha; it is slowed only by its own failures, in the same way.
* **Per client address**: 4 × LOGIN_MAX_FAILURES failures from one address slow every
  untrusted try from it the same way. The address is the one the configured number of
  trusted proxies reports (TRUSTED_PROXIES, werkzeug's ProxyFix in security.init_app), so
  one client behind a load balancer does not slow the others; with no proxy configured a
  forwarded-for header is ignored and cannot be used to escape the count.

Atomic: every try is recorded *before* the password is checked, while holding a lock on
the address and the account being tried (PostgreSQL: transaction advisory locks; SQLite:
its one write lock, taken by the insert), and judged on the tries recorded before it. Ten
tries at once therefore see each other, and no race lets a sixth through. A try refused
unchecked is not kept (waiting too little does not lengthen the wait; the audit log
records it); a successful sign-in clears the account's failures. The delays and the
device cookie's lifetime are the project's choices (no seed speaks of sign-in).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from survey_app.extensions import db
from survey_app.models import LoginAttempt, User
from survey_app.models.users import utcnow
from survey_app.services.locking import commit_keeping_objects

DEVICE_SALT = "sign-in-device"
DEVICE_PREFIX = "device:"  # login_attempts.client of a known browser's try
DEVICE_DAYS = 90  # our choice: a browser stays known for a quarter of a year


@dataclass(frozen=True)
class Admission:
    """A recorded try: may its password be checked now, or after how many seconds."""

    attempt_id: int
    wait_seconds: int

    @property
    def admitted(self) -> bool:
        return self.wait_seconds == 0


def client_address() -> str:
    """The client's address as the trusted proxies report it (64 characters at most)."""
    return (request.remote_addr or "unknown")[:64]


def delay_after(failures: int, limit: int) -> int:
    """Seconds a try must wait after the latest of `failures` (0 below the limit)."""
    if failures < limit:
        return 0
    config = current_app.config
    return int(min(config["LOGIN_DELAY_SECONDS"] * 2 ** min(failures - limit, 30),
                   config["LOGIN_DELAY_MAX_SECONDS"]))


def admit(email: str, client: str, device: str | None) -> Admission:
    """Record a try at `email` from `client` (`device`: the id of a trusted browser of that
    account) and judge it on the failures recorded before it; commits."""
    commit_keeping_objects()  # SQLite: a read transaction cannot wait for the write lock
    _lock(f"sign-in:{email}", f"sign-in-client:{client}")
    now = utcnow()
    # A known browser's tries are counted by its id, in place of the address (models).
    counted_as = DEVICE_PREFIX + device if device is not None else client
    attempt = LoginAttempt(email=email, client=counted_as, at=now)
    db.session.add(attempt)
    db.session.flush()  # SQLite: takes the write lock, held until the commit
    earlier = sa.and_(LoginAttempt.id != attempt.id,
                      LoginAttempt.at >= now - dt.timedelta(
                          seconds=current_app.config["LOGIN_WINDOW_SECONDS"]))
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    if device is not None:
        counts = {"device": (sa.and_(earlier, LoginAttempt.client == counted_as), limit)}
    else:
        untrusted = sa.and_(earlier, LoginAttempt.client.not_like(DEVICE_PREFIX + "%"))
        counts = {"account": (sa.and_(untrusted, LoginAttempt.email == email), limit),
                  "client": (sa.and_(earlier, LoginAttempt.client == client), 4 * limit)}
    waits = _waits(now, counts)
    admission = Admission(attempt.id, max(waits.values()))
    if admission.admitted:
        commit_keeping_objects()  # counts as a failure until `succeeded` clears it
    else:
        db.session.rollback()  # a try refused unchecked does not lengthen the wait
    return admission


def succeeded(email: str) -> None:
    """The right password: the account's failures (and this try) no longer count. (Tries
    too old to count anywhere are deleted by `session_cleanup`, from cron: forget_old.)"""
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == email))


def forget_old(now: dt.datetime) -> None:
    """Tries older than the window (and than a day) count nowhere: deleted, in the
    caller's transaction, so the table stays small."""
    keep = max(86400, current_app.config["LOGIN_WINDOW_SECONDS"])
    db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.at < now - dt.timedelta(seconds=keep)))


def _waits(now: dt.datetime,
           counts: dict[str, tuple[sa.ColumnElement[bool], int]]) -> dict[str, int]:
    """Seconds each count (its tries, its limit) makes this try wait, in one statement."""
    columns: list[sa.Label[Any]] = []
    for name, (which, _limit) in counts.items():
        columns += [sa.func.count(LoginAttempt.id).filter(which).label(name + "_count"),
                    sa.func.max(LoginAttempt.at).filter(which).label(name + "_latest")]
    row = db.session.execute(sa.select(*columns)).one()._mapping
    waits = {}
    for name, (_which, limit) in counts.items():
        delay, latest = delay_after(row[name + "_count"] or 0, limit), row[name + "_latest"]
        remaining = 0.0 if not delay or latest is None else (
            latest + dt.timedelta(seconds=delay) - now).total_seconds()
        waits[name] = max(0, int(remaining + 0.999))
    return waits


def _lock(*keys: str) -> None:
    """PostgreSQL: serialise the tries at one account and from one client (always in this
    order, so two tries never wait for each other crosswise). SQLite needs nothing: the
    insert that follows takes its one write lock."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for key in keys:
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                           {"key": key})


# ---- the device cookie ----------------------------------------------------------------------


def device_cookie_name() -> str:
    # `__Host-`: only ever set by this host over HTTPS, for the whole site (production).
    return "__Host-device" if current_app.config["SESSION_COOKIE_SECURE"] else "device"


def _serializer() -> URLSafeTimedSerializer:
    # Signed with the current key; cookies signed with a key kept for rotation still count.
    keys = [*current_app.config.get("SECRET_KEY_FALLBACKS", []), current_app.config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=DEVICE_SALT)


def trusted_device(user: User | None) -> str | None:
    """The device id of this browser if the account signed in from it (a valid cookie)."""
    token = request.cookies.get(device_cookie_name())
    if user is None or not token or len(token) > 200:
        return None
    try:
        found = _serializer().loads(token, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(found, dict) or found.get("u") != user.id:
        return None
    device = found.get("d")
    return device if isinstance(device, str) and len(device) <= 32 else None


def remember_device(response: Response, user: User) -> None:
    """After a sign-in with the right password: this browser is known to the account. The
    cookie names the account by id only (signed, not encrypted: no address in it)."""
    token = _serializer().dumps({"u": user.id, "d": secrets.token_hex(8)})
    response.set_cookie(device_cookie_name(), token, max_age=DEVICE_DAYS * 86400,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
                        samesite="Lax", path="/")
