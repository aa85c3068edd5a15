"""A repayment claim as forvaltningsloven wants it, one step per function:

1. :func:`send_notice` — the case officer's draft advance notice (made by
   decisions.claim) goes to the municipality's post box through the outbox, with the
   time to respond (letters.yaml `response_days`; § 16).
2. :func:`record_response` — the municipality's answer, as the case officer received it.
3. :func:`draft_decision` — after the time to respond: the amount (at most the notice's)
   and the reasons, written for the municipality (§§ 24–25).
4. :func:`approve_decision` — a second reviewer with authority (``User.approves_decisions``)
   approves; never the one who drafted it. The decision gets its date, due date
   (`payment_days`), account number and KID, and goes to the post box.

Each step is a transaction as the other decisions are (services.decisions): the grant row
locked, everything checked on the fresh claim, the change and its audit event committed
together; a refused step raises DecisionError and changes nothing. A step asked for twice
(a double click, a reload) is refused the second time with what was done, so nothing is
sent or recorded twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from survey_app import audit
from survey_app.extensions import db
from survey_app.mail import queue_mail
from survey_app.models import Claim, ClaimStage, ClaimStatus, Grant, Mailbox, User
from survey_app.models.users import utcnow
from survey_app.rules.claims import first_decision_day
from survey_app.services import claim_letters, letter_config
from survey_app.services.decisions import (
    DecisionError,
    _refuse,
    _required,
    letter_language,
    oslo_today,
)
from survey_app.services.locking import locked


def _day(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


def _fresh(claim: Claim) -> tuple[Claim, Grant]:
    grant = locked(Grant, claim.grant_id)
    fresh = db.session.get(Claim, claim.id, populate_existing=True)
    assert fresh is not None
    if fresh.status != ClaimStatus.CLAIMED:
        _refuse(_l("The claim is %(status)s: its process has ended.",
                   status=_l("cancelled") if fresh.status == ClaimStatus.CANCELLED
                   else _l("paid")))
    return fresh, grant


def _mailbox(grant: Grant) -> str:
    mailbox = db.session.get(Mailbox, grant.municipality_number)
    if mailbox is None:
        _refuse(_l("Municipality %(number)s has no post box address registered, so the "
                   "letter cannot be sent. Register it first.",
                   number=grant.municipality_number))
    return mailbox.email


def _queue_letter(letter: claim_letters.Letter, to: str) -> None:
    with force_locale(letter.language):
        text = render_template(f"mail/claim_{letter.kind}.{letter.language}.txt", letter=letter)
    subject, _, body = text.partition("\n")
    queue_mail(to, subject.strip(), body.strip() + "\n", kind=f"claim-{letter.kind}",
               grant_id=letter.grant.id)


def _stage_refusal(claim: Claim) -> Any:
    """Why a step does not fit the claim's stage: what was done already."""
    if claim.stage == ClaimStage.NOTICE_DRAFT:
        return _l("The advance notice has not been sent yet.")
    if claim.stage == ClaimStage.NOTICE_SENT:
        return _l("The advance notice was sent on %(day)s; the decision is not drafted yet.",
                  day=_day(claim_letters.local_day(claim.notice_sent_at) or oslo_today()))
    if claim.stage == ClaimStage.DECISION_DRAFT:
        return _l("A decision is drafted already and waits for approval.")
    return _l("The decision was approved on %(day)s; nothing more can change.",
              day=_day(claim.decided_on or oslo_today()))


def send_notice(claim: Claim, reviewer: User, today: dt.date | None = None) -> Claim:
    """Sends the drafted advance notice to the municipality's post box."""
    today = today or oslo_today()
    fresh, grant = _fresh(claim)
    if fresh.stage != ClaimStage.NOTICE_DRAFT:
        _refuse(_stage_refusal(fresh))
    to = _mailbox(grant)
    fresh.notice_language = fresh.language = letter_language(grant, today)
    fresh.response_due = today + dt.timedelta(days=letter_config.current().response_days)
    fresh.notice_sent_at, fresh.notice_sent_by = utcnow(), reviewer.email
    fresh.stage, fresh.updated_at = ClaimStage.NOTICE_SENT, fresh.notice_sent_at
    _queue_letter(claim_letters.notice_of(fresh, today), to)
    audit.record("claim.notice", "claim", fresh.reference, actor=reviewer,
                 before={"stage": ClaimStage.NOTICE_DRAFT},
                 after={"stage": fresh.stage, "to": to, "language": fresh.notice_language,
                        "response_due": fresh.response_due.isoformat()})
    db.session.commit()
    return fresh


