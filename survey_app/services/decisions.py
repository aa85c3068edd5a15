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

from forms.money import format_amount, from_ore
from survey_app import audit
from survey_app.extensions import db
from survey_app.formatting import OSLO
from survey_app.models import (
    Claim,
    ClaimPayment,
    ClaimStage,
    ClaimStatus,
    Flag,
    FlagEvent,
    FlagStatus,
    Grant,
    GrantEvent,
    GrantStatus,
    Municipality,
    Response,
    ResponseStatus,
    ReviewComment,
    Scheme,
    User,
)
from survey_app.models.users import utcnow
from survey_app.services import letter_config, register, responses
from survey_app.services.flags import claimed_ore
from survey_app.services.locking import lock, locked


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
    """The scheme's legal-basis text for a claim letter (questionnaires/schemes/letters.yaml);
    never invented here: without it there is no claim."""
    try:
        return letter_config.scheme_texts(scheme.slug).legal_basis[language]
    except letter_config.LetterConfigError as error:
        raise DecisionError(_l("The scheme has no legal basis configured, so a repayment "
                               "claim cannot be issued: %(reason)s", reason=str(error))) from error


def oslo_today() -> dt.date:
    return dt.datetime.now(OSLO).date()


def letter_language(grant: Grant, day: dt.date) -> str:
    """The municipality's written standard in force on the letter's date (språklova § 15):
    nynorsk or bokmål; a neutral municipality gets bokmål (the project's choice: the
    Directorate writes bokmål where the municipality has chosen neither). The register
    entry of the grant's kommunenummer valid that day; a number no longer in force (the
    municipality was renumbered since) reads the entry of the grant year."""
    entry = db.session.scalar(sa.select(Municipality).where(
        Municipality.number == grant.municipality_number, Municipality.valid_from <= day,
        sa.or_(Municipality.valid_to.is_(None), Municipality.valid_to > day)))
    entry = entry or register.entry_of_grant(grant)
    return "nn" if entry is not None and entry.written_standard == "nn" else "nb"


# ---- claim repayment --------------------------------------------------------------------------


def _claim_reference(grant: Grant) -> str:
    count = db.session.scalar(sa.select(sa.func.count(Claim.id))
                              .where(Claim.grant_id == grant.id)) or 0
    return f"TB-{grant.round.year}-{grant.municipality_number}-{count + 1}"


def _check_claim_input(flags: Sequence[Flag], amount_ore: int, reason: str | None) -> str:
    if not flags:
        raise DecisionError(_l("Choose at least one flag to claim repayment for."))
    if len({f.grant_id for f in flags}) != 1:
        raise DecisionError(_l("A claim covers the flags of one grant only."))
    if isinstance(amount_ore, bool) or not isinstance(amount_ore, int) or amount_ore <= 0:
        raise DecisionError(_l("The amount to claim must be more than 0 kr."))
    return _required(reason, _l("Give the reason for claiming repayment."))


def _check_claimable(grant: Grant, flags: list[Flag], expected: int, amount_ore: int) -> None:
    if len(flags) != expected or any(f.status != FlagStatus.OPEN for f in flags):
        _refuse(_l("Only open flags can be claimed; the flag was decided or changed "
                   "meanwhile."))
    if amount_ore > grant.amount * 100:
        _refuse(_l("The amount to claim cannot be more than the grant."))
    claimed = claimed_ore(db.session.scalars(sa.select(Claim).where(Claim.grant_id == grant.id)))
    if claimed + amount_ore > grant.amount * 100:  # each krone is claimed once
        _refuse(_l("Claims on this grant cover %(claimed)s already; with this one they would "
                   "come to more than the grant.", claimed=format_amount(from_ore(claimed))))


def claim(flags: Sequence[Flag], amount_ore: int, reason: str | None, reviewer: User,
          today: dt.date | None = None) -> Claim:
    """Starts a repayment claim for open flags of one grant: the draft of its advance notice
    (forvaltningsloven § 16), by this reviewer as case officer. The flags become `claimed`
    (their kroner are taken, so no other claim counts them again); the notice is sent,
    answered and decided in services.claim_process. ``reason`` is written for the
    municipality: the letters quote it."""
    today = today or oslo_today()
    reason = _check_claim_input(flags, amount_ore, reason)
    flag_ids = sorted(f.id for f in flags)
    grant = locked(Grant, flags[0].grant_id)
    language = letter_language(grant, today)
    try:
        legal_basis(grant.round.scheme, language)
    except DecisionError:
        db.session.rollback()
        raise
    fresh = _fresh_flags(flag_ids)
    _check_claimable(grant, fresh, len(flag_ids), amount_ore)
    made = Claim(grant_id=grant.id, reference=_claim_reference(grant), amount_ore=amount_ore,
                 notice_amount_ore=amount_ore, reason=reason, flag_ids=flag_ids,
                 language=language, notice_language=language, status=ClaimStatus.CLAIMED,
                 stage=ClaimStage.NOTICE_DRAFT, created_by=reviewer.email)
    db.session.add(made)
    for flag in fresh:
        before = _decide(flag, FlagStatus.CLAIMED, reason, reviewer,
                         {"claim": made.reference, "claimed_ore": amount_ore})
        audit.record("flag.claim", "flag", flag.id, before=before, actor=reviewer,
                     after={"claim": made.reference, "amount_ore": amount_ore,
                            "reason": reason, "stage": ClaimStage.NOTICE_DRAFT})
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
    """A claim goes from claimed to cancelled (with a reason, and its flags open again so
    that they can be decided anew). It becomes paid only by the payments recorded on it
    (services.payments.record_repayment), and one with a payment cannot be cancelled."""
    if status == ClaimStatus.PAID:
        raise DecisionError(_l("A claim is paid by recording each payment received (amount "
                               "and date); it is marked paid when they reach the claim."))
    if status != ClaimStatus.CANCELLED:
        raise DecisionError(_l("A claim can only be cancelled here."))
    reason = reason.strip()
    if status == ClaimStatus.CANCELLED:
        reason = _required(reason, _l("Give the reason for cancelling the claim."))
    locked(Grant, claim_.grant_id)
    fresh = db.session.get(Claim, claim_.id, populate_existing=True)
    assert fresh is not None
    if fresh.status != ClaimStatus.CLAIMED:
        _refuse(_l("Only an outstanding claim can change status."))
    repaid = db.session.scalar(sa.select(sa.func.sum(ClaimPayment.amount_ore))
                               .where(ClaimPayment.claim_id == fresh.id))
    if repaid:
        _refuse(_l("%(repaid)s has been repaid on this claim, so it cannot be cancelled.",
                   repaid=format_amount(from_ore(int(repaid)))))
    before = fresh.status
    fresh.status, fresh.updated_at = status, utcnow()
    if status == ClaimStatus.CANCELLED:
        _reopen(fresh, reason, reviewer)
    audit.record("claim.status", "claim", fresh.reference, actor=reviewer,
                 before={"status": before}, after={"status": status, "reason": reason})
    db.session.commit()
    return fresh
