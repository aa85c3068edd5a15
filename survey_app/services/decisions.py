"""The reviewer's decisions on a grant: claim repayment, waive, return the report for
correction, approve, and follow a claim until it is paid or cancelled.

Each function is one transaction: it locks the grant row (as the flag evaluation does,
so a decision and a re-evaluation of the same grant never interleave), checks everything
on the fresh state, writes the change with its audit event, and commits. A refused
decision raises :class:`DecisionError` before anything is written, and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from survey_app import audit
from survey_app.extensions import db
from survey_app.models import (
    Claim,
    ClaimStatus,
    Flag,
    FlagEvent,
    FlagStatus,
    Grant,
    GrantEvent,
    GrantStatus,
    Response,
    ResponseStatus,
    ReviewComment,
    Scheme,
    User,
)
from survey_app.models.users import utcnow
from survey_app.services import responses
from survey_app.services.locking import lock, locked

DUE_DAYS = 30  # a claim is due 30 days after it is made, unless the reviewer says otherwise


class DecisionError(Exception):
    """A decision refused, with the message for the reviewer (translated when shown)."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        if has_request_context():
            return str(self.message)
        with force_locale("en"):  # a job or a test: the English source text
            return str(self.message)


# ---- shared steps -----------------------------------------------------------------------------


def _required(text: str | None, message: Any) -> str:
    stripped = (text or "").strip()
    if not stripped:
        raise DecisionError(message)
    return stripped


def _refuse(message: Any) -> NoReturn:
    db.session.rollback()
    raise DecisionError(message)


def _fresh_flags(flag_ids: Sequence[int]) -> list[Flag]:
    found = db.session.scalars(sa.select(Flag).where(Flag.id.in_(flag_ids))
                               .order_by(Flag.id).execution_options(populate_existing=True))
    return list(found)


def _flag_state(flag: Flag) -> dict[str, Any]:
    return {"status": flag.status, "amount_ore": flag.amount_ore,
            "decision_reason": flag.decision_reason}


