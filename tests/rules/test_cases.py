"""One case status per grant: money over review over participation."""

from __future__ import annotations

import pytest

from survey_app.rules.cases import CaseStatus, case_status


@pytest.mark.parametrize(("participation", "grant", "flags", "claims", "expected"), [
    ("not_invited", "paid", [], [], CaseStatus.NOT_INVITED),
    ("opened", "paid", [], [], CaseStatus.INVITED),
    ("started", "paid", ["open"], [], CaseStatus.STARTED),
    ("submitted_late", "reported", ["open"], [], CaseStatus.SUBMITTED),
    ("returned", "reported", ["open"], [], CaseStatus.RETURNED),
    ("submitted", "closed", [], [], CaseStatus.APPROVED),
    ("submitted", "reported", ["waived"], [], CaseStatus.WAIVED),
    ("submitted", "reported", ["waived", "open"], [], CaseStatus.SUBMITTED),
    ("submitted", "reported", ["claimed"], ["claimed"], CaseStatus.CLAIMED),
    ("not_invited", "paid", ["claimed"], ["paid"], CaseStatus.REPAID),
    ("submitted", "reported", [], ["cancelled"], CaseStatus.SUBMITTED),
    ("declined", "opted_out", [], [], CaseStatus.DECLINED),
])
def test_case_status(participation, grant, flags, claims, expected):
    assert case_status(participation, grant, flags, claims) == expected
