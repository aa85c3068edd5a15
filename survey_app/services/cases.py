"""The case status of every grant in a round, in a handful of queries."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Claim, Flag, Grant, Round
from survey_app.rules.cases import CaseStatus, case_status
from survey_app.services import tracking


def case_statuses(round_: Round) -> dict[int, CaseStatus]:
    """Grant id -> its case status."""
    facts = tracking.participation_facts(round_)
    flags: dict[int, list[str]] = {}
    for grant_id, status in db.session.execute(
            sa.select(Flag.grant_id, Flag.status).join(Grant)
            .where(Grant.round_id == round_.id)):
        flags.setdefault(grant_id, []).append(status)
    claims: dict[int, list[str]] = {}
    for grant_id, status in db.session.execute(
            sa.select(Claim.grant_id, Claim.status).join(Grant)
            .where(Grant.round_id == round_.id)):
        claims.setdefault(grant_id, []).append(status)
    result = {}
    for grant_id, grant_status in db.session.execute(
            sa.select(Grant.id, Grant.status).where(Grant.round_id == round_.id)):
        state = tracking.state_of(grant_status, facts.get(grant_id, tracking.Participation()))
        result[grant_id] = case_status(state, grant_status, flags.get(grant_id, []),
                                       claims.get(grant_id, []))
    return result
