"""Flags: the repayment rules applied to each grant's latest report, kept idempotent.

One flag per grant and rule (a unique constraint). Re-evaluating creates nothing new:
an open flag follows the answers (and its history says why it changed), a flag whose
rule no longer holds is resolved, and a decided flag is never changed — a disagreement
is noted beside it for the reviewer. Each grant is evaluated in its own transaction
with the grant row locked, so the deadline job may run from cron on several servers at
once, and a submit evaluating the same grant waits for it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from forms.answers import answers_from_json
from forms.builder import for_expression, render_text
from forms.rules import RECLAIMS, RuleSet
from survey_app import audit
from survey_app.extensions import db
from survey_app.models import (
    Claim,
    ClaimStatus,
    Flag,
    FlagEvent,
    FlagStatus,
    Grant,
    GrantStatus,
    Municipality,
    Position,
    Response,
    Round,
    Submission,
)
from survey_app.models.users import utcnow
from survey_app.questionnaires import rules_for
from survey_app.rules.repayment import UNDECLARED, Part, Proposal, Verdict, evaluate, proposal
from survey_app.services import responses, tracking
from survey_app.services.locking import locked
from survey_app.services.rounds import grant_context

SYSTEM = "system"
log = logging.getLogger(__name__)
DECIDED = (FlagStatus.CLAIMED, FlagStatus.WAIVED)


@dataclass
class FlagSummary:
    raised: int = 0
    updated: int = 0
    resolved: int = 0
    noted: int = 0  # decided flags whose rule now says something else (not applied)
    unchanged: int = 0

    def add(self, other: FlagSummary) -> None:
        for name in ("raised", "updated", "resolved", "noted", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def line(self) -> str:
        return (f"{self.raised} raised, {self.updated} updated, {self.resolved} resolved, "
                f"{self.noted} noted on decided flags, {self.unchanged} unchanged")


# ---- the facts a rule reads -------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    values: dict[str, object]
    submission: Submission | None


def _latest_submission(grant: Grant) -> tuple[Submission | None, bool]:
    response = db.session.scalar(sa.select(Response).where(Response.grant_id == grant.id))
    if response is None or not response.submissions:
        return None, False
    return response.latest_submission, response.submissions[0].late


def _facts(grant: Grant, municipality: Municipality | None, submission: Submission | None,
           late: bool, position_percent: Decimal) -> Facts:
    values: dict[str, object] = {}
    if submission is not None:
        questionnaire = responses.questionnaire_version(submission.questionnaire_id,
                                                        submission.questionnaire_version)
        answers = answers_from_json(questionnaire, submission.answers)
        values.update({key: for_expression(value) for key, value in answers.items()})
    values.update(grant_context(grant, municipality))
    values.update({"report.submitted": submission is not None, "report.late": late,
                   "grant.position_percent": position_percent})
    return Facts(values, submission)


def facts_of(grant: Grant) -> Facts:
    """Answers of the latest submission (in its own questionnaire version), the
    municipality's figures and the report's state."""
    submission, late = _latest_submission(grant)
    percent = Decimal(sum(p.percent for p in grant.positions))
    return _facts(grant, responses.municipality_of(grant), submission, late, percent)


def round_facts(round_: Round) -> dict[int, Facts]:
    """`facts_of` for every grant of the round, in four queries instead of four per grant."""
    in_round = Grant.round_id == round_.id
    latest: dict[int, Submission] = {}
    first_late: dict[int, bool] = {}
    for grant_id, submission in db.session.execute(
            sa.select(Response.grant_id, Submission).join(Response).join(Grant)
            .where(in_round).order_by(Submission.number)):
        latest[grant_id] = submission
        first_late.setdefault(grant_id, submission.late)
    percents = dict(db.session.execute(
        sa.select(Position.grant_id, sa.func.sum(Position.percent)).join(Grant)
        .where(in_round).group_by(Position.grant_id)).all())
    places = {m.number: m for m in tracking.round_municipalities(round_)}
    return {grant.id: _facts(grant, places.get(grant.municipality_number),
                             latest.get(grant.id), first_late.get(grant.id, False),
                             Decimal(percents.get(grant.id) or 0))
            for grant in db.session.scalars(sa.select(Grant).where(in_round))}


def phases(round_: Round, today: dt.date) -> set[str]:
    """`on_submit` rules always; `after_deadline` ones once the grace period is over."""
    return {"on_submit", "after_deadline"} if today > round_.grace_ends else {"on_submit"}


# ---- explanations --------------------------------------------------------------------------


def explanation(verdict: Verdict, grant: Grant, facts: Facts) -> dict[str, Any]:
    rule = verdict.rule
    context = {k: v for k, v in facts.values.items() if "." in k}
    submission = facts.submission
    return {
        "rule": rule.id, "title": rule.title, "severity": rule.severity,
        "reclaims": rule.reclaims,  # the part of the grant the amount is
        "condition": rule.condition.source, "amount_expression": rule.amount.source,
        "figures": verdict.figures, "amount_ore": verdict.amount_ore,
        "amount_computed": verdict.computed,
        "text": {lang: render_text(rule.explanation, lang, context) for lang in ("nb", "nn")},
        "questionnaire": ({"id": submission.questionnaire_id,
                           "version": submission.questionnaire_version}
                          if submission else None),
        "submission": submission.reference if submission else None,
        "grant": {"amount": grant.amount, "municipality": grant.municipality_number},
    }


def _same(flag: Flag, verdict: Verdict) -> bool:
    return flag.amount_ore == verdict.amount_ore and \
        flag.explanation.get("figures") == verdict.figures


# ---- applying a verdict ------------------------------------------------------------------------


def _event(flag: Flag, action: str, actor: str, reason: str, before: dict[str, Any] | None,
           after: dict[str, Any] | None) -> None:
    flag.events.append(FlagEvent(actor=actor, action=action, reason=reason, before=before,
                                 after=after))
    flag.updated_at = utcnow()


def _state(flag: Flag) -> dict[str, Any]:
    return {"status": flag.status, "amount_ore": flag.amount_ore,
            "figures": flag.explanation.get("figures")}


def _raise(grant: Grant, verdict: Verdict, facts: Facts, actor: str) -> Flag:
    flag = Flag(grant_id=grant.id, rule_id=verdict.rule.id, severity=verdict.rule.severity,
                status=FlagStatus.OPEN, amount_ore=verdict.amount_ore,
                explanation=explanation(verdict, grant, facts))
    db.session.add(flag)
    _event(flag, "raised", actor, _why(facts), None, _state(flag))
    return flag


def _why(facts: Facts) -> str:
    if facts.submission is None:
        return "no report submitted"
    return f"answers of submission {facts.submission.reference}"


def _apply_holding(flag: Flag, verdict: Verdict, grant: Grant, facts: Facts,
                   actor: str) -> str:
    if flag.status in DECIDED:
        return _note(flag, verdict, actor, facts)
    if flag.status == FlagStatus.OPEN and _same(flag, verdict):
        return "unchanged"
    before = _state(flag)
    action = "reopened" if flag.status == FlagStatus.RESOLVED else "updated"
    flag.status, flag.amount_ore = FlagStatus.OPEN, verdict.amount_ore
    flag.explanation = explanation(verdict, grant, facts)
    _event(flag, action, actor, _why(facts), before, _state(flag))
    return action.replace("reopened", "raised")


def _note(flag: Flag, verdict: Verdict | None, actor: str, facts: Facts) -> str:
    """A decided flag stays as decided; what the rule says now is recorded beside it."""
    now = {"holds": verdict is not None,
           "amount_ore": verdict.amount_ore if verdict else 0,
           "figures": verdict.figures if verdict else None}
    unchanged_since_decision = verdict is not None and _same(flag, verdict)
    if unchanged_since_decision or flag.pending_change == now:
        return "unchanged"
    flag.pending_change = now
    _event(flag, "noted", actor, _why(facts) + " (not applied: the flag is decided)",
           _state(flag), now)
    return "noted"


def _apply(flag: Flag | None, verdict: Verdict, grant: Grant, facts: Facts,
           actor: str) -> str:
    if verdict.holds:
        if flag is None:
            _raise(grant, verdict, facts, actor)
            return "raised"
        return _apply_holding(flag, verdict, grant, facts, actor)
    if flag is None:
        return ""  # nothing to flag, nothing flagged
    if flag.status == FlagStatus.RESOLVED:
        return "unchanged"
    if flag.status in DECIDED:
        return _note(flag, None, actor, facts)
    before = _state(flag)
    flag.status = FlagStatus.RESOLVED
    _event(flag, "resolved", actor, "the rule no longer holds: " + _why(facts), before,
           _state(flag))
    return "resolved"


def _outcome(summary: FlagSummary, outcome: str) -> None:
    if outcome:
        setattr(summary, outcome, getattr(summary, outcome) + 1)


# ---- evaluating ----------------------------------------------------------------------------


def evaluate_grant(grant_id: int, today: dt.date, actor: str = SYSTEM) -> FlagSummary:
    """Every due rule on one grant, in one transaction (committed)."""
    grant = locked(Grant, grant_id)
    summary = FlagSummary()
    rule_set = rules_for(grant.round.scheme.questionnaire_id)
    if rule_set is None or grant.status == GrantStatus.OPTED_OUT:
        db.session.rollback()
        return summary
    facts = facts_of(grant)
    existing = {f.rule_id: f for f in db.session.scalars(
        sa.select(Flag).where(Flag.grant_id == grant.id))}
    for verdict in evaluate(rule_set, facts.values, phases(grant.round, today)):
        _outcome(summary, _apply(existing.get(verdict.rule.id), verdict, grant, facts, actor))
    if actor == "submit" and (summary.raised or summary.updated or summary.resolved):
        # The deadline job records its run per round; a submit's own run per grant.
        audit.record("flags.evaluate-on-submit", "grant", grant.id,
                     after={"raised": summary.raised, "updated": summary.updated,
                            "resolved": summary.resolved})
    db.session.commit()
    return summary


@dataclass(frozen=True)
class Judgement:
    """What the rules need to judge one grant, taken while its objects are at hand."""

    grant_id: int
    rule_set: RuleSet
    facts: dict[str, object]
    due: set[str]


def judgement_on_submit(grant: Grant, municipality: Municipality | None,
                        submission: Submission, today: dt.date) -> Judgement | None:
    """The facts of a submission about to be stored, for `would_change` once it is (None:
    no rules for the scheme). Taken inside the submit's transaction from what the submit
    holds in memory — one read, the grant's positions —, so that SQLite's write lock is
    held for no more than that; the flags are read after the commit."""
    rule_set = rules_for(grant.round.scheme.questionnaire_id)
    if rule_set is None or grant.status == GrantStatus.OPTED_OUT:
        return None
    percent = Decimal(sum(p.percent for p in grant.positions))
    first_late = submission.response.submissions[0].late
    facts = _facts(grant, municipality, submission, first_late, percent)
    return Judgement(grant.id, rule_set, facts.values, phases(grant.round, today))


def would_change(judgement: Judgement) -> bool:
    """Whether the rules would change a flag of the grant (one read: its flags). The usual
    submit — nothing to flag — thus leaves no work behind it: reading the grant, its report
    and municipality again after the response was a quarter of a submit's CPU. Like the
    deadline job's first pass this takes no lock; `evaluate_after_submit` locks the grant
    and judges again on its latest state."""
    existing = {f.rule_id: f for f in db.session.scalars(
        sa.select(Flag).where(Flag.grant_id == judgement.grant_id))}
    return not all(_settled(existing.get(v.rule.id), v)
                   for v in evaluate(judgement.rule_set, judgement.facts, judgement.due))


def evaluate_after_submit(grant_id: int) -> None:
    """The rules on a fresh submission whose flags would change (`would_change`).
    The submission is stored already: a failure here is logged and left to the deadline
    job, never shown to the municipality as an error. Run after the receipt has gone to
    the browser (report.views.send)."""
    try:
        evaluate_grant(grant_id, dt.date.today(), actor="submit")
    except Exception:
        db.session.rollback()
        log.exception("flags for grant %s not evaluated after submit", grant_id)


def _settled(flag: Flag | None, verdict: Verdict) -> bool:
    """Whether applying the verdict would leave the flag as it is (see `_apply`)."""
    if flag is None:
        return not verdict.holds
    if flag.status in DECIDED:
        now = {"holds": verdict.holds, "amount_ore": verdict.amount_ore if verdict.holds else 0,
               "figures": verdict.figures if verdict.holds else None}
        return (verdict.holds and _same(flag, verdict)) or flag.pending_change == now
    if flag.status == FlagStatus.RESOLVED:
        return not verdict.holds
    return verdict.holds and _same(flag, verdict)


def compute_round(round_: Round, today: dt.date, actor: str = SYSTEM) -> FlagSummary:
    """The deadline job: every grant of the round; safe to repeat and to run in parallel.

    All grants are judged in memory first; only a grant whose flags would change is then
    locked and evaluated again on its latest state, so a repeat run writes nothing.
    """
    summary = FlagSummary()
    rule_set = rules_for(round_.scheme.questionnaire_id)
    if rule_set is None:
        return summary
    due = phases(round_, today)
    existing: dict[tuple[int, str], Flag] = {
        (f.grant_id, f.rule_id): f for f in db.session.scalars(
            sa.select(Flag).join(Grant).where(Grant.round_id == round_.id))}
    statuses = dict(db.session.execute(sa.select(Grant.id, Grant.status)
                                       .where(Grant.round_id == round_.id)).all())
    changing = []
    for grant_id, facts in sorted(round_facts(round_).items()):
        verdicts = evaluate(rule_set, facts.values, due)
        if statuses[grant_id] == GrantStatus.OPTED_OUT or all(
                _settled(existing.get((grant_id, v.rule.id)), v) for v in verdicts):
            summary.unchanged += sum(1 for v in verdicts if (grant_id, v.rule.id) in existing)
            continue
        changing.append(grant_id)
    for grant_id in changing:
        summary.add(evaluate_grant(grant_id, today, actor))
    audit.record("flags.compute", "round", round_.key,
                 after={"today": today.isoformat(), "raised": summary.raised,
                        "updated": summary.updated, "resolved": summary.resolved,
                        "noted": summary.noted})
    db.session.commit()
    return summary


def flags_of(round_: Round) -> list[tuple[str, Flag]]:
    """(kommunenummer, flag) for every flag of the round, by number and rule."""
    return [(number, flag) for number, flag in db.session.execute(
        sa.select(Grant.municipality_number, Flag).join(Grant, Grant.id == Flag.grant_id)
        .where(Grant.round_id == round_.id)
        .order_by(Grant.municipality_number, Flag.rule_id)).all()]


def whole_kroner(ore: int) -> int:
    """Øre to whole kroner, rounded half up (for lists; the flag keeps its øre)."""
    return (ore + 50) // 100


# ---- proposals: the money at stake on a grant, each krone once --------------------------------

STANDING = (FlagStatus.OPEN, FlagStatus.CLAIMED)  # flags that still propose money back


def part_of(flag: Flag, rule_set: RuleSet | None) -> Part:
    """The part of the grant a flag reclaims: as recorded when it was raised or last
    updated; for a flag recorded before rules declared parts, its rule's part now."""
    reclaims = flag.explanation.get("reclaims")
    if reclaims not in RECLAIMS:
        rule = next((r for r in rule_set.rules if r.id == flag.rule_id),
                    None) if rule_set else None
        reclaims = rule.reclaims if rule is not None else UNDECLARED
    return Part(flag.rule_id, str(reclaims), flag.amount_ore)


