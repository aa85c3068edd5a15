"""Flags for repayment computed from the answers, the reviewer's decisions, and claims.

A flag is one rule's verdict on one grant (unique per grant and rule, so re-running the
evaluation never duplicates it). While open it follows the answers; once decided it is
never changed silently: a later evaluation that disagrees is recorded beside it.
Amounts are integer øre: a repayment can be a share of an amount with øre in it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import utcnow


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"  # the reviewer decided to claim repayment
    WAIVED = "waived"  # the reviewer decided not to
    RESOLVED = "resolved"  # the rule no longer holds for the answers (before a decision)


class Flag(Model):
    __tablename__ = "flags"
    __table_args__ = (
        sa.UniqueConstraint("grant_id", "rule_id"),
        sa.CheckConstraint("status in ('open', 'claimed', 'waived', 'resolved')",
                           name="status"),
        sa.CheckConstraint("amount_ore >= 0", name="amount_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    grant_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("grants.id"), index=True)
    rule_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    severity: so.Mapped[str] = so.mapped_column(sa.String(20))
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=FlagStatus.OPEN)
    amount_ore: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # proposed by the rule
    # What the rule used and how it computed the amount: figures, answers, the
    # questionnaire version and the submission it read. Shown to the reviewer as is.
    explanation: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    decided_at: so.Mapped[dt.datetime | None]
    decided_by: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # A decided flag whose rule now computes something else: noted, never applied.
    pending_change: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)

    events: so.Mapped[list[FlagEvent]] = so.relationship(
        back_populates="flag", cascade="all, delete-orphan", order_by="FlagEvent.id")


class FlagEvent(Model):
    """A flag's history: raised, updated (and why), resolved, decided."""

    __tablename__ = "flag_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    flag_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    actor: so.Mapped[str] = so.mapped_column(sa.String(254))
    action: so.Mapped[str] = so.mapped_column(sa.String(40))
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    before: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    after: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)

    flag: so.Mapped[Flag] = so.relationship(back_populates="events")


class ClaimStatus(enum.StrEnum):
    CLAIMED = "claimed"
    PAID = "paid"
    CANCELLED = "cancelled"


class ClaimStage(enum.StrEnum):
    """Where a claim is in its process (forvaltningsloven): an advance notice (§ 16) drafted
    and sent, the municipality's time to respond, a decision drafted by the case officer
    and approved by a second reviewer (services.decisions; rules.claims says what comes
    next). ``status`` says separately whether the money is outstanding, paid or cancelled."""

    NOTICE_DRAFT = "notice-draft"
    NOTICE_SENT = "notice-sent"
    DECISION_DRAFT = "decision-draft"
    DECIDED = "decided"


class Claim(Model):
    """A repayment claim sent to a municipality, with its letter's facts."""

    __tablename__ = "claims"
    __table_args__ = (
        sa.CheckConstraint("status in ('claimed', 'paid', 'cancelled')", name="status"),
        sa.CheckConstraint("amount_ore > 0", name="amount_positive"),
        sa.CheckConstraint(
            "stage in ('notice-draft', 'notice-sent', 'decision-draft', 'decided')",
            name="stage"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    grant_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("grants.id"), index=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    amount_ore: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    flag_ids: so.Mapped[list[int]] = so.mapped_column(sa.JSON)
    due_date: so.Mapped[dt.date | None]  # the payment due date, set by the decision
    language: so.Mapped[str] = so.mapped_column(sa.String(2))  # nb or nn: the letter's
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=ClaimStatus.CLAIMED)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    # The process (issue 11). `created_*`, `amount_ore` and `reason` are the case officer's
    # draft of the advance notice; the decision may claim less than was notified.
    stage: so.Mapped[str] = so.mapped_column(sa.String(16), default=ClaimStage.NOTICE_DRAFT,
                                             server_default=ClaimStage.NOTICE_DRAFT)
    notice_amount_ore: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    notice_language: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    notice_sent_at: so.Mapped[dt.datetime | None]
    notice_sent_by: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    response_due: so.Mapped[dt.date | None]  # the last day to respond to the notice
    response_text: so.Mapped[str | None] = so.mapped_column(sa.Text)
    response_received_on: so.Mapped[dt.date | None]
    response_recorded_by: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    decision_drafted_at: so.Mapped[dt.datetime | None]
    decision_drafted_by: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    approved_at: so.Mapped[dt.datetime | None]
    approved_by: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    decided_on: so.Mapped[dt.date | None]  # the decision's date in Europe/Oslo
    kid: so.Mapped[str | None] = so.mapped_column(sa.String(25))
    account_number: so.Mapped[str | None] = so.mapped_column(sa.String(11))


class ReviewComment(Model):
    """A reviewer's comment on one question when a report is returned for correction."""

    __tablename__ = "review_comments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    response_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("responses.id"), index=True)
    submission_number: so.Mapped[int]  # the submission it comments on
    question_id: so.Mapped[str | None] = so.mapped_column(sa.String(80))  # None: general
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str] = so.mapped_column(sa.String(254))
