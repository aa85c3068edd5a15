"""Accounts, their roles and scopes, and the sign-in attempts used for rate limiting."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import orm as so
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.extensions import Model


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # Writes and publishes questionnaires, scheme entries and rules (issue 15): staff at the
    # Directorate, who own the schemes' forms.
    AUTHOR = "author"


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role in ('coordinator', 'reviewer', 'auditor', 'admin', 'author')", name="role"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(16))
    # A reviewer's or auditor's scope: a Statsforvalter office slug, or "national"
    # (offices.NATIONAL); None gives them no scope at all (access.in_scope, issue 13).
    office: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    language: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # May approve a repayment decision another reviewer prepared (as seed 000's "e.f."
    # signatory does); given with `flask --app wsgi users approver EMAIL`.
    approves_decisions: so.Mapped[bool] = so.mapped_column(default=False,
                                                           server_default=sa.false())
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    # Set at every sign-in (auth.signin.start_session), for the admins' list of accounts.
    last_sign_in_at: so.Mapped[dt.datetime | None]
    # May sign in with a password where PASSWORD_SIGN_IN is "break-glass" (production's
    # default): an admin's emergency access, given only with `flask --app wsgi users
    # break-glass EMAIL` (auth.totp).
    break_glass: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # The second factor of a staff account that signs in with a password (auth.totp): the
    # TOTP secret (base32), stored as it is, NOT encrypted (our choice): whoever reads this
    # table reads the password hashes and the sessions beside it, and a key of its own
    # (SECRET_KEY rotates) would lock admins out when lost. Set when confirmed with a code.
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_enrolled_at: so.Mapped[dt.datetime | None]
    # The time step (Unix time // 30) of the latest code accepted: each code works once,
    # and only a code of a later step is accepted after it.
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)

    municipalities: so.Mapped[list[UserMunicipality]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        order_by="UserMunicipality.number")

    @property
    def municipality_numbers(self) -> set[str]:
        return {m.number for m in self.municipalities}

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt, a memory-hard scheme; tests configure a cheap one.
        method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
        self.password_hash = generate_password_hash(password, method=method or "scrypt")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash and check_password_hash(self.password_hash, password))

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserMunicipality(Model):
    """A coordinator's municipality, by kommunenummer so it outlives a renumbering row."""

    __tablename__ = "user_municipalities"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(4), primary_key=True)
    user: so.Mapped[User] = so.relationship(back_populates="municipalities")


class LoginAttempt(Model):
    """Tries to sign in with a password, recorded before the password is checked and kept
    while they failed, in the database so that every server sees the same count."""

    __tablename__ = "login_attempts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    # The client's address; for a try from a browser the account has signed in from
    # (auth.throttle's device cookie) `device:` and that browser's id instead: such a try
    # is counted by itself, not with the account's other tries nor with its address.
    client: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)


class Identity(Model):
    """A person's identity at an OpenID Connect provider, bound to one account.

    Bound by the provider's stable subject (`sub`), never by a name or an address: the
    e-mail a provider sends is not proof of who signs in. One subject per provider
    belongs to one account; an account may have one identity per provider."""

    __tablename__ = "identities"
    __table_args__ = (
        sa.UniqueConstraint("provider", "subject"),
        sa.UniqueConstraint("user_id", "provider"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    provider: so.Mapped[str] = so.mapped_column(sa.String(40))
    subject: so.Mapped[str] = so.mapped_column(sa.String(255))
    bound_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    bound_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    last_used_at: so.Mapped[dt.datetime | None]
    user: so.Mapped[User] = so.relationship()


class PasswordReset(Model):
    """A link to choose a new password, sent by e-mail on request (services.password_resets).

    Only the SHA-256 of the link's token is stored; the link works once (`used_at`) and
    until `expires_at` (PASSWORD_RESET_MINUTES after it was asked for)."""

    __tablename__ = "password_resets"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime]
    used_at: so.Mapped[dt.datetime | None]
    user: so.Mapped[User] = so.relationship()


class RecoveryCode(Model):
    """A single-use code that stands in for the TOTP code (a lost phone), ten at a time.

    Only the SHA-256 of each code is stored (they are random, 50 bits each); shown once,
    when made (auth.totp.new_recovery_codes), used once (`used_at`)."""

    __tablename__ = "recovery_codes"
    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    used_at: so.Mapped[dt.datetime | None]
