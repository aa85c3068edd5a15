"""The reviewer's work queue (issue 14): what needs the reviewer now, in their scope.

Per round: the cases a reviewer returned for correction and the municipality has submitted
again, nobody having reviewed them since (case status ``submitted``, latest submission
number 2 or more); the other submitted cases nobody has reviewed yet (each case in one
group only); the repayment decisions drafted and awaiting a second reviewer's approval
(shown to approvers), and the advance notices whose response window has ended. Each group
is capped (``LIMIT`` shown) and counted; a round costs a fixed number of statements,
whatever its number of cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Claim, ClaimStage, Grant, Response, Round, Submission, User
from survey_app.models.register import Municipality
from survey_app.rules.cases import CaseStatus
from survey_app.services import tracking
from survey_app.services.cases import case_statuses

LIMIT = 10  # rows shown per group; the group links to the full, filtered list


@dataclass
class Group:
    """One kind of work in one round: the first rows (municipality, claim or None) and
    how many there are in all."""

    items: list[tuple[Municipality, Claim | None]] = field(default_factory=list)
    count: int = 0

    def add(self, municipality: Municipality, claim: Claim | None = None) -> None:
        self.count += 1
        if len(self.items) < LIMIT:
            self.items.append((municipality, claim))


@dataclass
class RoundQueue:
    round: Round
    resubmitted: Group = field(default_factory=Group)  # returned, then submitted again
    submitted: Group = field(default_factory=Group)  # the others: never returned
    awaiting_approval: Group = field(default_factory=Group)
    notice_ended: Group = field(default_factory=Group)

    @property
    def empty(self) -> bool:
        return not (self.resubmitted.count or self.submitted.count
                    or self.awaiting_approval.count
                    or self.notice_ended.count)


def work_queue(user: User, today: dt.date) -> list[RoundQueue]:
    """The rounds with work for ``user`` (newest first), each with its groups."""
    queues = []
    for round_ in db.session.scalars(sa.select(Round).order_by(Round.year.desc(), Round.id)):
        scoped = {m.number: m for m in tracking.scoped_municipalities(round_, user)}
        if not scoped:
            continue
        queue = RoundQueue(round_)
        statuses = case_statuses(round_)
        grants = db.session.execute(
            sa.select(Grant.id, Grant.municipality_number).where(Grant.round_id == round_.id)
            .order_by(Grant.municipality_number)).all()
        resubmitted = _resubmitted(round_)
        for grant_id, number in grants:
            if number in scoped and statuses.get(grant_id) == CaseStatus.SUBMITTED:
                group = queue.resubmitted if grant_id in resubmitted else queue.submitted
                group.add(scoped[number])
        _add_claims(queue, round_, scoped, user, today)
        if not queue.empty:
            queues.append(queue)
    return queues


def _resubmitted(round_: Round) -> set[int]:
    """The round's grants whose report was submitted more than once. A submitted report
    is not editable, so a second submission follows a return for correction
    (services.decisions.return_for_correction); one statement."""
    return set(db.session.scalars(
        sa.select(Response.grant_id).join(Submission, Submission.response_id == Response.id)
        .join(Grant, Grant.id == Response.grant_id).where(Grant.round_id == round_.id)
        .group_by(Response.grant_id).having(sa.func.max(Submission.number) >= 2)))


def _add_claims(queue: RoundQueue, round_: Round, scoped: dict[str, Municipality], user: User,
                today: dt.date) -> None:
    claims = db.session.execute(
        sa.select(Grant.municipality_number, Claim).join(Grant, Grant.id == Claim.grant_id)
        .where(Grant.round_id == round_.id,
               Claim.stage.in_([ClaimStage.DECISION_DRAFT, ClaimStage.NOTICE_SENT]))
        .order_by(Claim.response_due, Grant.municipality_number)).all()
    for number, claim in claims:
        if number not in scoped:
            continue
        if claim.stage == ClaimStage.DECISION_DRAFT:
            # Only an approver approves, and never their own draft (services.claim_process).
            if user.approves_decisions and claim.decision_drafted_by != user.email:
                queue.awaiting_approval.add(scoped[number], claim)
        elif claim.response_due is not None and claim.response_due < today:
            queue.notice_ended.add(scoped[number], claim)
