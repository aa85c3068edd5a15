"""Payments both ways: grants paid out to the municipalities, and repayments paid back.

Out (``Grant.paid_amount``, ``Grant.paid_on``):

* A grant is paid once, in full, on one day. Seed 000 gives one payment date for the whole
  round ("Tilskuddet utbetales 29. april.2022"); the seeds say nothing of part payments, so
  we choose not to record any: a payment file's amount must be the grant's amount.
* ``pay_round`` marks every grant of a round that is not declined and not yet paid as paid
  with its amount on the round's payment date (or the date given). It can run every day
  from cron: before the payment date it changes nothing and says so, and a grant paid once
  is never paid again.
* ``import_payments`` reads a file ``kommunenummer;amount;date`` (survey_app.tabular), all
  or nothing, every bad row named with its line and reason.
* A payment is never recorded before its day: a date after today is refused (the round's
  payment date is the schedule, so nothing is shown as paid before it is), and so is a
  date before 1 January of the grant year (our choice: the seeds are silent on a range).
* Each payment becomes a GrantEvent (the grant's history) and one audit event per run.

Back (``ClaimPayment``): once the decision is approved (stage ``decided``) a claim may be
paid in several payments that add up to at most its amount; the claim becomes ``paid`` when
they reach it. A payment is dated on or before today and not before the claim was made.
Amounts are integer øre, as the claim's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NoReturn

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from forms.money import format_amount, from_ore
from survey_app import audit, tabular
from survey_app.extensions import db
from survey_app.formatting import OSLO
from survey_app.models import (
    Claim,
    ClaimPayment,
    ClaimStatus,
    Grant,
    GrantEvent,
    GrantStatus,
    Round,
    User,
)
from survey_app.models.compliance import ClaimStage
from survey_app.models.users import utcnow
from survey_app.services import grants as grant_service
from survey_app.services import register
from survey_app.services.decisions import DecisionError
from survey_app.services.locking import locked

SYSTEM = grant_service.SYSTEM
PAYMENT_COLUMNS = {
    "kommunenummer": grant_service.COLUMNS["kommunenummer"],
    "amount": (*grant_service.COLUMNS["amount"], "utbetalt"),
    "date": ("date", "dato", "utbetalingsdato", "utbetalt_dato"),
}


def oslo_today() -> dt.date:
    """Today in Norway: the day a payment is dated by, whatever the server's time zone."""
    return dt.datetime.now(OSLO).date()


class PaymentError(Exception):
    """A payment refused as a whole, with the reason (for the command line)."""


# ---- out: grants paid to the municipalities ----------------------------------------------


@dataclass
class RoundPayment:
    """What marking a round paid did: the grants paid now, how many were paid already,
    or (``due`` False) that the payment date has not come, so nothing changed."""

    on: dt.date
    paid: list[Grant] = field(default_factory=list)
    already_paid: int = 0
    due: bool = True

    @property
    def total(self) -> int:
        return sum(g.paid_amount or 0 for g in self.paid)


def paid_out(grant: Grant, as_of: dt.date) -> int:
    """What the municipality has been paid of the grant by ``as_of`` (kroner)."""
    if grant.paid_on is None or grant.paid_on > as_of:
        return 0
    return int(grant.paid_amount or 0)


def _date_refusal(round_: Round, on: dt.date, today: dt.date) -> str | None:
    if on > today:
        return (f"{on.isoformat()} is after today ({today.isoformat()}): a payment is "
                "recorded once it is made. To pay on a later day, set the round's payment "
                "date and run `grants pay` on or after it (e.g. daily from cron).")
    if on < dt.date(round_.year, 1, 1):
        return (f"{on.isoformat()} is before the grant year {round_.year} began: a grant "
                "of the round is paid in its grant year or later.")
    return None


def _mark_paid(grant: Grant, on: dt.date, actor: str, source: str) -> None:
    before = grant.status
    after = GrantStatus.PAID if before == GrantStatus.ALLOCATED else before
    grant.paid_amount, grant.paid_on, grant.status = grant.amount, on, after
    grant.events.append(GrantEvent(
        actor=actor, reason=f"paid {on.isoformat()}{source}"[:80], amount_before=grant.amount,
        amount_after=grant.amount, status_before=before, status_after=after))


def _payable(grant: Grant) -> bool:
    return grant.status != GrantStatus.OPTED_OUT and grant.amount > 0


def _fresh_grants(round_: Round) -> list[Grant]:
    return list(db.session.scalars(
        sa.select(Grant).where(Grant.round_id == round_.id)
        .order_by(Grant.municipality_number)
        .execution_options(populate_existing=True)).unique())


