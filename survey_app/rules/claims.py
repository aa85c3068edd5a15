"""What comes next in a repayment claim's process (pure).

notice drafted -> notice sent (the municipality has until ``response_due`` to respond,
forvaltningsloven § 16) -> decision drafted after that day -> decision approved by a second
reviewer -> paid (or cancelled at any point before it is paid).
"""

from __future__ import annotations

import datetime as dt
import enum


class Next(enum.StrEnum):
    SEND_NOTICE = "send-notice"  # the case officer reads the draft and sends it
    AWAIT_RESPONSE = "await-response"  # the municipality's time to respond runs
    DRAFT_DECISION = "draft-decision"  # the time has run out: the case officer decides
    APPROVE = "approve"  # a second reviewer with authority approves the draft
    AWAIT_PAYMENT = "await-payment"  # decided: the municipality pays by the due date
    NOTHING = "nothing"  # paid or cancelled


def first_decision_day(response_due: dt.date) -> dt.date:
    """The municipality may respond on the last day itself, so a decision waits a day."""
    return response_due + dt.timedelta(days=1)


def next_step(stage: str, status: str, response_due: dt.date | None, today: dt.date) -> Next:
    if status != "claimed":
        return Next.NOTHING
    if stage == "notice-draft":
        return Next.SEND_NOTICE
    if stage == "notice-sent":
        if response_due is not None and today < first_decision_day(response_due):
            return Next.AWAIT_RESPONSE
        return Next.DRAFT_DECISION
    if stage == "decision-draft":
        return Next.APPROVE
    return Next.AWAIT_PAYMENT
