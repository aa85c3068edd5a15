"""A repayment claim as forvaltningsloven wants it, through the web as two reviewers: the
case officer drafts and sends an advance notice, records the municipality's answer, drafts
the decision after the time to answer; a second reviewer with authority approves it. The
same person can never approve their own draft, and no step happens twice."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Claim, Flag, Grant, Mailbox, OutboxMail, User
from survey_app.rules.check_digits import KidMethod, account_problem, kid_problem
from survey_app.services import claim_process, decisions
from survey_app.services.decisions import DecisionError
from tests.conftest import AuthActions, csrf_token_in
from tests.factories import UserFactory
from tests.test_flags import AFTER_GRACE, report, setup_round

ROUND = "lavterskel-psykisk-helse/2022"
CASE = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/3405"
UNUSED = {"received": "100 000", "used_amount": "80 000",
          "unused_explanation": "Vakant stilling."}
OFFICER, APPROVER = "saksbehandler@helsedir.no", "direktor@helsedir.no"


def two_reviewers() -> None:
    """The case officer (a national reviewer) and a director who may approve decisions."""
    UserFactory(email=OFFICER, role="reviewer", name="Kari Saksbehandler")
    UserFactory(email=APPROVER, role="reviewer", name="Per Direktør", approves_decisions=True)


def signed_in(app, email: str):
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def post(client, url: str, data: dict[str, str] | None = None):
    """A form post with the CSRF token of the case page, as a browser sends it."""
    token = csrf_token_in(client.get(CASE).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def lillehammer_claim(app, users, runner):
    """3405 Lillehammer reports 20 000 kr unused; its post box is registered."""
    reporter = setup_round(app, users)
    report(reporter, "3405", UNUSED)
    assert runner.invoke(args=["flags", "compute", ROUND, "--today", AFTER_GRACE]).exit_code == 0
    with app.app_context():
        two_reviewers()
        db.session.add(Mailbox(number="3405", email="postmottak@lillehammer.kommune.no"))
        db.session.commit()
        return db.session.scalar(sa.select(Flag.id).where(Flag.rule_id == "unused-funds",
                                                          Flag.grant_id == Grant.id)
                                 .join(Grant).where(Grant.municipality_number == "3405"))


def claim_mails() -> list[OutboxMail]:
    return list(db.session.scalars(sa.select(OutboxMail).where(OutboxMail.kind.like("claim-%"))
                                   .order_by(OutboxMail.id)))


def claim_row() -> Claim:
    return db.session.scalar(sa.select(Claim).execution_options(populate_existing=True))


def time_passes(days: int = 22) -> None:
    """The municipality's time to answer runs out (the notice was sent `days` ago)."""
    claim = claim_row()
    claim.response_due = decisions.oslo_today() - dt.timedelta(days=days - 21)
    db.session.commit()


def flash_of(client) -> str:
    return client.get(CASE).get_data(as_text=True)


