"""A municipality's report on a grant: the draft being edited, and every submission.

The draft keeps what was typed, page by page (`pages`: section id -> posted fields), so
that nothing typed is lost even when it does not validate yet. `version` counts saves and
is the optimistic lock: a save names the version it started from, and a save from an
older version is a conflict, never a silent overwrite.

A submission is immutable: the typed answers at that moment with the questionnaire
version and content hash they were answered in, under the client's idempotency key.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import utcnow


class ResponseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # returned by a reviewer for correction: editable again


class Response(Model):
    __tablename__ = "responses"
    __table_args__ = (
        sa.CheckConstraint("status in ('draft', 'submitted', 'returned')", name="status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    grant_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("grants.id"), unique=True)
    questionnaire_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    questionnaire_version: so.Mapped[int]
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    pages: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    current_section: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    version: so.Mapped[int] = so.mapped_column(default=1)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=ResponseStatus.DRAFT)
    started_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    started_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_by: so.Mapped[str] = so.mapped_column(sa.String(254))

    submissions: so.Mapped[list[Submission]] = so.relationship(
        back_populates="response", order_by="Submission.number")

    @property
    def latest_submission(self) -> Submission | None:
        return self.submissions[-1] if self.submissions else None

    def __repr__(self) -> str:
        return f"<Response grant={self.grant_id} v{self.version} {self.status}>"


class Submission(Model):
    __tablename__ = "submissions"
    __table_args__ = (sa.UniqueConstraint("response_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    response_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("responses.id"), index=True)
    number: so.Mapped[int]  # 1 for the first submission, 2 after a correction, ...
    # The submit form's one-time key: a double click or replay finds this row again.
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    questionnaire_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    questionnaire_version: so.Mapped[int]
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    answers: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    # SHA-256 of the answers' canonical JSON: what "the same content" means on a replay.
    answers_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    submitted_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    submitted_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    late: so.Mapped[bool] = so.mapped_column(default=False)

    response: so.Mapped[Response] = so.relationship(back_populates="submissions")


class PageSave(Model):
    """One save of one draft page, kept for good: who, when, which version, the values.

    Append-only (nothing updates or deletes a row), so a reviewer or auditor can see what a
    draft said at any time: a page at version v is its latest save with version <= v.
    """

    __tablename__ = "page_saves"
    __table_args__ = (sa.UniqueConstraint("response_id", "version"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    response_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("responses.id"), index=True)
    section_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    version: so.Mapped[int]  # the response's version this save made
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    saved_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    saved_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class PendingPost(Model):
    """A report page posted after its sign-in expired, kept until *that* user signs in.

    Only a post whose CSRF token matched the browser's session is kept (so no other site
    can leave one), bound to that browser (a hash of the session's CSRF secret) and to the
    user whose sign-in expired; it lives a short while and is used once.
    """

    __tablename__ = "pending_posts"
    __table_args__ = (sa.UniqueConstraint("browser", "grant_id", "section_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    browser: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    grant_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("grants.id"))
    section_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    form: so.Mapped[list[Any]] = so.mapped_column(sa.JSON)  # [[name, value], ...] as posted
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(index=True)
