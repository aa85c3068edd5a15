"""The office decides each application within its frame (issue 16, item 3): the
Directorate's frames, the proposal by one reviewer of the office and the approval by a
second, the frame and the transitional cap checked with the figures, and the grant of the
applied-for year made with its positions. Every step refused on bad input changes nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    Application,
    ApplicationDecision,
    AuditEvent,
    Frame,
    Grant,
    GrantEvent,
    Round,
    Scheme,
)
from survey_app.services import application_decisions as decisions
from survey_app.services import grants, rounds
from survey_app.services.decisions import DecisionError
from tests.conftest import at_once, csrf_token_in, sign_in_with_csrf
from tests.factories import UserFactory

OVERGANG, NY = "kommunalt-rusarbeid-overgang", "kommunalt-rusarbeid-ny"
A, B, C = "a@sfin.no", "b@sfin.no", "c@sfin.no"  # Innlandet: proposer, approver, no authority
VESTLAND, DIRECTORATE = "rev@sfvl.no", "rev@helsedir.no"
FRAMES = "/gjennomgang/rammer/765.62/2023"
LIST = "/gjennomgang/soknader/765.62/2023"
# Seed 004: "2023 – 2024 → 330 000 pr. stilling", pro rata: 100 % and 50 %, first funded 2021.
POSITIONS = [{"title": "Rådgiver rus", "percent": 100, "funded_from_year": 2021},
             {"title": "Miljøterapeut", "percent": 50, "funded_from_year": 2021}]


def make_application(number: str = "3405", office: str = "innlandet", slug: str = OVERGANG,
                     year: int = 2023, positions: list | None = None,
                     applied: int | None = 495_000) -> Application:
    """A submitted application, as the report's application pages make one (H3's part)."""
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.slug == slug))
    application = Application(
        scheme_id=scheme.id, year=year, municipality_number=number, office=office,
        questionnaire_id=slug, questionnaire_version=1, answers={},
        positions=POSITIONS if positions is None else positions, applied_amount=applied,
        status="submitted", submitted_at=dt.datetime(2023, 2, 1, 10), submitted_by="k@x.no")
    db.session.add(application)
    db.session.commit()
    db.session.refresh(application)  # loaded, so its id reads after the app context
    return application


def open_round(slug: str = OVERGANG, year: int = 2023) -> Round:
    return grants.open_round(f"{slug}/{year}", rounds.RoundDates(
        opens_on=dt.date(year + 1, 1, 9), deadline=dt.date(year + 1, 2, 1)))


@pytest.fixture
def cast(app, users):
    """Three Innlandet reviewers (A proposes, B approves with authority, C has none), a
    Vestland reviewer, the schemes, and the 2023 round of the transitional scheme."""
    with app.app_context():
        UserFactory(email=A, role="reviewer", office="innlandet")
        UserFactory(email=B, role="reviewer", office="innlandet", approves_decisions=True)
        UserFactory(email=C, role="reviewer", office="innlandet")
        UserFactory(email=VESTLAND, role="reviewer", office="vestland", approves_decisions=True)
        rounds.sync_schemes()
        db.session.commit()
        open_round()
    return users


def set_frame(app, amount: int, cap: int | None = None, office: str = "innlandet") -> None:
    with app.app_context():
        decisions.set_frame("765.62", 2023, office, amount, cap, None, actor_email="test")


def login(client, auth, email):
    """Signed in, in English: the pages' new messages are asserted by their msgid, which
    stays as it is when the bokmål catalogue gets their translations."""
    auth.login(email)
    client.post("/sprak/en", data={"next": "/"})
    return client


def as_user(client, auth, email):
    auth.logout()
    return login(client, auth, email)


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def decision_rows(app) -> list[tuple[str, str, int]]:
    with app.app_context():
        return [(d.outcome, d.state, d.amount) for d in db.session.scalars(
            sa.select(ApplicationDecision).order_by(ApplicationDecision.id))]


def page_text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ")


def propose(client, application_id: int, outcome: str, amount: str = "", reason: str = ""):
    return client.post(f"/gjennomgang/soknader/sak/{application_id}/forslag", data={
        "propose-outcome": outcome, "propose-amount": amount, "propose-reason": reason},
        follow_redirects=True)


def current_id(app, application_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(ApplicationDecision.id).where(
            ApplicationDecision.application_id == application_id,
            ApplicationDecision.state == "proposed"))


def approve(client, app, application_id: int, decision_id: int | None = None):
    decision_id = decision_id or current_id(app, application_id)
    return client.post(f"/gjennomgang/soknader/sak/{application_id}/godkjenn",
                       data={"proposal-decision": str(decision_id)}, follow_redirects=True)


# ---- pure rules ----------------------------------------------------------------------------


def test_the_frame_refusal_gives_the_figures():
    usage = decisions.Usage(approved=24_000_000, proposed=800_000, transitional=0)
    refusal = decisions.frame_refusal(25_000_000, None, usage, 495_000, transitional=True)
    assert str(refusal).replace("\u00a0", " ") == (
        "The frame is 25 000 000 kr; decided and proposed 24 800 000 kr; this decision of "
        "495 000 kr would make 25 295 000 kr.")
    assert decisions.frame_refusal(25_000_000, None, usage, 200_000, True) is None
    capped = decisions.frame_refusal(25_000_000, 500_000, decisions.Usage(0, 100_000, 100_000),
                                     495_000, transitional=True)
    assert "595 000" in str(capped).replace("\u00a0", " ")
    # The cap limits only the transitional scheme's decisions.
    assert decisions.frame_refusal(25_000_000, 500_000, decisions.Usage(0, 100_000, 100_000),
                                   495_000, transitional=False) is None


def test_a_proposal_needs_its_reason_and_a_reduction_a_lower_amount(app):
    with app.test_request_context():
        check = decisions.check_proposal
        assert check("approved", None, "", 495_000).amount == 495_000
        for outcome, amount, reason in (("rejected", None, "  "), ("reduced", 400_000, ""),
                                        ("reduced", 495_000, "Mindre"),
                                        ("reduced", 600_000, "Mer"), ("reduced", 0, "Null"),
                                        ("reduced", -1, "Negativ"), ("reduced", None, "Tom"),
                                        ("granted", None, "x"), (None, None, "x"),
                                        ("rejected", None, "a\x00b"),
                                        ("rejected", None, "x" * 4001)):
            with pytest.raises(DecisionError):
                check(outcome, amount, reason, 495_000)
        assert check("reduced", 400_000, " Mindre ", 495_000) == decisions.Proposal(
            "reduced", 400_000, "Mindre")
        assert decisions.track_year(2023, 2021) == 3
        assert decisions.track_year(2023, None) == 1


def test_the_transitional_scheme_is_configured_in_the_schemes_file(app):
    with app.test_request_context():
        assert decisions.transitional_slugs() == {OVERGANG}


# ---- frames ----------------------------------------------------------------------------------


def test_the_directorate_sets_each_offices_frame_on_a_page_of_the_ten_offices(
        app, client, auth, cast):
    login(client, auth, DIRECTORATE)
    page = client.get(FRAMES)
    assert page.status_code == 200
    text = page_text(page)
    for name in ("Statsforvalteren i Agder", "Statsforvalteren i Innlandet",
                 "Statsforvalteren i Oslo og Viken", "Statsforvalteren i Vestland"):
        assert name in text
    answer = client.post(FRAMES, data={"frame-office": "innlandet",
                                       "frame-amount": "25 000 000",
                                       "frame-transitional_cap": "kr 5 000 000"},
                         follow_redirects=True)
    assert answer.status_code == 200
    assert "25 000 000 kr" in page_text(answer) and "5 000 000 kr" in page_text(answer)
    with app.app_context():
        frame = db.session.scalar(sa.select(Frame))
        assert (frame.chapter_post, frame.year, frame.office, frame.amount,
                frame.transitional_cap, frame.set_by) == (
            "765.62", 2023, "innlandet", 25_000_000, 5_000_000, DIRECTORATE)
    [event] = events(app, "frame.set")
    assert (event.actor, event.object_id, event.before, event.after) == (
        DIRECTORATE, "765.62/2023/innlandet", None,
        {"amount": 25_000_000, "transitional_cap": 5_000_000})
    # The same again changes nothing and logs nothing.
    client.post(FRAMES, data={"frame-office": "innlandet", "frame-amount": "25000000",
                              "frame-transitional_cap": "5000000"})
    assert len(events(app, "frame.set")) == 1


@pytest.mark.parametrize(("amount", "cap"), [
    ("-5", ""), ("٢٥٠٠٠٠٠٠", ""), ("25 000 000,50", ""), ("", ""), ("1e9", ""),
    ("25 000 000", "30 000 000"), ("99999999999999999999", "")])
def test_a_bad_frame_is_refused_and_nothing_is_stored(app, client, auth, cast, amount, cap):
    login(client, auth, DIRECTORATE)
    answer = client.post(FRAMES, data={"frame-office": "innlandet", "frame-amount": amount,
                                       "frame-transitional_cap": cap}, follow_redirects=True)
    assert answer.status_code in (200, 400)
    text = page_text(answer)
    assert "alert" in text or "error-summary" in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Frame.id))) == 0
    assert events(app, "frame.set") == []


def test_an_unknown_office_is_refused(app, client, auth, cast):
    login(client, auth, DIRECTORATE)
    answer = client.post(FRAMES, data={"frame-office": "narnia", "frame-amount": "1000"})
    assert answer.status_code == 400 and "error-summary" in page_text(answer)
    with app.app_context():
        with pytest.raises(DecisionError, match="There is no office narnia"):
            decisions.set_frame("765.62", 2023, "narnia", 1000, None, None)
        assert db.session.scalar(sa.select(sa.func.count(Frame.id))) == 0


def test_an_office_reviewer_cannot_set_a_frame(app, client, auth, cast):
    login(client, auth, A)
    assert client.get(FRAMES).status_code == 200  # reads its own office's line
    assert "Statsforvalteren i Vestland" not in page_text(client.get(FRAMES))
    assert client.post(FRAMES, data={"frame-office": "innlandet",
                                     "frame-amount": "1"}).status_code == 404
    [denied] = events(app, "access.denied")
    assert denied.actor == A
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Frame.id))) == 0


def test_a_frame_cannot_go_below_what_the_office_has_decided(app, client, auth, cast):
    set_frame(app, 1_000_000)
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    propose(client, application.id, "approved")
    with app.app_context(), pytest.raises(DecisionError) as refused:
        decisions.set_frame("765.62", 2023, "innlandet", 400_000, None, None)
    assert "495 000" in str(refused.value).replace("\u00a0", " ")


def test_the_cli_sets_and_lists_frames(app, runner, cast):
    result = runner.invoke(args=["applications", "frame", "765.62/2023", "innlandet",
                                 "25000000", "--transitional-cap", "5 000 000"])
    assert result.exit_code == 0, result.output
    assert "765.62/2023 innlandet: frame 25" in result.output
    listed = runner.invoke(args=["applications", "frames", "765.62/2023"])
    assert "innlandet;25000000;5000000;0;0" in listed.output
    assert "vestland;;;0;0" in listed.output
    refused = runner.invoke(args=["applications", "frame", "765.62/2023", "innlandet", "100",
                                  "--transitional-cap", "200"])
    assert refused.exit_code == 1 and "cannot be more than the frame" in refused.output
    bad = runner.invoke(args=["applications", "frame", "765.62/2023", "innlandet", "-1"])
    assert bad.exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(Frame.amount)) == 25_000_000


# ---- the acceptance story ----------------------------------------------------------------------


def test_innlandet_proposes_a_second_reviewer_approves_and_the_2023_round_has_the_grant(
        app, client, auth, cast):
    set_frame(app, 25_000_000)
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    listing = page_text(client.get(LIST))
    assert "3405 Lillehammer" in listing
    assert "Rådgiver rus 100 %" in listing and "Miljøterapeut 50 %" in listing
    assert "495 000 kr" in listing and "25 000 000 kr" in listing
    page = page_text(client.get(f"/gjennomgang/soknader/sak/{application.id}"))
    assert "330 000 kr" in page and "165 000 kr" in page and "495 000 kr" in page

    proposed = propose(client, application.id, "approved")
    assert "The decision is proposed" in page_text(proposed)
    assert decision_rows(app) == [("approved", "proposed", 495_000)]
    # The one who proposed cannot approve it.
    own = approve(client, app, application.id)
    assert "You proposed this decision, so you cannot approve it" in page_text(own)
    # Neither can a reviewer of the office without the authority.
    as_user(client, auth, C)
    assert "do not have the authority" in page_text(approve(client, app, application.id))
    assert decision_rows(app) == [("approved", "proposed", 495_000)]

    as_user(client, auth, B)
    approved = page_text(approve(client, app, application.id))
    assert "the grant of 495 000 kr is made in kommunalt-rusarbeid-overgang/2023" in approved
    assert "No decision letter text is configured for this scheme" in approved
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).join(Round).join(Scheme).where(
            Scheme.slug == OVERGANG, Round.year == 2023))
        assert (grant.municipality_number, grant.amount) == ("3405", 495_000)
        assert [(p.title, p.percent, p.track_year, p.amount) for p in grant.positions] == [
            ("Rådgiver rus", 100, 3, 330_000), ("Miljøterapeut", 50, 3, 165_000)]
        assert [e.reason for e in grant.events] == ["application decision"]
        assert [e.actor for e in grant.events] == [B]
        decision = db.session.scalar(sa.select(ApplicationDecision))
        assert (decision.state, decision.proposed_by, decision.approved_by,
                decision.grant_id) == ("approved", A, B, grant.id)
    [proposal] = events(app, "application.propose")
    assert (proposal.actor, proposal.object_id) == (A, f"{OVERGANG}/2023/3405")
    assert proposal.after["amount"] == 495_000
    [approval] = events(app, "application.approve")
    assert approval.actor == B and approval.after["grant_id"] is not None

    # A second click on approve changes nothing: refused with what was done.
    again = page_text(approve(client, app, application.id, decision.id))
    assert "the decision cannot change" in again
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Grant.id)).join(Round).where(
            Round.year == 2023)) == 1
    assert len(events(app, "application.approve")) == 1
    # The frame page counts it as decided.
    as_user(client, auth, DIRECTORATE)
    assert "495 000 kr" in page_text(client.get(FRAMES))


def test_a_reduction_needs_a_reason_and_becomes_a_lower_grant(app, client, auth, cast):
    set_frame(app, 25_000_000)
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    for amount, reason in (("400 000", ""), ("500 000", "For mye"), ("495 000", "Lik"),
                           ("-1", "Negativ"), ("٤٠٠٠٠٠", "Arabisk"), ("0", "Null")):
        answer = propose(client, application.id, "reduced", amount, reason)
        assert answer.status_code in (200, 400), amount
        assert "alert" in page_text(answer) or "error-summary" in page_text(answer)
    assert decision_rows(app) == []
    propose(client, application.id, "reduced", "400 000", "Den ene stillingen er ikke besatt.")
    as_user(client, auth, B)
    approve(client, app, application.id)
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).join(Round).where(Round.year == 2023))
        assert grant.amount == 400_000
        assert len(grant.positions) == 2  # the positions keep their amounts by the rate


def test_a_rejection_needs_a_reason_and_makes_no_grant(app, client, auth, cast):
    set_frame(app, 25_000_000)
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    propose(client, application.id, "rejected", reason="")
    assert decision_rows(app) == []
    propose(client, application.id, "rejected", reason="Ikke egenfinansiering.")
    as_user(client, auth, B)
    assert "The rejection is decided." in page_text(approve(client, app, application.id))
    assert decision_rows(app) == [("rejected", "approved", 0)]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Grant.id))) == 0


def test_a_proposal_sent_back_can_be_proposed_again(app, client, auth, cast):
    set_frame(app, 25_000_000)
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    propose(client, application.id, "approved")
    first = current_id(app, application.id)
    # The proposer cannot send back their own.
    client.post(f"/gjennomgang/soknader/sak/{application.id}/tilbake",
                data={"proposal-decision": str(first)})
    assert decision_rows(app) == [("approved", "proposed", 495_000)]
    as_user(client, auth, B)
    answer = client.post(f"/gjennomgang/soknader/sak/{application.id}/tilbake",
                         data={"proposal-decision": str(first),
                               "proposal-comment": "Sjekk egenfinansieringen."},
                         follow_redirects=True)
    assert "The proposal was sent back" in page_text(answer)
    assert decision_rows(app) == [("approved", "withdrawn", 495_000)]
    [sent] = events(app, "application.send-back")
    assert sent.actor == B and sent.after["comment"] == "Sjekk egenfinansieringen."
    # Approving the withdrawn proposal from a stale page does nothing.
    assert "was sent back or replaced" in page_text(approve(client, app, application.id, first))
    as_user(client, auth, A)
    propose(client, application.id, "reduced", "300 000", "Bare den ene stillingen.")
    assert decision_rows(app) == [("approved", "withdrawn", 495_000),
                                  ("reduced", "proposed", 300_000)]


def test_a_double_submitted_proposal_is_kept_once(app, client, auth, cast):
    set_frame(app, 25_000_000)
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    propose(client, application.id, "approved")
    again = propose(client, application.id, "approved")
    assert "proposed already; nothing was changed" in page_text(again)
    assert decision_rows(app) == [("approved", "proposed", 495_000)]
    assert len(events(app, "application.propose")) == 1


# ---- the frame and the cap ---------------------------------------------------------------------


def _decided(app, number: str, amount: int, slug: str = OVERGANG,
             state: str = "approved") -> None:
    """An application of the office decided already, taking `amount` of the frame."""
    with app.app_context():
        application = make_application(number=number, slug=slug, applied=amount)
        db.session.add(ApplicationDecision(application_id=application.id, outcome="reduced",
                                           amount=amount, reason="x", state=state,
                                           proposed_by=A, approved_by=B))
        db.session.commit()


def test_a_decision_beyond_the_frame_is_refused_with_the_figures(app, client, auth, cast):
    set_frame(app, 25_000_000)
    _decided(app, "3403", 24_000_000, slug=NY)
    _decided(app, "3407", 800_000, slug=NY, state="proposed")
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    answer = page_text(propose(client, application.id, "approved"))
    assert ("The frame is 25 000 000 kr; decided and proposed 24 800 000 kr; this decision "
            "of 495 000 kr would make 25 295 000 kr.") in answer
    assert len(decision_rows(app)) == 2  # nothing new
    assert events(app, "application.propose") == []
    # A reduction that fits is accepted.
    propose(client, application.id, "reduced", "200 000", "Rammen er nesten brukt opp.")
    assert decision_rows(app)[-1] == ("reduced", "proposed", 200_000)


def test_the_frame_is_checked_again_at_approval(app, client, auth, cast):
    set_frame(app, 1_000_000)
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    propose(client, application.id, "approved")
    _decided(app, "3403", 600_000, slug=NY)  # decided meanwhile, elsewhere in the office
    as_user(client, auth, B)
    answer = page_text(approve(client, app, application.id))
    assert "would make 1 095 000 kr" in answer
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Grant.id))) == 0
    assert decision_rows(app)[0] == ("approved", "proposed", 495_000)


def test_the_transitional_cap_limits_only_the_transitional_schemes_part(
        app, client, auth, cast):
    set_frame(app, 10_000_000, cap=600_000)
    _decided(app, "3403", 200_000)  # transitional
    with app.app_context():
        application = make_application().id
        new_design = make_application(number="3407", slug=NY, positions=[], applied=800_000).id
    login(client, auth, A)
    answer = page_text(propose(client, application, "approved"))
    assert ("The cap for the transitional scheme is 600 000 kr of the frame; its decisions "
            "decided and proposed 200 000 kr; this decision of 495 000 kr would make "
            "695 000 kr.") in answer
    # The new design is not limited by the cap (it has no seed rates: the applied amount).
    propose(client, new_design, "approved")
    assert decision_rows(app)[-1] == ("approved", "proposed", 800_000)


def test_without_a_frame_nothing_can_be_decided(app, client, auth, cast):
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    answer = page_text(propose(client, application.id, "approved"))
    assert "Helsedirektoratet has not set the frame of Statsforvalteren i Innlandet" in answer
    assert decision_rows(app) == []


def test_without_the_round_the_approval_says_to_create_it(app, client, auth, cast):
    set_frame(app, 25_000_000)
    with app.app_context():
        decisions.set_frame("765.62", 2024, "innlandet", 25_000_000, None, None)
        application = make_application(year=2024)
    login(client, auth, A)
    propose(client, application.id, "approved")
    as_user(client, auth, B)
    answer = page_text(approve(client, app, application.id))
    assert "There is no round kommunalt-rusarbeid-overgang/2024" in answer
    assert "rounds create kommunalt-rusarbeid-overgang/2024" in answer
    assert decision_rows(app) == [("approved", "proposed", 495_000)]  # 2024: 330 000 × 1,5


def test_two_reviewers_at_once_cannot_overrun_the_frame(app, backend, cast):
    """Two proposals that each fit, but not both: the frame row's lock lets one through."""
    set_frame(app, 600_000)
    with app.app_context():
        first = make_application().id
        second = make_application(number="3407").id

    def job(application_id: int, email: str):
        def run() -> str:
            with app.app_context():
                from survey_app.models import User

                reviewer = db.session.scalar(sa.select(User).where(User.email == email))
                application = db.session.get(Application, application_id)
                try:
                    decisions.propose(application, "approved", None, "", reviewer)
                except DecisionError as error:
                    return str(error)
                return "ok"
        return run

    results = at_once([job(first, A), job(second, C)])
    assert sorted(r == "ok" for r in results) == [False, True]
    assert any("would make 990" in r.replace("\u00a0", " ") for r in results)
    assert len(decision_rows(app)) == 1