def pay_round(round_: Round, today: dt.date, on: dt.date | None = None,
              actor: str = SYSTEM) -> RoundPayment:
    """Mark every grant of the round paid (its whole amount) on ``on``, by default the
    round's payment date; grants paid already are left as they are.

    Without ``on``, a payment date after today changes nothing (``due`` is False): the job
    can run daily. A date given that is after today, or before the grant year, is refused.
    """
    scheduled = on is None
    day = round_.payment_date if on is None else on
    if day is None:
        raise PaymentError(f"The round {round_.key} has no payment date; give the day the "
                           "grants were paid with --date, or set the round's payment date.")
    if scheduled and day > today:
        return RoundPayment(day, due=False)
    refusal = _date_refusal(round_, day, today)
    if refusal:
        raise PaymentError(f"Refused: {refusal}")
    fresh = locked(Round, round_.id)  # two runs at once: the second waits, then pays none
    result = RoundPayment(day)
    for grant in _fresh_grants(fresh):
        if grant.paid_on is not None:
            result.already_paid += 1
        elif _payable(grant):
            _mark_paid(grant, day, actor, "")
            result.paid.append(grant)
    before = fresh.payment_date
    if before is None:
        fresh.payment_date = day  # the round's payment date is the day it was paid
    if result.paid or before is None:
        audit.record("grants.pay", "round", fresh.key,
                     before={"payment_date": before.isoformat() if before else None},
                     after={"paid_on": day.isoformat(), "grants": len(result.paid),
                            "total": result.total, "already_paid": result.already_paid})
    db.session.commit()
    return result


@dataclass
class PaymentImport:
    """What a payment file did, or every reason it did nothing."""

    errors: list[str] = field(default_factory=list)
    paid: list[Grant] = field(default_factory=list)
    already_paid: int = 0  # rows repeating a payment recorded before, exactly

    @property
    def total(self) -> int:
        return sum(g.paid_amount or 0 for g in self.paid)


@dataclass(frozen=True)
class _Row:
    number: str
    amount: int
    on: dt.date


def _row_problems(row: tabular.Record, grant: Grant | None, round_: Round,
                  today: dt.date) -> tuple[_Row | None, list[str]]:
    """The payment a row records, or why it cannot be recorded (the number is checked)."""
    problems: list[str] = []
    values = row.values
    amount = on = None
    try:
        amount = grant_service.whole_kroner(values["amount"])
    except ValueError as error:
        problems.append(str(error))
    try:
        on = register.parse_date(values["date"])
    except ValueError:
        problems.append(f"date {values['date']!r} is not a date: write YYYY-MM-DD or "
                        "dd.mm.yyyy")
    if on is not None:
        refusal = _date_refusal(round_, on, today)
        if refusal:
            problems.append(f"date {refusal}")
    if grant is not None and amount is not None:
        problems.extend(_grant_problems(grant, amount, on, round_))
    if problems or amount is None or on is None or grant is None:
        return None, problems
    return _Row(grant.municipality_number, amount, on), []


def _grant_problems(grant: Grant, amount: int, on: dt.date | None, round_: Round) -> list[str]:
    number = grant.municipality_number
    if grant.status == GrantStatus.OPTED_OUT:
        return [f"{number} declined its grant in {round_.key}: there is nothing to pay"]
    if grant.paid_on is not None and (grant.paid_amount, grant.paid_on) != (amount, on):
        return [f"{number} was paid {grant.paid_amount} kr on {grant.paid_on.isoformat()} "
                "already; a grant is paid once"]
    if amount != grant.amount:
        return [f"amount {amount} kr is not the grant to {number} ({grant.amount} kr): a "
                "grant is paid in full, in one payment"]
    return []


def _check_payment_rows(rows: list[tabular.Record], numbering: grant_service.Numbering,
                        by_number: dict[str, Grant], round_: Round,
                        today: dt.date) -> tuple[list[_Row], list[str]]:
    """Each row's payment, and every problem as ``line N: reason``."""
    found: list[_Row] = []
    errors: list[str] = []
    lines: dict[str, int] = {}
    for row in rows:
        number, problem = numbering.check(row.values["kommunenummer"])
        problems = [problem] if problem else []
        grant = by_number.get(number)
        if not problems and grant is None:
            problems.append(f"{number} {numbering.name(number)} has no grant in {round_.key}")
        if number in lines:
            problems.append(f"duplicate of line {lines[number]} (kommunenummer {number})")
        lines.setdefault(number, row.line)
        payment, more = _row_problems(row, None if problems else grant, round_, today)
        problems.extend(more)
        errors.extend(f"line {row.line}: {p}" for p in problems)
        if payment is not None and not problems:
            found.append(payment)
    return found, errors


def import_payments(round_: Round, data: str | bytes, filename: str, today: dt.date,
                    actor: str = SYSTEM) -> PaymentImport:
    """Record the payments listed in a file (``kommunenummer;amount;date``), all or nothing.

    A row may repeat a payment recorded before, to the krone and the day (so a file can
    be imported again); any other row for a paid grant is refused.
    """
    result = PaymentImport()
    numbering = grant_service.Numbering.for_year(round_.year)
    try:
        numbering.require()
        rows = tabular.read_records(data, filename, PAYMENT_COLUMNS)
    except grant_service.GrantError as error:
        result.errors.append(str(error))
        return result
    except tabular.TableError as error:
        result.errors.extend(error.problems)
        return result
    fresh = locked(Round, round_.id)
    by_number = {g.municipality_number: g for g in _fresh_grants(fresh)}
    found, result.errors = _check_payment_rows(rows, numbering, by_number, fresh, today)
    if result.errors:
        db.session.rollback()
        return result
    source = f" ({filename})"
    for payment in found:
        grant = by_number[payment.number]
        if grant.paid_on is not None:
            result.already_paid += 1
            continue
        _mark_paid(grant, payment.on, actor, source)
        result.paid.append(grant)
    if result.paid:
        audit.record("grants.payments", "round", fresh.key,
                     after={"file": filename, "grants": len(result.paid),
                            "total": result.total, "already_paid": result.already_paid})
    db.session.commit()
    return result


