"""Money paid back on a repayment claim: one row per payment received.

A claim may be paid in part, in several payments; what is outstanding is the claim's amount
less the payments. Amounts are integer øre, as the claim's own. The payments out (a grant
paid to the municipality) are two columns on the grant (``Grant.paid_amount``/``paid_on``):
a grant is paid once, in full.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import utcnow


class ClaimPayment(Model):
    __tablename__ = "claim_payments"
    __table_args__ = (sa.CheckConstraint("amount_ore > 0", name="amount_positive"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    claim_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    amount_ore: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    paid_on: so.Mapped[dt.date]  # the day the money reached the Directorate's account
    recorded_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    recorded_by: so.Mapped[str] = so.mapped_column(sa.String(254))