# ---- who may decide -------------------------------------------------------------------------


def test_another_offices_reviewer_and_the_directorate_cannot_decide(app, client, auth, cast):
    set_frame(app, 25_000_000)
    with app.app_context():
        application = make_application()
    url = f"/gjennomgang/soknader/sak/{application.id}"
    login(client, auth, VESTLAND)
    assert client.get(url).status_code == 404
    assert "3405" not in page_text(client.get(LIST))
    assert client.post(f"{url}/forslag", data={"propose-outcome": "approved"}).status_code == 404
    as_user(client, auth, DIRECTORATE)
    page = client.get(url)
    assert page.status_code == 200 and "You can read this application but not decide it" in \
        page_text(page)
    assert "/forslag" not in page_text(page)
    assert client.post(f"{url}/forslag", data={"propose-outcome": "approved"}).status_code == 404
    denied = events(app, "access.denied")
    assert [(e.actor, e.object_type) for e in denied] == [
        (VESTLAND, "application"), (VESTLAND, "application"), (DIRECTORATE, "application")]
    assert decision_rows(app) == []
    # A proposal by Innlandet cannot be approved from Vestland either.
    as_user(client, auth, A)
    propose(client, application.id, "approved")
    as_user(client, auth, VESTLAND)
    assert client.post(f"{url}/godkjenn", data={
        "proposal-decision": str(current_id(app, application.id))}).status_code == 404
    assert decision_rows(app) == [("approved", "proposed", 495_000)]