def _decide(flag: Flag, status: str, reason: str, reviewer: User,
            extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Sets a flag's decision and writes its history; returns the state before."""
    before = _flag_state(flag)
    now = utcnow()
    flag.status, flag.decision_reason = status, reason
    flag.decided_at, flag.decided_by, flag.updated_at = now, reviewer.email, now
    flag.events.append(FlagEvent(actor=reviewer.email, action=status, reason=reason,
                                 before=before, after={**_flag_state(flag), **(extra or {})}))
    return before


def legal_basis(scheme: Scheme, language: str) -> str:
    """The scheme's legal-basis text for a claim letter; never invented here."""
    text = scheme.legal_basis_nn if language == "nn" else scheme.legal_basis_nb
    if not (text or "").strip():
        raise DecisionError(_l("The scheme has no legal basis configured in this written "
                               "standard, so a repayment claim letter cannot be issued. "
                               "Ask the Directorate to add it to the scheme."))
    return text.strip()


def letter_language(grant: Grant) -> str:
    """The municipality's written standard (språklova § 15); neutral writes bokmål."""
    municipality = responses.municipality_of(grant)
    standard = municipality.written_standard if municipality is not None else "nb"
    return "nn" if standard == "nn" else "nb"


# ---- claim repayment --------------------------------------------------------------------------


def _claim_reference(grant: Grant) -> str:
    count = db.session.scalar(sa.select(sa.func.count(Claim.id))
                              .where(Claim.grant_id == grant.id)) or 0
    return f"TB-{grant.round.year}-{grant.municipality_number}-{count + 1}"


def _check_claim_input(flags: Sequence[Flag], amount_ore: int, reason: str | None,
                       due_date: dt.date | None, today: dt.date) -> str:
    if not flags:
        raise DecisionError(_l("Choose at least one flag to claim repayment for."))
    if len({f.grant_id for f in flags}) != 1:
        raise DecisionError(_l("A claim covers the flags of one grant only."))
    if isinstance(amount_ore, bool) or not isinstance(amount_ore, int) or amount_ore <= 0:
        raise DecisionError(_l("The amount to claim must be more than 0 kr."))
    if due_date is not None and due_date < today:
        raise DecisionError(_l("The due date cannot be in the past."))
    return _required(reason, _l("Give the reason for claiming repayment."))


def _check_claimable(grant: Grant, flags: list[Flag], expected: int, amount_ore: int) -> None:
    if len(flags) != expected or any(f.status != FlagStatus.OPEN for f in flags):
        _refuse(_l("Only open flags can be claimed; the flag was decided or changed "
                   "meanwhile."))
    if amount_ore > grant.amount * 100:
        _refuse(_l("The amount to claim cannot be more than the grant."))


def claim(flags: Sequence[Flag], amount_ore: int, reason: str | None, reviewer: User,
          due_date: dt.date | None = None, today: dt.date | None = None) -> Claim:
    """Claims repayment for open flags of one grant: the flags become `claimed` and a
    claim (the letter's facts) is made in the municipality's written standard."""
    today = today or dt.date.today()
    reason = _check_claim_input(flags, amount_ore, reason, due_date, today)
    flag_ids = sorted(f.id for f in flags)
    grant = locked(Grant, flags[0].grant_id)
    language = letter_language(grant)
    try:
        legal_basis(grant.round.scheme, language)
    except DecisionError:
        db.session.rollback()
        raise
    fresh = _fresh_flags(flag_ids)
    _check_claimable(grant, fresh, len(flag_ids), amount_ore)
    made = Claim(grant_id=grant.id, reference=_claim_reference(grant), amount_ore=amount_ore,
                 reason=reason, flag_ids=flag_ids,
                 due_date=due_date or today + dt.timedelta(days=DUE_DAYS),
                 language=language, status=ClaimStatus.CLAIMED, created_by=reviewer.email)
    db.session.add(made)
    for flag in fresh:
        before = _decide(flag, FlagStatus.CLAIMED, reason, reviewer,
                         {"claim": made.reference, "claimed_ore": amount_ore})
        audit.record("flag.claim", "flag", flag.id, before=before, actor=reviewer,
                     after={"claim": made.reference, "amount_ore": amount_ore,
                            "reason": reason, "due_date": made.due_date.isoformat()})
    db.session.commit()
    return made


# ---- waive ------------------------------------------------------------------------------------


def waive(flag: Flag, reason: str | None, reviewer: User) -> Flag:
    """Decides not to claim what the flag proposes; the reason goes on the record."""
    reason = _required(reason, _l("Give the reason for not claiming repayment."))
    locked(Grant, flag.grant_id)
    fresh = _fresh_flags([flag.id])
    if not fresh or fresh[0].status != FlagStatus.OPEN:
        _refuse(_l("Only an open flag can be waived; it was decided or changed meanwhile."))
    before = _decide(fresh[0], FlagStatus.WAIVED, reason, reviewer)
    audit.record("flag.waive", "flag", flag.id, before=before, actor=reviewer,
                 after={"reason": reason})
    db.session.commit()
    return fresh[0]


# ---- return for correction --------------------------------------------------------------------


def _clean_comments(comments: Mapping[str | None, str]) -> dict[str | None, str]:
    cleaned = {key or None: text.strip() for key, text in comments.items()
               if text and text.strip()}
    if not cleaned:
        raise DecisionError(_l("Write at least one comment for the municipality."))
    return cleaned


def _submitted_response(grant: Grant) -> Response:
    response = responses.response_of(grant)
    if response is not None:
        response = lock(Response, response.id)
    if response is None or response.status != ResponseStatus.SUBMITTED or \
            response.latest_submission is None or grant.status == GrantStatus.CLOSED:
        _refuse(_l("Only a submitted report that is not approved can be returned for "
                   "correction."))
    return response


def return_for_correction(grant: Grant, comments: Mapping[str | None, str],
                          reviewer: User) -> list[ReviewComment]:
    """Returns the submitted report to the municipality with comments on questions of
    its latest submission (None: a general comment); the report becomes editable."""
    cleaned = _clean_comments(comments)
    fresh = locked(Grant, grant.id)
    response = _submitted_response(fresh)
    submission = response.latest_submission
    assert submission is not None
    questionnaire = responses.questionnaire_version(submission.questionnaire_id,
                                                    submission.questionnaire_version)
    unknown = sorted(k for k in cleaned if k is not None and questionnaire.question(k) is None)
    if unknown:
        _refuse(_l("These are not questions of the report: %(ids)s", ids=", ".join(unknown)))
    made = [ReviewComment(response_id=response.id, submission_number=submission.number,
                          question_id=key, text=text, created_by=reviewer.email)
            for key, text in cleaned.items()]
    db.session.add_all(made)
    response.status = ResponseStatus.RETURNED
    audit.record("report.return", "response", response.id, actor=reviewer,
                 before={"status": ResponseStatus.SUBMITTED, "submission": submission.number},
                 after={"status": ResponseStatus.RETURNED,
                        "comments": {k or "": v for k, v in cleaned.items()}})
    db.session.commit()
    return made


# ---- approve ----------------------------------------------------------------------------------


def approve(grant: Grant, reviewer: User) -> Grant:
    """Closes the review of a submitted report once no flag of the grant is open."""
    fresh = locked(Grant, grant.id)
    response = responses.response_of(fresh)
    if fresh.status == GrantStatus.CLOSED:
        _refuse(_l("The report is approved already."))
    if response is None or response.status != ResponseStatus.SUBMITTED:
        _refuse(_l("Only a submitted report can be approved (not one returned for "
                   "correction or not yet sent)."))
    open_flags = db.session.scalar(sa.select(sa.func.count(Flag.id)).where(
        Flag.grant_id == fresh.id, Flag.status == FlagStatus.OPEN))
    if open_flags:
        _refuse(_l("Decide every open flag (claim or waive) before approving."))
    before = fresh.status
    fresh.status = GrantStatus.CLOSED
    fresh.events.append(GrantEvent(actor=reviewer.email, reason="approved",
                                    amount_before=fresh.amount, amount_after=fresh.amount,
                                    status_before=before, status_after=GrantStatus.CLOSED))
    audit.record("report.approve", "grant", fresh.id, actor=reviewer,
                 before={"status": before}, after={"status": GrantStatus.CLOSED})
    db.session.commit()
    return fresh


# ---- a claim's status -------------------------------------------------------------------------


def _reopen(claim_: Claim, reason: str, reviewer: User) -> None:
    """A cancelled claim gives its flags back to the reviewer to decide again."""
    for flag in _fresh_flags(claim_.flag_ids):
        if flag.status != FlagStatus.CLAIMED:
            continue
        before = _flag_state(flag)
        flag.status, flag.decided_at, flag.decided_by, flag.decision_reason = (
            FlagStatus.OPEN, None, None, None)
        flag.updated_at = utcnow()
        flag.events.append(FlagEvent(
            actor=reviewer.email, action="reopened", before=before, after=_flag_state(flag),
            reason=f"claim {claim_.reference} cancelled: {reason}"))


def set_claim_status(claim_: Claim, status: str, reviewer: User, reason: str = "") -> Claim:
    """A claim goes from claimed to paid, or to cancelled (with a reason, and its flags
    open again so that they can be decided anew)."""
    if status not in (ClaimStatus.PAID, ClaimStatus.CANCELLED):
        raise DecisionError(_l("A claim can only be marked as paid or cancelled."))
    reason = reason.strip()
    if status == ClaimStatus.CANCELLED:
        reason = _required(reason, _l("Give the reason for cancelling the claim."))
    locked(Grant, claim_.grant_id)
    fresh = db.session.get(Claim, claim_.id, populate_existing=True)
    assert fresh is not None
    if fresh.status != ClaimStatus.CLAIMED:
        _refuse(_l("Only an outstanding claim can change status."))
    before = fresh.status
    fresh.status, fresh.updated_at = status, utcnow()
    if status == ClaimStatus.CANCELLED:
        _reopen(fresh, reason, reviewer)
    audit.record("claim.status", "claim", fresh.reference, actor=reviewer,
                 before={"status": before}, after={"status": status, "reason": reason})
    db.session.commit()
    return fresh