def record_response(claim: Claim, text: str | None, received_on: dt.date | None,
                    reviewer: User, today: dt.date | None = None) -> Claim:
    """Records the municipality's response to the notice (what it said, and when)."""
    today = today or oslo_today()
    text = _required(text, _l("Write what the municipality answered."))
    if received_on is None:
        raise DecisionError(_l("Enter the day the answer was received."))
    if received_on > today:
        raise DecisionError(_l("The day the answer was received cannot be in the future."))
    fresh, _grant = _fresh(claim)
    if fresh.stage != ClaimStage.NOTICE_SENT:
        _refuse(_stage_refusal(fresh))
    if fresh.response_received_on is not None:
        _refuse(_l("The municipality's answer of %(day)s is recorded already.",
                   day=_day(fresh.response_received_on)))
    sent = claim_letters.local_day(fresh.notice_sent_at)
    if sent is not None and received_on < sent:
        _refuse(_l("The answer cannot have come before the notice was sent (%(day)s).",
                   day=_day(sent)))
    fresh.response_text, fresh.response_received_on = text, received_on
    fresh.response_recorded_by, fresh.updated_at = reviewer.email, utcnow()
    audit.record("claim.response", "claim", fresh.reference, actor=reviewer,
                 after={"received_on": received_on.isoformat(), "text": text})
    db.session.commit()
    return fresh


def draft_decision(claim: Claim, amount_ore: int | None, reason: str | None, reviewer: User,
                   today: dt.date | None = None) -> Claim:
    """The case officer's draft decision, once the time to respond has run out; a draft
    waiting for approval can be drafted again (by its author or another officer)."""
    today = today or oslo_today()
    reason = _required(reason, _l("Give the reasons for the decision, for the municipality."))
    if isinstance(amount_ore, bool) or not isinstance(amount_ore, int) or amount_ore <= 0:
        raise DecisionError(_l("The amount to claim must be more than 0 kr."))
    fresh, _grant = _fresh(claim)
    if fresh.stage not in (ClaimStage.NOTICE_SENT, ClaimStage.DECISION_DRAFT):
        _refuse(_stage_refusal(fresh))
    assert fresh.response_due is not None
    if today < first_decision_day(fresh.response_due):
        _refuse(_l("The municipality has until %(due)s to answer the notice; the decision "
                   "can be drafted from %(first)s.", due=_day(fresh.response_due),
                   first=_day(first_decision_day(fresh.response_due))))
    notified = fresh.notice_amount_ore or fresh.amount_ore
    if amount_ore > notified:
        _refuse(_l("The decision cannot claim more than the notice said (%(amount)s); to "
                   "claim more, cancel this claim and send a new notice.",
                   amount=claim_letters.format_amount(claim_letters.from_ore(notified))))
    before = {"stage": fresh.stage, "amount_ore": fresh.amount_ore,
              "drafted_by": fresh.decision_drafted_by}
    fresh.amount_ore, fresh.decision_reason = amount_ore, reason
    fresh.decision_drafted_at = fresh.updated_at = utcnow()
    fresh.decision_drafted_by, fresh.stage = reviewer.email, ClaimStage.DECISION_DRAFT
    audit.record("claim.decision-draft", "claim", fresh.reference, actor=reviewer,
                 before=before, after={"stage": fresh.stage, "amount_ore": amount_ore,
                                       "reason": reason})
    db.session.commit()
    return fresh


def _check_approver(claim: Claim, grant: Grant, approver: User) -> None:
    if claim.stage != ClaimStage.DECISION_DRAFT:
        _refuse(_stage_refusal(claim))
    if approver.email == claim.decision_drafted_by:
        _refuse(_l("You drafted this decision, so you cannot approve it: a second reviewer "
                   "with authority to approve decisions must do so."))
    if not approver.approves_decisions:
        _refuse(_l("You do not have the authority to approve decisions. A reviewer who has "
                   "it must approve this one."))
    authority = letter_config.authority_of(grant)
    if authority.example and current_app.config.get("APP_ENV") == "production":
        _refuse(_l("The payment details of %(authority)s in letters.yaml are examples, not "
                   "its own: no decision can be approved with them.",
                   authority=authority.key))


def approve_decision(claim: Claim, approver: User, today: dt.date | None = None) -> Claim:
    """A second reviewer with authority approves the drafted decision; it is then sent."""
    today = today or oslo_today()
    fresh, grant = _fresh(claim)
    _check_approver(fresh, grant, approver)
    to = _mailbox(grant)
    fresh.language = letter_language(grant, today)
    fresh.decided_on, fresh.due_date = today, claim_letters.payment_due(today)
    fresh.account_number = letter_config.authority_of(grant).account
    fresh.kid = claim_letters.kid_of(fresh, grant)
    fresh.approved_at = fresh.updated_at = utcnow()
    fresh.approved_by, fresh.stage = approver.email, ClaimStage.DECIDED
    _queue_letter(claim_letters.decision_of(fresh, today), to)
    audit.record("claim.approve", "claim", fresh.reference, actor=approver,
                 before={"stage": ClaimStage.DECISION_DRAFT},
                 after={"stage": fresh.stage, "amount_ore": fresh.amount_ore,
                        "drafted_by": fresh.decision_drafted_by, "kid": fresh.kid,
                        "due_date": fresh.due_date.isoformat(), "language": fresh.language,
                        "to": to})
    db.session.commit()
    return fresh