def test_a_nul_byte_or_a_bad_decision_id_changes_nothing(app, client, auth, cast):
    set_frame(app, 25_000_000)
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    answer = client.post(f"/gjennomgang/soknader/sak/{application.id}/forslag", data={
        "propose-outcome": "rejected", "propose-reason": "Nei\x00"})
    assert answer.status_code == 400
    assert decision_rows(app) == []
    propose(client, application.id, "approved")
    as_user(client, auth, B)
    for bad in ("", "x", "٣", "99999999999", "-1"):
        client.post(f"/gjennomgang/soknader/sak/{application.id}/godkjenn",
                    data={"proposal-decision": bad})
    assert decision_rows(app) == [("approved", "proposed", 495_000)]
    assert client.get("/gjennomgang/soknader/sak/٣").status_code == 404
    assert client.get("/gjennomgang/rammer/765.62/٢٠٢٣").status_code == 404
    assert client.get("/gjennomgang/soknader/762.60/2023").status_code == 404  # national


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(make_app, cast):
    strict = make_app(WTF_CSRF_ENABLED=True)
    with strict.app_context():
        set_frame(strict, 25_000_000)
        application = make_application()
    client = strict.test_client()
    sign_in_with_csrf(client, A)
    url = f"/gjennomgang/soknader/sak/{application.id}"
    answer = client.post(f"{url}/forslag", data={"propose-outcome": "approved"})
    assert answer.status_code == 400
    assert "Skjemaet hadde gått ut på tid" in page_text(answer)  # an existing message
    assert decision_rows(strict) == []
    token = csrf_token_in(client.get(url).get_data(as_text=True))
    client.post(f"{url}/forslag", data={"propose-outcome": "approved",
                                        "propose-csrf_token": token})
    assert decision_rows(strict) == [("approved", "proposed", 495_000)]


