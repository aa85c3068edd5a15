"""Applications for next year's grant, the offices' frames, and their decisions (issue 16).

765.62 (seeds 001, 003, 004) has "Søknad og rapportering i samme elektroniske skjema": a
municipality applies for the next grant year in the report's application pages, or, where
the scheme allows it, in those pages alone without a current grant. An ``Application`` is
one municipality's application in one scheme for one grant year; the answers of its pages
are kept as submitted, with the positions and amount read from them by role.

Seed 001: "Helsedirektoratet utmåler en fordeling av midlene til Statsforvalteren basert på
innsendt søknadsgrunnlag": the Directorate gives each office a ``Frame`` per chapter/post
and year (with a cap for the transitional scheme's share where it sets one: "En
overgangsordning kan ikke legge beslag på hele bevilgningen"), and the office decides each
application within it. An ``ApplicationDecision`` is proposed by one reviewer and approved
by another (two-person approval, as for claims); an approved decision becomes the grant
of the applied-for year.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import utcnow


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"  # a stand-alone application being written
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"  # the report's answer was changed to "not applying"


class Application(Model):
    __tablename__ = "applications"
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "year", "municipality_number"),
        sa.CheckConstraint("status in ('draft', 'submitted', 'withdrawn')", name="status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scheme_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("schemes.id"), index=True)
    year: so.Mapped[int]  # the grant year applied for
    municipality_number: so.Mapped[str] = so.mapped_column(sa.String(4), index=True)
    # The office that decides it (survey_app/offices.py slug), as the register said when
    # the application was made.
    office: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    # The report whose application pages it was made in; None for a stand-alone one.
    response_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("responses.id"), index=True)
    questionnaire_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    questionnaire_version: so.Mapped[int]
    # The application pages' answers (section id -> fields), as submitted or as typed.
    answers: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    applied_amount: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)  # kroner
    # [{"title": str, "percent": int, "funded_from_year": int | None}, ...]
    positions: so.Mapped[list[Any]] = so.mapped_column(sa.JSON, default=list)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=ApplicationStatus.DRAFT)
    version: so.Mapped[int] = so.mapped_column(default=1)  # optimistic lock of a draft
    submitted_at: so.Mapped[dt.datetime | None]
    submitted_by: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    decisions: so.Mapped[list[ApplicationDecision]] = so.relationship(
        back_populates="application", order_by="ApplicationDecision.id")


class Frame(Model):
    """What one office may grant in one chapter/post and year (kroner), set nationally."""

    __tablename__ = "office_frames"
    __table_args__ = (
        sa.UniqueConstraint("chapter_post", "year", "office"),
        sa.CheckConstraint("amount >= 0", name="amount"),
        sa.CheckConstraint("transitional_cap is null or "
                           "(transitional_cap >= 0 and transitional_cap <= amount)",
                           name="transitional_cap"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    chapter_post: so.Mapped[str] = so.mapped_column(sa.String(20))
    year: so.Mapped[int]
    office: so.Mapped[str] = so.mapped_column(sa.String(40))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    # The most of the frame the transitional scheme's decisions may take; None: no cap.
    transitional_cap: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    set_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    set_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class DecisionOutcome(enum.StrEnum):
    APPROVED = "approved"  # the computed amount (or the applied one, if lower)
    REDUCED = "reduced"  # a lower amount, with a reason
    REJECTED = "rejected"  # nothing, with a reason


class DecisionState(enum.StrEnum):
    PROPOSED = "proposed"  # waiting for a second reviewer
    APPROVED = "approved"  # final: counts against the frame and made the grant
    WITHDRAWN = "withdrawn"  # sent back by the second reviewer or replaced


class ApplicationDecision(Model):
    __tablename__ = "application_decisions"
    __table_args__ = (
        sa.CheckConstraint("outcome in ('approved', 'reduced', 'rejected')", name="outcome"),
        sa.CheckConstraint("state in ('proposed', 'approved', 'withdrawn')", name="state"),
        sa.CheckConstraint("amount >= 0", name="amount"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    application_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("applications.id"), index=True)
    outcome: so.Mapped[str] = so.mapped_column(sa.String(16))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # kroner granted; 0 if rejected
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=DecisionState.PROPOSED)
    proposed_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    proposed_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    approved_by: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    approved_at: so.Mapped[dt.datetime | None]
    # The grant the approved decision became (in the applied-for year's round).
    grant_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("grants.id"))

    application: so.Mapped[Application] = so.relationship(back_populates="decisions")


class ResponseFile(Model):
    """A file uploaded into a report (an Excel economy report, the accounts, ...).

    Append-only: a new upload for the same question is a new row, and the question's file
    is its latest; the bytes are kept once by SHA-256 in ``stored_files`` for the auditor.
    """

    __tablename__ = "response_files"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    response_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("responses.id"), index=True)
    section_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    question_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    sha256: so.Mapped[str] = so.mapped_column(sa.ForeignKey("stored_files.sha256"), index=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(120))
    size: so.Mapped[int]
    # The response's version the upload's save made (see PageSave); None if it saved none.
    response_version: so.Mapped[int | None]
    uploaded_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    uploaded_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
