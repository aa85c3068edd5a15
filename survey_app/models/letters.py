"""Letters the service writes about a grant, and the files a mail carries.

A grant's decision letter (vedtaksbrev, issue 16) is claimed by inserting its
``GrantLetter`` row under the unique (grant, kind) constraint in the same transaction as
its outbox mail: of two runs at the same moment only one can commit it, and a second
run finds it and queues nothing. A mail's attachments point to ``StoredFile`` rows by
their SHA-256, so the allocation list that goes with every letter is stored once.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import utcnow


class StoredFile(Model):
    """A file's bytes, once, by their SHA-256 (hex)."""

    __tablename__ = "stored_files"

    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(120))
    size: so.Mapped[int]
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class MailAttachment(Model):
    """One file attached to an outbox mail, under the name the recipient sees."""

    __tablename__ = "mail_attachments"
    __table_args__ = (sa.UniqueConstraint("outbox_id", "filename"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outbox_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)  # the order in the mail
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    sha256: so.Mapped[str] = so.mapped_column(sa.ForeignKey("stored_files.sha256"), index=True)

    file: so.Mapped[StoredFile] = so.relationship(lazy="joined")


class LetterKind:
    DECISION = "decision"  # the grant decision letter (vedtaksbrev, seed 000)


class GrantLetter(Model):
    """A letter about a grant that has been queued: at most one per grant and kind."""

    __tablename__ = "grant_letters"
    __table_args__ = (
        sa.UniqueConstraint("grant_id", "kind"),
        sa.CheckConstraint("kind in ('decision')", name="kind"),
        sa.CheckConstraint("language in ('nb', 'nn')", name="language"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    grant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    language: so.Mapped[str] = so.mapped_column(sa.String(2))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # kroner, as the letter says
    to: so.Mapped[str] = so.mapped_column(sa.String(254))
    outbox_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("outbox.id", ondelete="SET NULL"))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))  # the letter's PDF
    created_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