def test_the_whole_process_through_the_web_as_two_reviewers(app, users, runner):
    flag_id = lillehammer_claim(app, users, runner)
    officer, approver = signed_in(app, OFFICER), signed_in(app, APPROVER)

    answer = post(officer, f"{CASE}/krav", {"claim-flags": str(flag_id),
                                            "claim-amount": "20 000",
                                            "claim-reason": "Kommunen brukte ikke 20 000 kr."})
    assert answer.status_code == 303
    page = flash_of(officer)
    assert "Forhåndsvarselet er utarbeidet" in page
    assert "Forhåndsvarsel utarbeidet, ikke sendt" in page
    assert "Neste steg: les utkastet til forhåndsvarsel og send det til kommunen." in page
    with app.app_context():
        claim = claim_row()
        reference, claim_id = claim.reference, claim.id
        assert (claim.stage, claim.status, claim.due_date) == ("notice-draft", "claimed", None)
        assert claim_mails() == []  # not sent yet

    # The notice goes to the post box, with three weeks to answer; sending twice sends once.
    assert post(officer, f"/gjennomgang/krav/{reference}/varsel").status_code == 303
    assert "Forhåndsvarselet er sendt til postmottaket" in flash_of(officer)
    post(officer, f"/gjennomgang/krav/{reference}/varsel")
    assert "Forhåndsvarselet ble sendt" in flash_of(officer)
    with app.app_context():
        claim = claim_row()
        assert claim.stage == "notice-sent"
        assert claim.response_due == decisions.oslo_today() + dt.timedelta(days=21)
        mails = claim_mails()
        assert [(m.to, m.kind) for m in mails] == [
            ("postmottak@lillehammer.kommune.no", "claim-notice")]
        assert mails[0].subject == f"Forhåndsvarsel om krav om tilbakebetaling av tilskudd – " \
                                   f"{reference}"
        assert "Vi har gått gjennom rapporten deres" in mails[0].body
        assert claim.response_due.strftime("%d.%m.%Y") in mails[0].body

    # Before the time to answer has run out, no decision can be drafted.
    post(officer, f"/gjennomgang/krav/{reference}/vedtak",
         {f"decision{claim_id}-amount": "20 000", f"decision{claim_id}-reason": "Ubrukt."})
    assert "kan utarbeides fra" in flash_of(officer)
    with app.app_context():
        assert claim_row().stage == "notice-sent"

    # The municipality answers; the officer records it (a future date is refused).
    future = (decisions.oslo_today() + dt.timedelta(days=2)).strftime("%d.%m.%Y")
    post(officer, f"/gjennomgang/krav/{reference}/svar",
         {f"response{claim_id}-text": "Vi brukte 5 000 kr i januar.",
          f"response{claim_id}-received_on": future})
    assert "kan ikke være fram i tid" in flash_of(officer)
    today = decisions.oslo_today().strftime("%d.%m.%Y")
    post(officer, f"/gjennomgang/krav/{reference}/svar",
         {f"response{claim_id}-text": "Vi brukte 5 000 kr i januar.",
          f"response{claim_id}-received_on": today})
    with app.app_context():
        assert claim_row().response_text == "Vi brukte 5 000 kr i januar."
        time_passes()

    # The decision: less than notified is allowed, more is refused.
    post(officer, f"/gjennomgang/krav/{reference}/vedtak",
         {f"decision{claim_id}-amount": "25 000", f"decision{claim_id}-reason": "Ubrukt."})
    assert "kan ikke kreve mer enn varselet" in flash_of(officer)
    post(officer, f"/gjennomgang/krav/{reference}/vedtak",
         {f"decision{claim_id}-amount": "15 000",
          f"decision{claim_id}-reason": "Kommunen har dokumentert at 5 000 kr ble brukt i "
                                        "januar. Resten, 15 000 kr, er ikke brukt."})
    page = flash_of(officer)
    assert "Vedtak utarbeidet, venter på godkjenning" in page
    with app.app_context():
        claim = claim_row()
        assert (claim.stage, claim.amount_ore, claim.notice_amount_ore) == (
            "decision-draft", 1_500_000, 2_000_000)

    # The officer cannot approve the own draft: refused with the reason, nothing changes.
    post(officer, f"/gjennomgang/krav/{reference}/godkjenn")
    assert "Du har utarbeidet dette vedtaket" in flash_of(officer)
    with app.app_context():
        assert claim_row().stage == "decision-draft"
        assert len(claim_mails()) == 1

    # The second reviewer approves: decided, due date, account and KID set, mail queued.
    post(approver, f"/gjennomgang/krav/{reference}/godkjenn")
    assert "Vedtaket er godkjent og sendt til kommunen" in flash_of(approver)
    post(approver, f"/gjennomgang/krav/{reference}/godkjenn")  # twice: nothing more
    assert "Vedtaket ble godkjent" in flash_of(approver)
    with app.app_context():
        claim = claim_row()
        assert (claim.stage, claim.approved_by, claim.decision_drafted_by) == (
            "decided", APPROVER, OFFICER)
        assert claim.decided_on == decisions.oslo_today()
        assert claim.due_date == claim.decided_on + dt.timedelta(days=30)  # letters.yaml
        assert account_problem(claim.account_number) is None
        assert kid_problem(claim.kid, KidMethod.MOD10) is None  # the Directorate's method
        mails = claim_mails()
        assert [m.kind for m in mails] == ["claim-notice", "claim-decision"]
        assert claim.kid in mails[1].body and "15\xa0000\xa0kr" in mails[1].body
        assert "Per Direktør, godkjent av" in mails[1].body
        assert "Kari Saksbehandler, saksbehandler" in mails[1].body
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "claim").order_by(AuditEvent.id)))
        assert actions == ["claim.notice", "claim.response", "claim.decision-draft",
                           "claim.approve"]
    page = flash_of(approver)
    assert f"KID {claim.kid}" in page
    assert "Registrer en tilbakebetaling" in page or "Record a repayment" in page