# ---- back: repayments on a claim ---------------------------------------------------------


def repaid_by_claim(claim_ids: Iterable[int]) -> dict[int, int]:
    """Claim id -> øre repaid on it so far (claims without payments are left out)."""
    ids = sorted(set(claim_ids))
    if not ids:
        return {}
    return {claim_id: int(total) for claim_id, total in db.session.execute(
        sa.select(ClaimPayment.claim_id, sa.func.sum(ClaimPayment.amount_ore))
        .where(ClaimPayment.claim_id.in_(ids)).group_by(ClaimPayment.claim_id))}


def payments_of(claim_ids: Iterable[int]) -> dict[int, list[ClaimPayment]]:
    """Claim id -> its payments, oldest first."""
    found: dict[int, list[ClaimPayment]] = {}
    ids = sorted(set(claim_ids))
    if not ids:
        return found
    for payment in db.session.scalars(sa.select(ClaimPayment).where(
            ClaimPayment.claim_id.in_(ids)).order_by(ClaimPayment.paid_on, ClaimPayment.id)):
        found.setdefault(payment.claim_id, []).append(payment)
    return found


def outstanding_ore(claim: Claim, repaid_ore: int) -> int:
    """What is still owed on a claim: nothing on a cancelled one."""
    if claim.status == ClaimStatus.CANCELLED:
        return 0
    return max(claim.amount_ore - repaid_ore, 0)


def _kr(ore: int) -> str:
    return format_amount(from_ore(ore))


def _check_repayment(amount_ore: int | None, paid_on: dt.date | None,
                     today: dt.date) -> tuple[int, dt.date]:
    if isinstance(amount_ore, bool) or not isinstance(amount_ore, int) or amount_ore <= 0:
        raise DecisionError(_l("The amount repaid must be more than 0 kr."))
    if paid_on is None:
        raise DecisionError(_l("Enter the day the payment was received."))
    if paid_on > today:
        raise DecisionError(_l("The payment date cannot be in the future: record a payment "
                               "once it has been received."))
    return amount_ore, paid_on


def _refuse(message: object) -> NoReturn:
    db.session.rollback()
    raise DecisionError(message)


def record_repayment(claim: Claim, amount_ore: int | None, paid_on: dt.date | None,
                     reviewer: User, today: dt.date | None = None) -> ClaimPayment:
    """Record money paid back on a claim: at most what is outstanding; the claim becomes
    paid when its payments reach its amount. Refused with the figures otherwise."""
    today = today or oslo_today()
    amount, day = _check_repayment(amount_ore, paid_on, today)
    locked(Grant, claim.grant_id)  # as every decision on the grant: one at a time
    fresh = db.session.get(Claim, claim.id, populate_existing=True)
    assert fresh is not None
    made_on = fresh.created_at.replace(tzinfo=dt.UTC).astimezone(OSLO).date()
    if fresh.status == ClaimStatus.CANCELLED:
        _refuse(_l("The claim is cancelled: nothing is owed on it."))
    if fresh.status == ClaimStatus.PAID:
        _refuse(_l("The claim is repaid in full already."))
    if fresh.stage != ClaimStage.DECIDED:  # before the decision, nothing is owed yet
        _refuse(_l("A repayment is recorded once the decision to claim it is approved."))
    if day < made_on:
        _refuse(_l("The payment date is before the claim was made (%(day)s).",
                   day=made_on.strftime("%d.%m.%Y")))
    repaid = repaid_by_claim([fresh.id]).get(fresh.id, 0)
    outstanding = outstanding_ore(fresh, repaid)
    if amount > outstanding:
        _refuse(_l("The claim is %(claimed)s and %(repaid)s of it is repaid, so %(outstanding)s "
                   "is outstanding: a payment of %(amount)s would be more than claimed.",
                   claimed=_kr(fresh.amount_ore), repaid=_kr(repaid),
                   outstanding=_kr(outstanding), amount=_kr(amount)))
    payment = ClaimPayment(claim_id=fresh.id, amount_ore=amount, paid_on=day,
                           recorded_by=reviewer.email)
    db.session.add(payment)
    before = {"status": fresh.status, "repaid_ore": repaid}
    if repaid + amount == fresh.amount_ore:
        fresh.status = ClaimStatus.PAID
    fresh.updated_at = payment.recorded_at = utcnow()
    audit.record("claim.payment", "claim", fresh.reference, actor=reviewer, before=before,
                 after={"amount_ore": amount, "paid_on": day.isoformat(),
                        "repaid_ore": repaid + amount,
                        "outstanding_ore": outstanding - amount, "status": fresh.status})
    db.session.commit()
    return payment
