"""Who is told about a grant's report, the links they got, the reminders, and the outbox.

Invitation links are random tokens stored only as their SHA-256: the database alone
cannot sign anybody in. A reminder step is claimed by inserting a row under a unique
constraint before the mail goes out, so two servers running the same cron job at the
same moment cannot both send it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import utcnow


class Mailbox(Model):
    """A municipality's official post box (postmottak), by kommunenummer."""

    __tablename__ = "mailboxes"

    number: so.Mapped[str] = so.mapped_column(sa.String(4), primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))


class Recipient(Model):
    __tablename__ = "recipients"
    __table_args__ = (
        sa.UniqueConstraint("grant_id", "email"),
        sa.CheckConstraint("kind in ('postbox', 'coordinator')", name="kind"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    grant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))


class Invitation(Model):
    __tablename__ = "invitations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recipient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("recipients.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime]
    sent_at: so.Mapped[dt.datetime | None]
    opened_at: so.Mapped[dt.datetime | None]
    used_at: so.Mapped[dt.datetime | None]

    recipient: so.Mapped[Recipient] = so.relationship(lazy="joined")


class Reminder(Model):
    __tablename__ = "reminders"
    __table_args__ = (sa.UniqueConstraint("recipient_id", "step"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recipient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("recipients.id", ondelete="CASCADE"), index=True)
    step: so.Mapped[int]
    claimed_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[dt.datetime | None]


class MailState:
    """Where an outbox mail is. `stored`: the outbox backend (development), nothing is sent;
    `queued`: waiting for SMTP (a new mail, or one whose attempt failed and will be retried);
    `sent`: handed to the SMTP server; `failed`: given up after the last attempt."""

    STORED = "stored"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboxMail(Model):
    """Every mail the service sent, will send, or in development would have sent (admins
    read it). A queued mail is claimed by moving `next_attempt_at` forward in one
    conditional UPDATE, so several servers running `mail send` never send it twice."""

    __tablename__ = "outbox"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    to: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))  # invitation, reminder, receipt
    grant_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("grants.id", ondelete="SET NULL"), index=True)
    state: so.Mapped[str] = so.mapped_column(sa.String(10), default=MailState.STORED)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[dt.datetime | None] = so.mapped_column(index=True)
    sent_at: so.Mapped[dt.datetime | None]
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
