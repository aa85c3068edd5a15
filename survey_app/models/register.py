"""The municipality register: one row per municipality per numbering period."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model

WRITTEN_STANDARDS = ("nb", "nn", "neutral")


class Municipality(Model):
    __tablename__ = "municipalities"
    __table_args__ = (
        sa.UniqueConstraint("number", "valid_from"),
        sa.CheckConstraint("written_standard in ('nb', 'nn', 'neutral')", name="standard"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(4), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # The official Sámi or Kven form where it differs from the Norwegian one.
    name_other: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    county_number: so.Mapped[str] = so.mapped_column(sa.String(2))
    county_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    office: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    written_standard: so.Mapped[str] = so.mapped_column(sa.String(8))
    population: so.Mapped[int | None]
    valid_from: so.Mapped[dt.date]
    # First day no longer valid (exclusive, as in Statistics Norway's classification
    # exports); None while the entry is in force.
    valid_to: so.Mapped[dt.date | None]

    @property
    def display_name(self) -> str:
        return f"{self.name} – {self.name_other}" if self.name_other else self.name

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def __repr__(self) -> str:
        return f"<Municipality {self.number} {self.name} {self.valid_from}>"
