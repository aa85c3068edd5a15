"""The allocation key of a round: named data, never a silent default.

The per-municipality weights themselves are kept on each grant (``Grant.weight``), so an
opt-out redistributes by exactly the weights the grant was made by; this row says which
key those weights are, where they came from, and who used it.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.rounds import Round
from survey_app.models.users import utcnow


class KeyKind(enum.StrEnum):
    WEIGHTS = "weights"  # a key file, kommunenummer;weight (e.g. the health key)
    LIST = "list"  # the Directorate's allocation list, kommunenummer;amount
    POPULATION = "population"  # the register's inhabitants, asked for by name


class AllocationKey(Model):
    __tablename__ = "allocation_keys"
    __table_args__ = (
        sa.CheckConstraint("kind in ('weights', 'list', 'population')", name="kind"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rounds.id"), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))  # "population", "helsenøkkelen"
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    source: so.Mapped[str] = so.mapped_column(sa.String(255))  # file name or "register 2022"
    # The register numbering the key was checked against (1 January of this year).
    register_year: so.Mapped[int]
    entries: so.Mapped[int]  # municipalities in the key
    created_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    round: so.Mapped[Round] = so.relationship()

    @property
    def description(self) -> str:
        """The key in words, for command output and the audit log."""
        kinds = {KeyKind.WEIGHTS: "key file", KeyKind.LIST: "allocation list",
                 KeyKind.POPULATION: "inhabitants in the register"}
        return f"{self.name} ({kinds[KeyKind(self.kind)]}, {self.source})"

    def __repr__(self) -> str:
        return f"<AllocationKey {self.name} {self.kind}>"
