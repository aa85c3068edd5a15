"""The reviewer's decisions: claim (amount adjustable, reason required), waive (reason
required), return for correction, approve, and a claim's status; each on the record."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Claim,
    Flag,
    FlagEvent,
    Grant,
    Response,
    ReviewComment,
    User,
)
from survey_app.services import decisions, payments
from survey_app.services.decisions import DecisionError
from tests.conftest import AuthActions
from tests.test_flags import AFTER_GRACE, report, setup_round

ROUND = "lavterskel-psykisk-helse/2022"
CASE = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/3405"
UNUSED = {"received": "100 000", "used_amount": "80 000",
          "unused_explanation": "Vakant stilling."}


def reported_round(app, users, runner):
    """3405 reports 80 000 of 100 000 used (an open 20 000 kr flag); after the deadline
    3403 and 0301, who did not report, are flagged too. Returns the client of the
    coordinator who reports for them."""
    reporter = setup_round(app, users)
    report(reporter, "3405", UNUSED)
    assert runner.invoke(args=["flags", "compute", ROUND, "--today", AFTER_GRACE]).exit_code == 0
    return reporter


def reviewer_client(app, users, role: str = "reviewer_national"):
    client = app.test_client()
    AuthActions(client).login(users[role])
    return client


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def unused_flag() -> Flag:
    return db.session.scalar(sa.select(Flag).where(Flag.rule_id == "unused-funds"))


def state() -> tuple:
    """Everything a decision could change."""
    flags = db.session.execute(sa.select(Flag.id, Flag.status, Flag.decision_reason)
                               .order_by(Flag.id)).all()
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (FlagEvent, Claim, ReviewComment, AuditEvent)]
    responses = db.session.execute(sa.select(Response.id, Response.status)).all()
    grants = db.session.execute(sa.select(Grant.id, Grant.status).order_by(Grant.id)).all()
    return [tuple(f) for f in flags], counts, [tuple(r) for r in responses], \
        [tuple(g) for g in grants]


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_waiving_or_claiming_without_a_reason_is_refused_and_changes_nothing(
        app, users, runner, reason):
    reported_round(app, users, runner)
    with app.app_context():
        before = state()
        reviewer = user(users["reviewer_national"])
        with pytest.raises(DecisionError):
            decisions.waive(unused_flag(), reason, reviewer)
        with pytest.raises(DecisionError):
            decisions.claim([unused_flag()], 2_000_000, reason, reviewer)
        assert state() == before


def test_the_case_page_refuses_a_blank_reason_with_an_error_beside_the_field(
        app, users, runner):
    reported_round(app, users, runner)
    client = reviewer_client(app, users)
    with app.app_context():
        before, flag_id = state(), unused_flag().id
    answer = client.post(f"{CASE}/flagg/{flag_id}/frafall", data={f"waive{flag_id}-reason": " "})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'class="error-summary"' in page and f'href="#waive{flag_id}-reason"' in page
    assert f'aria-describedby="waive{flag_id}-reason-error"' in page
    answer = client.post(f"{CASE}/krav", data={"claim-flags": [str(flag_id)],
                                               "claim-amount": "20 000", "claim-reason": ""})
    assert answer.status_code == 400
    with app.app_context():
        assert state() == before


def test_a_claim_with_an_adjusted_amount_makes_a_claim_and_decides_the_flag(
        app, users, runner):
    reported_round(app, users, runner)
    client = reviewer_client(app, users)
    with app.app_context():
        flag_id = unused_flag().id
    page = client.get(CASE).get_data(as_text=True)
    assert 'value="20\xa0000"' in page  # prefilled with the proposed sum
    answer = client.post(f"{CASE}/krav", data={
        "claim-flags": [str(flag_id)], "claim-amount": "15 000,50",
        "claim-reason": "Deler av det ubrukte beløpet er dokumentert brukt i januar."})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(CASE)
    assert "Forhåndsvarselet er utarbeidet" in client.get(CASE).get_data(as_text=True)
    with app.app_context():
        claim = db.session.scalar(sa.select(Claim))
        assert (claim.reference, claim.amount_ore, claim.language, claim.status) == (
            "TB-2022-3405-1", 1_500_050, "nb", "claimed")
        # A draft advance notice: the due date comes with the approved decision
        # (test_claim_process.py follows the whole process).
        assert (claim.stage, claim.notice_amount_ore, claim.due_date) == (
            "notice-draft", 1_500_050, None)
        assert claim.flag_ids == [flag_id]
        flag = db.session.get(Flag, flag_id)
        assert (flag.status, flag.decided_by) == ("claimed", users["reviewer_national"])
        assert flag.decision_reason.startswith("Deler av")
        assert flag.events[-1].action == "claimed"
        assert flag.amount_ore == 2_000_000  # the rule's proposal stays as it was
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "flag.claim"))
        assert event.actor == users["reviewer_national"]
        assert event.after["amount_ore"] == 1_500_050


def test_a_claim_refuses_nothing_or_more_than_the_grant_and_a_decided_flag(
        app, users, runner):
    reported_round(app, users, runner)
    with app.app_context():
        reviewer = user(users["reviewer_national"])
        before = state()
        for amount in (0, -5, 10_000_001):  # the grant is 100 000 kr = 10 000 000 øre
            with pytest.raises(DecisionError):
                decisions.claim([unused_flag()], amount, "Grunn.", reviewer)
        assert state() == before
        decisions.waive(unused_flag(), "Dokumentert brukt.", reviewer)
        with pytest.raises(DecisionError):
            decisions.claim([unused_flag()], 100, "Grunn.", reviewer)


def test_return_for_correction_stores_comments_and_makes_the_report_editable(
        app, users, runner):
    reported_round(app, users, runner)
    client = reviewer_client(app, users, "reviewer_innlandet")
    page = client.get(CASE).get_data(as_text=True)
    assert '<optgroup label="Økonomi">' in page or "used_amount" in page
    answer = client.post(f"{CASE}/retur", data={
        "return-general": "Se over økonomidelen.",
        "return-question_1": "used_amount", "return-comment_1": "Stemmer dette med regnskapet?"})
    assert answer.status_code == 303
    with app.app_context():
        comments = db.session.scalars(sa.select(ReviewComment).order_by(ReviewComment.id)).all()
        assert [(c.question_id, c.text, c.submission_number) for c in comments] == [
            (None, "Se over økonomidelen.", 1), ("used_amount", "Stemmer dette med regnskapet?", 1)]
        assert db.session.scalar(sa.select(Response.status)) == "returned"
        assert "report.return" in audit_actions()
    coordinator = app.test_client()
    AuthActions(coordinator).login(users["coordinator"])
    page = coordinator.get("/rapporter/lavterskel-psykisk-helse/2022/3405/side/economy")
    assert page.status_code == 200
    assert "Stemmer dette med regnskapet?" in page.get_data(as_text=True)


def test_return_needs_a_comment_a_real_question_and_a_submitted_report(app, users, runner):
    reported_round(app, users, runner)
    with app.app_context():
        reviewer = user(users["reviewer_national"])
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        before = state()
        for comments in ({}, {None: "  "}, {"no_such_question": "Hva?"}):
            with pytest.raises(DecisionError):
                decisions.return_for_correction(grant, comments, reviewer)
        oslo = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "0301"))
        with pytest.raises(DecisionError):  # nothing submitted
            decisions.return_for_correction(oslo, {None: "Send inn."}, reviewer)
        assert state() == before
    client = reviewer_client(app, users)
    answer = client.post(f"{CASE}/retur", data={"return-comment_1": "Uten spørsmål"})
    assert answer.status_code == 400
    assert "Velg spørsmålet kommentaren gjelder" in answer.get_data(as_text=True)


def test_approve_only_when_no_flag_is_open(app, users, runner):
    reported_round(app, users, runner)
    client = reviewer_client(app, users)
    with app.app_context():
        before = state()
    answer = client.post(f"{CASE}/godkjenn")
    assert answer.status_code == 303
    with app.app_context():
        assert state() == before  # refused: the unused-funds flag is open
        decisions.waive(unused_flag(), "Midlene er brukt i januar.",
                        user(users["reviewer_national"]))
    client.post(f"{CASE}/godkjenn")
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        assert grant.status == "closed"
        assert grant.events[-1].reason == "approved"
        assert audit_actions()[-2:] == ["flag.waive", "report.approve"]


def test_a_claim_is_paid_or_cancelled_and_cancelling_needs_a_reason(app, users, runner):
    reported_round(app, users, runner)
    client = reviewer_client(app, users)
    with app.app_context():
        reviewer = user(users["reviewer_national"])
        first = decisions.claim([unused_flag()], 2_000_000, "Ubrukt.", reviewer).reference
        not_reported = db.session.scalar(sa.select(Flag).where(Flag.rule_id == "not-reported",
                                                               Flag.grant_id == Grant.id)
                                         .join(Grant).where(Grant.municipality_number == "3403"))
        second = decisions.claim([not_reported], 20_000_000, "Ikke rapportert.",
                                 reviewer).reference
        claim_id = db.session.scalar(sa.select(Claim.id).where(Claim.reference == first))
        db.session.get(Claim, claim_id).stage = "decided"  # money is owed from the decision
        db.session.commit()
        before = state()
    refused = client.post(f"/gjennomgang/krav/{first}/status",
                          data={f"claim{claim_id}-status": "cancelled",
                                f"claim{claim_id}-reason": ""})
    assert refused.status_code == 400
    with app.app_context():
        assert state() == before
        with pytest.raises(DecisionError):
            decisions.set_claim_status(db.session.get(Claim, claim_id), "claimed",
                                       user(users["reviewer_national"]))
    # Paid by recording the money received (services.payments), not by a status.
    paid = client.post(f"/gjennomgang/krav/{first}/betaling",
                       data={f"payment{claim_id}-amount": "20 000",
                             f"payment{claim_id}-paid_on": payments.oslo_today().isoformat()})
    assert paid.status_code == 303
    with app.app_context():
        reviewer = user(users["reviewer_national"])
        assert db.session.get(Claim, claim_id).status == "paid"
        cancelled = decisions.set_claim_status(
            db.session.scalar(sa.select(Claim).where(Claim.reference == second)),
            "cancelled", reviewer, "Rapporten kom i posten.")
        assert cancelled.status == "cancelled"
        assert db.session.get(Flag, cancelled.flag_ids[0]).status == "open"  # to decide anew
        with pytest.raises(DecisionError):  # paid is final
            decisions.set_claim_status(db.session.get(Claim, claim_id), "cancelled", reviewer,
                                       "For sent.")


def test_every_decision_writes_an_audit_event(app, users, runner):
    reported_round(app, users, runner)
    with app.app_context():
        reviewer = user(users["reviewer_national"])
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        decisions.return_for_correction(grant, {None: "Se over."}, reviewer)
        hamar = db.session.scalar(sa.select(Flag).join(Grant).where(
            Grant.municipality_number == "3403"))
        made = decisions.claim([hamar], 100_000, "Ikke rapportert.", reviewer)
        made.stage = "decided"  # the decision's steps are tested above; here the payment
        db.session.commit()
        payments.record_repayment(made, 100_000, payments.oslo_today(), reviewer)
        oslo = db.session.scalar(sa.select(Flag).join(Grant).where(
            Grant.municipality_number == "0301"))
        decisions.waive(oslo, "Rapporten kom på papir.", reviewer)
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        mine = [(e.action, e.actor) for e in events if e.actor == reviewer.email]
    assert [action for action, _ in mine] == [
        "report.return", "flag.claim", "claim.payment", "flag.waive"]
