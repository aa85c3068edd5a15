"""Grant schemes, their yearly reporting rounds, and one grant per municipality per round.

Money is whole kroner in integer columns: grant letters are decided to the krone, and an
integer can never drift the way a binary float does.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import utcnow


class Administration(enum.StrEnum):
    NATIONAL = "national"  # Helsedirektoratet
    OFFICES = "offices"  # the Statsforvalter offices, each for its municipalities


class GrantStatus(enum.StrEnum):
    ALLOCATED = "allocated"
    OPTED_OUT = "opted_out"
    PAID = "paid"
    REPORTED = "reported"
    CLOSED = "closed"


class Scheme(Model):
    __tablename__ = "schemes"
    __table_args__ = (
        sa.CheckConstraint("administration in ('national', 'offices')", name="administration"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The stable slug, which is also the questionnaire id: `lavterskel-psykisk-helse`.
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    chapter_post: so.Mapped[str] = so.mapped_column(sa.String(20))  # "762.60"
    name_nb: so.Mapped[str] = so.mapped_column(sa.String(300))
    name_nn: so.Mapped[str] = so.mapped_column(sa.String(300))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(300))
    administration: so.Mapped[str] = so.mapped_column(sa.String(16))
    questionnaire_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    # The legal basis quoted in a repayment claim; set by the Directorate, never invented.
    legal_basis_nb: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    legal_basis_nn: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    rounds: so.Mapped[list[Round]] = so.relationship(back_populates="scheme",
                                                     order_by="Round.year")

    def name(self, language: str) -> str:
        return {"nn": self.name_nn, "en": self.name_en}.get(language) or self.name_nb

    def __repr__(self) -> str:
        return f"<Scheme {self.slug}>"


class Round(Model):
    """One grant year of a scheme and its reporting: `lavterskel-psykisk-helse/2022`."""

    __tablename__ = "rounds"
    __table_args__ = (sa.UniqueConstraint("scheme_id", "year"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scheme_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("schemes.id"), index=True)
    year: so.Mapped[int]  # the grant year reported on
    budget: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)  # kroner
    opens_on: so.Mapped[dt.date]
    deadline: so.Mapped[dt.date]  # the last day a submission counts as on time
    grace_days: so.Mapped[int] = so.mapped_column(default=0)
    opt_out_deadline: so.Mapped[dt.date | None]
    payment_date: so.Mapped[dt.date | None]
    # Per-position schemes: kroner per 100 % position by year in the track, {"1": 660000}.
    position_rates: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    scheme: so.Mapped[Scheme] = so.relationship(back_populates="rounds", lazy="joined")
    grants: so.Mapped[list[Grant]] = so.relationship(back_populates="round")

    @property
    def key(self) -> str:
        return f"{self.scheme.slug}/{self.year}"

    @property
    def grace_ends(self) -> dt.date:
        return self.deadline + dt.timedelta(days=self.grace_days)

    def is_open(self, today: dt.date) -> bool:
        return today >= self.opens_on

    def __repr__(self) -> str:
        return f"<Round {self.key}>"


class Grant(Model):
    __tablename__ = "grants"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "municipality_number"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint(
            "status in ('allocated', 'opted_out', 'paid', 'reported', 'closed')",
            name="status"),
        sa.CheckConstraint("paid_amount is null or paid_amount >= 0",
                           name="paid_amount_not_negative"),
        sa.CheckConstraint("(paid_amount is null and paid_on is null) or "
                           "(paid_amount is not null and paid_on is not null)",
                           name="paid_amount_and_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rounds.id"), index=True)
    municipality_number: so.Mapped[str] = so.mapped_column(sa.String(4), index=True)
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # kroner
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=GrantStatus.ALLOCATED)
    # The allocation key's weight (a decimal or integer as text), kept so that an opt-out
    # redistributes by the very key the allocation used.
    weight: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    # The payment out (services.payments): what was paid and on which day, both or neither.
    # Kept beside the status because a grant moves on from `paid` to `reported`/`closed`,
    # and a grant may be reported before its payment is recorded.
    paid_amount: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)  # kroner
    paid_on: so.Mapped[dt.date | None]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    round: so.Mapped[Round] = so.relationship(back_populates="grants", lazy="joined")
    positions: so.Mapped[list[Position]] = so.relationship(
        back_populates="grant", cascade="all, delete-orphan", order_by="Position.id")
    events: so.Mapped[list[GrantEvent]] = so.relationship(
        back_populates="grant", cascade="all, delete-orphan", order_by="GrantEvent.id")

    def __repr__(self) -> str:
        return f"<Grant {self.municipality_number} {self.amount} {self.status}>"


class GrantEvent(Model):
    """The grant's history: every amount and status it had, and why it changed."""

    __tablename__ = "grant_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    grant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    actor: so.Mapped[str] = so.mapped_column(sa.String(254))
    reason: so.Mapped[str] = so.mapped_column(sa.String(80))  # allocated, opt-out, ...
    amount_before: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    amount_after: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    status_before: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    status_after: so.Mapped[str] = so.mapped_column(sa.String(16))

    grant: so.Mapped[Grant] = so.relationship(back_populates="events")


class Position(Model):
    """A position funded per 100 % FTE (765.62), its share and its year in the track."""

    __tablename__ = "positions"
    __table_args__ = (
        sa.CheckConstraint("percent > 0 and percent <= 100", name="percent"),
        sa.CheckConstraint("track_year between 1 and 4", name="track_year"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    grant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    percent: so.Mapped[int]  # whole percent of a full-time position
    track_year: so.Mapped[int]
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # kroner, by the round's rates

    grant: so.Mapped[Grant] = so.relationship(back_populates="positions")
