"""The facts of a claim's two letters: the advance notice (forhåndsvarsel, forvaltningsloven
§ 16) and the decision (vedtak). Rendered as HTML and PDF by survey_app.review.letters and
as the mail to the municipality's post box by services.claim_process.

A letter is written for the municipality: the grounds are said in its words (by the part
of the grant each rule reclaims: unused, moved, used contrary to the conditions, a reduced
position, the whole grant when no report came), never in the rules' reviewer text. Its
language is the municipality's written standard on the letter's date
(decisions.letter_language), fixed when the letter was made. The legal basis, the
statement on appeal and the payment details are configuration (services.letter_config).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from forms.answers import answers_from_json
from forms.builder import format_answer, render_text
from forms.model import Questionnaire
from forms.money import format_amount, from_ore
from survey_app.extensions import db
from survey_app.formatting import OSLO
from survey_app.models import Claim, ClaimStage, Flag, Grant, Mailbox, Municipality, User
from survey_app.questionnaires import rules_for
from survey_app.rules.check_digits import format_account, kid
from survey_app.services import letter_config, responses
from survey_app.services.authority import signer
from survey_app.services.decisions import legal_basis, letter_language
from survey_app.services.flags import part_of

NOTICE, DECISION = "notice", "decision"


@dataclass(frozen=True)
class Figure:
    key: str  # the name the rule read: a question id or a grant figure (grant.amount)
    label: str  # the question's label; "" for a grant figure (the template names it)
    value: str  # formatted; "true"/"false" for a yes/no grant figure


@dataclass(frozen=True)
class Ground:
    """One ground of the claim: the part of the grant, its amount and the figures read."""

    part: str  # forms.rules.RECLAIMS, or "undeclared"
    amount: str  # formatted
    figures: list[Figure]


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Letter:
    kind: str  # notice or decision
    claim: Claim
    grant: Grant
    municipality: Municipality
    language: str  # nb or nn
    date: dt.date  # in Europe/Oslo
    draft: bool  # not sent (a notice) or not approved (a decision) yet
    sender: str  # the administering authority, by its name that year
    sender_address: tuple[str, ...]
    sender_email: str
    recipient_email: str  # the municipality's post box ("" when none is registered)
    scheme_name: str
    reported: bool  # a report was submitted
    submission: str | None  # the latest submission's reference
    grounds: list[Ground]
    amount: str  # what this letter claims (the notice's amount, or the decision's)
    reason: str  # the case officer's reasons, written for the municipality
    legal_basis: str
    case_officer: Person
    approver: Person | None = None  # a decision's
    response_due: dt.date | None = None  # a notice's
    appeal: str = ""  # a decision's
    due: dt.date | None = None
    account: str = ""  # formatted: 1234 56 78903
    kid: str = ""
    notice_date: dt.date | None = None  # a decision's: the notice it follows
    response_received_on: dt.date | None = None
    response_text: str = ""


def find_claim(reference: str) -> Claim | None:
    return db.session.scalar(sa.select(Claim).where(Claim.reference == reference))


def local_day(value: dt.datetime | None) -> dt.date | None:
    return value.replace(tzinfo=dt.UTC).astimezone(OSLO).date() if value else None


def _grant_figure(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if key.endswith(".amount"):
        try:
            return format_amount(Decimal(str(value)))
        except InvalidOperation:
            pass
    return str(value)


def _figure(key: str, value: Any, questionnaire: Questionnaire | None, language: str,
            context: dict[str, object]) -> Figure:
    question = questionnaire.question(key) if questionnaire is not None else None
    if question is None:
        return Figure(key, "", _grant_figure(key, value))
    if value is None:
        return Figure(key, render_text(question.label, language, context), "")
    typed = answers_from_json(questionnaire, {key: value})[key]  # type: ignore[arg-type]
    return Figure(key, render_text(question.label, language, context),
                  format_answer(question, typed, language, context))


def _ground(flag: Flag, grant: Grant, language: str, context: dict[str, object]) -> Ground:
    explanation = flag.explanation
    source = explanation.get("questionnaire")
    questionnaire = (responses.questionnaire_version(source["id"], source["version"])
                     if source else None)
    figures = [_figure(k, v, questionnaire, language, context)
               for k, v in (explanation.get("figures") or {}).items()]
    part = part_of(flag, rules_for(grant.round.scheme.questionnaire_id)).reclaims
    return Ground(part, format_amount(from_ore(flag.amount_ore)), figures)


def _person(email: str | None) -> Person | None:
    if not email:
        return None
    name = db.session.scalar(sa.select(User.name).where(User.email == email))
    return Person(name or email, email)


def _common(claim: Claim, kind: str, language: str, day: dt.date) -> dict[str, Any]:
    grant = db.session.get(Grant, claim.grant_id)
    assert grant is not None
    municipality = responses.municipality_of(grant)
    assert municipality is not None
    authority = letter_config.authority_of(grant)
    context = responses.context_of(grant)
    flags = db.session.scalars(sa.select(Flag).where(Flag.id.in_(claim.flag_ids))
                               .order_by(Flag.rule_id)).all()
    mailbox = db.session.get(Mailbox, grant.municipality_number)
    response = responses.response_of(grant)
    submission = response.latest_submission if response is not None else None
    return {
        "kind": kind, "claim": claim, "grant": grant, "municipality": municipality,
        "language": language, "date": day, "sender": signer(grant, language),
        "sender_address": authority.address, "sender_email": authority.email,
        "recipient_email": mailbox.email if mailbox is not None else "",
        "scheme_name": grant.round.scheme.name(language), "reported": submission is not None,
        "submission": submission.reference if submission is not None else None,
        "grounds": [_ground(f, grant, language, context) for f in flags],
        "legal_basis": legal_basis(grant.round.scheme, language),
    }


def kid_of(claim: Claim, grant: Grant) -> str:
    """The claim's KID: grant year, kommunenummer and the claim's number (15 digits), and
    the check digit by the authority's method (letters.yaml)."""
    body = f"{grant.round.year:04d}{grant.municipality_number}{claim.id:07d}"
    return kid(body, letter_config.authority_of(grant).kid)