def proposal_of(flags: Iterable[Flag], grant_amount: int, rule_set: RuleSet | None) -> Proposal:
    """One grant's proposal from its flags (those standing: open or claimed) and its
    amount in kroner. The claim form, the flags list, the case page and the economy
    export all come here, so they show the same figure."""
    parts = [part_of(f, rule_set) for f in flags if f.status in STANDING]
    return proposal(parts, grant_amount * 100)


def round_proposals(round_: Round) -> dict[int, Proposal]:
    """Grant id -> proposal for every grant of the round with a standing flag (one query)."""
    rule_set = rules_for(round_.scheme.questionnaire_id)
    found: dict[int, tuple[int, list[Flag]]] = {}
    for amount, flag in db.session.execute(
            sa.select(Grant.amount, Flag).join(Grant, Grant.id == Flag.grant_id)
            .where(Grant.round_id == round_.id, Flag.status.in_(STANDING))
            .order_by(Flag.grant_id, Flag.rule_id)).all():
        found.setdefault(flag.grant_id, (amount, []))[1].append(flag)
    return {grant_id: proposal_of(flags, amount, rule_set)
            for grant_id, (amount, flags) in found.items()}


def claimed_ore(claims: Iterable[Claim]) -> int:
    """What a grant's claims cover: every claim that is not cancelled."""
    return sum(c.amount_ore for c in claims if c.status != ClaimStatus.CANCELLED)
