"""One case status per grant, combining participation, review and money (pure)."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class CaseStatus(enum.StrEnum):
    DECLINED = "declined"  # opted out: nothing to report
    NOT_INVITED = "not_invited"
    INVITED = "invited"
    STARTED = "started"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # returned to the municipality for correction
    APPROVED = "approved"  # reviewed: nothing (more) to claim
    CLAIMED = "claimed"  # repayment claimed, not yet paid
    WAIVED = "waived"  # flagged, and the reviewer decided not to claim
    REPAID = "repaid"  # every claim paid


def case_status(participation: str, grant_status: str, flag_statuses: Iterable[str],
                claim_statuses: Iterable[str]) -> CaseStatus:
    """`participation` is the tracking state (declined, returned, submitted, submitted_late,
    started, opened, invited, not_invited); money decides over review, review over
    participation: invited → started → submitted → returned → approved → claimed /
    waived / repaid."""
    claims = [s for s in claim_statuses if s != "cancelled"]
    flags = list(flag_statuses)
    if participation == "declined":
        return CaseStatus.DECLINED
    if "claimed" in claims:
        return CaseStatus.CLAIMED
    if claims:
        return CaseStatus.REPAID
    if participation == "returned":
        return CaseStatus.RETURNED
    if "waived" in flags and "open" not in flags:
        return CaseStatus.WAIVED
    if grant_status == "closed":
        return CaseStatus.APPROVED
    return _participation(participation)


def _participation(participation: str) -> CaseStatus:
    if participation in ("submitted", "submitted_late"):
        return CaseStatus.SUBMITTED
    if participation == "started":
        return CaseStatus.STARTED
    if participation in ("invited", "opened"):
        return CaseStatus.INVITED
    return CaseStatus.NOT_INVITED
