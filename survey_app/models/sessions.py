"""Server-side sessions: Flask-Session's store, and the record of each sign-in's session.

Both tables are made by the migrations (c7a1e5d0a007), never by Flask-Session itself
(survey_app.sessions explains why its own table set-up is bypassed).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import User, utcnow

USER_AGENT_LENGTH = 200  # enough to tell browsers apart in the admin's list


class ServerSession(Model):
    """A browser's session data, as Flask-Session 0.8's SQLAlchemy backend lays it out
    (`session_id` is the key prefix and the id in the browser's cookie)."""

    __tablename__ = "sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    expiry: so.Mapped[dt.datetime] = so.mapped_column(index=True)


class UserSession(Model):
    """One signed-in session of a user: made at sign-in, gone at sign-out, expiry or when
    the session is ended; a session without its record signs nobody in (load_user)."""

    __tablename__ = "user_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    last_seen: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    client: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(USER_AGENT_LENGTH), default="")
    # How the user signed in: "password", "invitation" or an OpenID Connect provider's name.
    via: so.Mapped[str] = so.mapped_column(sa.String(40), default="password")
    user: so.Mapped[User] = so.relationship()