def payment_due(decided_on: dt.date) -> dt.date:
    return decided_on + dt.timedelta(days=letter_config.current().payment_days)


def _grant(claim: Claim) -> Grant:
    grant = db.session.get(Grant, claim.grant_id)
    assert grant is not None
    return grant


def notice_of(claim: Claim, today: dt.date) -> Letter:
    """The advance notice as sent (or, before it is sent, as it would be sent today)."""
    sent = local_day(claim.notice_sent_at)
    language = (claim.notice_language or claim.language) if sent else \
        letter_language(_grant(claim), today)
    officer = _person(claim.notice_sent_by or claim.created_by)
    assert officer is not None
    return Letter(**_common(claim, NOTICE, language, sent or today), draft=sent is None,
                  amount=format_amount(from_ore(claim.notice_amount_ore or claim.amount_ore)),
                  reason=claim.reason, case_officer=officer,
                  response_due=claim.response_due or today + dt.timedelta(
                      days=letter_config.current().response_days))


def decision_of(claim: Claim, today: dt.date) -> Letter:
    """The decision as approved (or, as a draft, as it would be approved today); a claim made
    before the process (decided in one step) has neither a notice nor an approver."""
    decided = claim.stage == ClaimStage.DECIDED
    grant = _grant(claim)
    language = claim.language if decided else letter_language(grant, today)
    texts = letter_config.scheme_texts(grant.round.scheme.slug)
    officer = _person(claim.decision_drafted_by or claim.created_by)
    assert officer is not None
    return Letter(
        **_common(claim, DECISION, language, claim.decided_on or today), draft=not decided,
        amount=format_amount(from_ore(claim.amount_ore)),
        reason=claim.decision_reason or claim.reason, case_officer=officer,
        approver=_person(claim.approved_by), appeal=texts.appeal[language],
        # A draft shows the payment details as approval today would set them.
        due=claim.due_date or payment_due(today),
        account=format_account(claim.account_number or letter_config.authority_of(grant).account),
        kid=claim.kid or kid_of(claim, grant), notice_date=local_day(claim.notice_sent_at),
        response_due=claim.response_due,
        response_received_on=claim.response_received_on,
        response_text=claim.response_text or "")


def current_letter(claim: Claim, today: dt.date) -> Letter:
    """The letter the claim is at: its decision once drafted, else its notice."""
    if claim.stage in (ClaimStage.DECISION_DRAFT, ClaimStage.DECIDED):
        return decision_of(claim, today)
    return notice_of(claim, today)