def test_the_review_home_links_to_the_applications(client, auth, cast):
    login(client, auth, A)
    assert "/gjennomgang/soknader" in client.get("/gjennomgang").get_data(as_text=True)
    page = client.get("/gjennomgang/soknader")
    assert page.status_code == 200
    opened = client.get("/gjennomgang/soknader?kapittelpost=765.62&aar=٢٠٢٣")
    assert opened.status_code == 400
    assert client.get("/gjennomgang/soknader?kapittelpost=765.62&aar=2023").status_code == 302


def test_the_grant_event_of_a_decision_is_the_only_history(app, client, auth, cast):
    set_frame(app, 25_000_000)
    with app.app_context():
        application = make_application()
    login(client, auth, A)
    propose(client, application.id, "approved")
    as_user(client, auth, B)
    approve(client, app, application.id)
    with app.app_context():
        assert db.session.scalars(sa.select(GrantEvent.reason)).all() == [
            decisions.GRANT_REASON]


def test_a_scheme_with_letter_texts_gets_its_decision_letter_queued(app, cast, lavterskel):
    """Where the scheme has decision letter texts (letters.yaml `decision:`, here the 2022
    lavterskel letter of seed 000), the approved grant's letter goes to the post box."""
    from survey_app.models import GrantLetter, Mailbox, User

    with app.app_context():
        decisions.set_frame("762.60", 2022, "innlandet", 1_000_000, None, None)
        application = make_application(number="3403", slug="lavterskel-psykisk-helse",
                                       year=2022, positions=[], applied=150_000)
        proposer = db.session.scalar(sa.select(User).where(User.email == A))
        approver_id = db.session.scalar(sa.select(User.id).where(User.email == B))
        decisions.propose(application, "approved", None, "", proposer)
        decision_id = current_id(app, application.id)
        approver = db.session.get(User, approver_id)
        result = decisions.approve(application, decision_id, approver)
        # No post box registered for 3403: the grant stands, the letter is said to wait.
        assert result.letter == decisions.LetterState.NOT_QUEUED
        assert "no post box" in result.letter_problem
        assert result.grant is not None and result.grant.amount == 150_000
        db.session.add(Mailbox(number="3403", email="postmottak@hamar.kommune.no"))
        db.session.commit()
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3403"))
        queued = decisions._queue_letter(db.session.get(ApplicationDecision, decision_id),
                                         grant, db.session.get(User, approver_id))
        assert queued.letter == decisions.LetterState.QUEUED
        letter = db.session.scalar(sa.select(GrantLetter))
        assert (letter.amount, letter.to) == (150_000, "postmottak@hamar.kommune.no")