def test_a_reviewer_without_authority_cannot_approve_and_nothing_changes(app, users, runner):
    flag_id = lillehammer_claim(app, users, runner)
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
        other = db.session.scalar(sa.select(User).where(User.email == users["reviewer_national"]))
        claim = decisions.claim([db.session.get(Flag, flag_id)], 2_000_000, "Ubrukt.", officer)
        claim_process.send_notice(claim, officer)
        time_passes()
        claim_process.draft_decision(claim, 2_000_000, "Ubrukt.", officer)
        with pytest.raises(DecisionError, match="authority to approve"):
            claim_process.approve_decision(claim, other)
        with pytest.raises(DecisionError, match="You drafted this decision"):
            claim_process.approve_decision(claim, officer)
        assert claim_row().stage == "decision-draft" and claim_row().kid is None
        # Another officer drafts it again: now the first officer, without authority, still
        # cannot approve, and the approver may.
        claim_process.draft_decision(claim, 1_000_000, "Delvis brukt.", other)
        approver = db.session.scalar(sa.select(User).where(User.email == APPROVER))
        decided = claim_process.approve_decision(claim, approver)
        assert (decided.stage, decided.amount_ore, decided.decision_drafted_by) == (
            "decided", 1_000_000, users["reviewer_national"])


def test_a_notice_without_a_post_box_is_refused_and_nothing_is_sent(app, users, runner):
    flag_id = lillehammer_claim(app, users, runner)
    with app.app_context():
        db.session.execute(sa.delete(Mailbox))
        db.session.commit()
        officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
        claim = decisions.claim([db.session.get(Flag, flag_id)], 2_000_000, "Ubrukt.", officer)
        with pytest.raises(DecisionError, match="no post box"):
            claim_process.send_notice(claim, officer)
        assert claim_row().stage == "notice-draft"
        assert claim_mails() == []


def test_the_response_is_recorded_once_and_not_before_the_notice(app, users, runner):
    flag_id = lillehammer_claim(app, users, runner)
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
        claim = decisions.claim([db.session.get(Flag, flag_id)], 2_000_000, "Ubrukt.", officer)
        with pytest.raises(DecisionError, match="not been sent"):
            claim_process.record_response(claim, "Svar", decisions.oslo_today(), officer)
        claim_process.send_notice(claim, officer)
        with pytest.raises(DecisionError, match="before the notice"):
            claim_process.record_response(claim, "Svar", dt.date(2020, 1, 1), officer)
        with pytest.raises(DecisionError, match="Write what"):
            claim_process.record_response(claim, "  ", decisions.oslo_today(), officer)
        claim_process.record_response(claim, "Svar", decisions.oslo_today(), officer)
        with pytest.raises(DecisionError, match="recorded already"):
            claim_process.record_response(claim, "Svar igjen", decisions.oslo_today(), officer)
        assert claim_row().response_text == "Svar"


def test_a_cancelled_claim_has_no_more_steps(app, users, runner):
    flag_id = lillehammer_claim(app, users, runner)
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
        claim = decisions.claim([db.session.get(Flag, flag_id)], 2_000_000, "Ubrukt.", officer)
        decisions.set_claim_status(claim, "cancelled", officer, "Feil grunnlag.")
        with pytest.raises(DecisionError, match="cancelled"):
            claim_process.send_notice(claim, officer)
        assert db.session.get(Flag, flag_id).status == "open"


def test_the_case_page_shows_the_stage_in_nynorsk_and_english(app, users, runner):
    flag_id = lillehammer_claim(app, users, runner)
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
        claim = decisions.claim([db.session.get(Flag, flag_id)], 2_000_000, "Ubrukt.", officer)
        claim_process.send_notice(claim, officer)
        db.session.execute(sa.update(User).where(User.email == OFFICER).values(language="nn"))
        db.session.execute(sa.update(User).where(User.email == APPROVER).values(language="en"))
        db.session.commit()
    nn = signed_in(app, OFFICER).get(CASE).get_data(as_text=True)
    en = signed_in(app, APPROVER).get(CASE).get_data(as_text=True)
    assert "Førehandsvarsel sendt" in nn and "Advance notice sent" in en
    assert re.search(r"Next: the municipality may answer until \d\d\.\d\d\.\d{4}", en)
