"""HTTP hardening: security headers, safe redirects and the sign-in rate limit."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, Response, current_app

from survey_app.extensions import db
from survey_app.models import LoginAttempt
from survey_app.models.users import utcnow

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["APP_ENV"] == "production":
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if response.mimetype == "text/html":
        # Pages may hold answers about a municipality: keep them out of shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _window_start() -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])


def sign_in_blocked(email: str, client: str) -> bool:
    """Too many recent failures for this address, or from this client (4× the limit)."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = _window_start()
    by_email = db.session.scalar(sa.select(sa.func.count()).where(
        LoginAttempt.email == email, LoginAttempt.at >= since)) or 0
    by_client = db.session.scalar(sa.select(sa.func.count()).where(
        LoginAttempt.client == client, LoginAttempt.at >= since)) or 0
    return by_email >= limit or by_client >= 4 * limit


def record_failure(email: str, client: str) -> None:
    db.session.add(LoginAttempt(email=email, client=client))
    # Old attempts no longer count; clearing them keeps the table small.
    db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.at < utcnow() - dt.timedelta(days=1)))
    db.session.commit()


def clear_failures(email: str) -> None:
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == email))
