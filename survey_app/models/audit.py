"""The audit log: who changed or tried to reach what, when, with before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import utcnow


class AuditEvent(Model):
    __tablename__ = "audit_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Kept as text too, so the record survives the account's removal.
    actor: so.Mapped[str] = so.mapped_column(sa.String(254))
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    object_id: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    before: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    after: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    client: so.Mapped[str | None] = so.mapped_column(sa.String(64))
