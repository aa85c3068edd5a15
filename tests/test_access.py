"""Every route as every role: the one access check decides, and refusals are audited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.access import Action
from survey_app.extensions import db
from survey_app.models import AuditEvent, Flag, Response

ROLES = ["anonymous", "coordinator", "reviewer_national", "reviewer_innlandet", "auditor",
         "auditor_innlandet", "admin", "author"]
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF = {"reviewer_national", "reviewer_innlandet", "auditor", "auditor_innlandet", "admin"}
PREVIEWERS = STAFF | {"author"}  # authors preview what they write
AUTHORS = {"author"}  # the questionnaire workspace (issue 15): not even admins
EXPORTERS = STAFF
# Reading cases, flags and letters: reviewers, auditors and admins, each within their scope
# (Innlandet's reviewer and auditor: 3405 Lillehammer, not 0301 Oslo). Only reviewers decide
# (DECIDERS, below); admins and auditors read.
READERS = STAFF
NATIONAL_READERS = {"reviewer_national", "auditor", "admin"}
DECIDERS = {"reviewer_national", "reviewer_innlandet"}
AUDITORS = {"auditor", "auditor_innlandet", "admin"}

# Who may open each page. 3405 Lillehammer is the coordinator's own municipality in
# Innlandet; 0301 Oslo lies outside both the coordinator's and the Innlandet reviewer's scope.
EXPECTED_GET = {
    "/": EVERYONE,
    "/logg-inn": EVERYONE,
    # The second factor after a password (auth.totp): only for the account waiting in the
    # session; without one they lead to the sign-in page, and a signed-in user home.
    "/logg-inn/kode": EVERYONE,
    "/logg-inn/tofaktor": EVERYONE,
    "/konto/tofaktor": SIGNED_IN,
    "/tilgjengelighet": EVERYONE,
    "/mine-rapporter": {"coordinator"},
    "/gjennomgang": READERS,
    "/gjennomgang/runder": READERS,
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022": READERS,
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/flagg": READERS,
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/dashbord": READERS,
    # A case: within the reader's scope only (0301 Oslo is not Innlandet's).
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/3405": READERS,
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/0301": NATIONAL_READERS,
    # A draft's every save: reviewers and auditors in scope (read-only).
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/3405/utkast": READERS,
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/0301/utkast": NATIONAL_READERS,
    # The `review_samples` claim on 3405's grant: its letter, as a page and as a PDF.
    "/gjennomgang/krav/TB-2022-3405-1": READERS,
    "/gjennomgang/krav/TB-2022-3405-1.pdf": READERS,
    "/gjennomgang/krav/TB-2022-3405-1/forhandsvarsel.pdf": READERS,
    "/revisjon": AUDITORS,
    "/register": STAFF,
    "/admin": {"admin"},
    "/admin/brukere": {"admin"},
    "/admin/brukere/1/okter": {"admin"},  # the coordinator's sessions
    "/admin/brukere/1": {"admin"},  # the coordinator's account page
    "/admin/brukere/ny": {"admin"},
    "/admin/runder": {"admin"},
    "/admin/runder/lavterskel-psykisk-helse/2022": {"admin"},
    "/logg": AUDITORS,
    "/admin/utboks": {"admin"},
    "/admin/utboks/1": {"admin"},  # the `mail_samples` mail
    # The token is the credential: a valid invitation link opens for whoever holds it.
    "/invitasjon/proevelenke-for-tilgangstesten": EVERYONE,
    # Asking for a link to choose a new password, and the link (the `mail_samples` one,
    # valid): public, the token being the credential. Changing one's own: signed in.
    "/glemt-passord": EVERYONE,
    "/tilbakestill-passord/proevelenke-for-tilgangstesten": EVERYONE,
    "/konto/passord": SIGNED_IN,
    "/kommuner/3405": SIGNED_IN - AUTHORS,  # authors write forms, not cases
    "/kommuner/0301": NATIONAL_READERS,
    # Exports: downloads answer 200 with the file, within the user's scope.
    "/eksport": EXPORTERS,
    "/eksport/lavterskel-psykisk-helse/2022/okonomi.xlsx": EXPORTERS,
    "/eksport/lavterskel-psykisk-helse/2022/svar.xlsx": EXPORTERS,
    "/eksport/lavterskel-psykisk-helse/2022/svar.csv": EXPORTERS,
    # A repeating group's CSV: lavterskel's questionnaire has no group, so this is 404 for
    # all here (tests/exports/test_response_groups.py downloads one); the walk still
    # proves the route is behind the export rule.
    "/eksport/lavterskel-psykisk-helse/2022/svar-positions.csv": set(),
    "/skjema": PREVIEWERS,
    "/skjema/arbeidsrom": AUTHORS,
    "/skjema/arbeidsrom/1": AUTHORS,
    "/skjema/arbeidsrom/1/publiser": AUTHORS,
    "/skjema/arbeidsrom/1/forhandsvis/economy": AUTHORS,
    "/skjema/lavterskel-psykisk-helse/v1/economy": PREVIEWERS,
    # A report: its own coordinator (3405) only, never an admin (separation of duties);
    # 0301 has no coordinator here.
    "/rapporter/lavterskel-psykisk-helse/2022/3405": {"coordinator"},
    "/rapporter/lavterskel-psykisk-helse/2022/0301": set(),
    "/rapporter/lavterskel-psykisk-helse/2022/3405/side/economy": {"coordinator"},
    "/rapporter/lavterskel-psykisk-helse/2022/0301/side/economy": set(),
    "/rapporter/lavterskel-psykisk-helse/2022/3405/oppsummering": {"coordinator"},
    "/rapporter/lavterskel-psykisk-helse/2022/0301/oppsummering": set(),
    # A receipt (the `receipt_samples` submissions), as a page and a PDF: the report's own
    # coordinator, and whoever reads the case, within their scope, read only (issue 13).
    "/rapporter/lavterskel-psykisk-helse/2022/3405/kvittering/1": READERS | {"coordinator"},
    "/rapporter/lavterskel-psykisk-helse/2022/0301/kvittering/1": NATIONAL_READERS,
    "/rapporter/lavterskel-psykisk-helse/2022/3405/kvittering/1.pdf": READERS | {"coordinator"},
    "/rapporter/lavterskel-psykisk-helse/2022/0301/kvittering/1.pdf": NATIONAL_READERS,
    # The Excel economy report's template and a report's uploaded files (issue 16): read
    # as a receipt is. Lavterskel declares no workbook and has no file here, so these are
    # 404 for all; tests/test_economy_workbook.py downloads both for 765.60 by role.
    "/rapporter/lavterskel-psykisk-helse/2022/3405/okonomirapport.xlsx": set(),
    "/rapporter/lavterskel-psykisk-helse/2022/0301/okonomirapport.xlsx": set(),
    "/rapporter/lavterskel-psykisk-helse/2022/3405/filer/1": set(),
    "/rapporter/lavterskel-psykisk-helse/2022/0301/filer/1": set(),
    # A stand-alone application (issue 16): its municipality's coordinator only. Lavterskel
    # has no application pages, so these are 404 for all; tests/test_applications.py opens
    # one for the new design of 765.62 and refuses another municipality's.
    "/soknader/lavterskel-psykisk-helse/2022/3405": set(),
    "/soknader/lavterskel-psykisk-helse/2022/0301": set(),
    # The offices' decisions on applications and the Directorate's frames (issue 16): read
    # by whoever reads cases in scope (the `application_samples`: 1 is 3405's, Innlandet;
    # 2 is 0301's, Oslo og Viken); decided only by a reviewer of the office (decision_urls).
    "/gjennomgang/soknader": READERS,
    "/gjennomgang/rammer/765.62/2022": READERS,
    "/gjennomgang/soknader/765.62/2022": READERS,
    "/gjennomgang/soknader/sak/1": READERS,
    "/gjennomgang/soknader/sak/2": NATIONAL_READERS,
}
SECOND_FACTOR = ("/logg-inn/kode", "/logg-inn/tofaktor")  # 302 without an account waiting
# Sign-in through an OpenID Connect provider: public, and not found while no provider is
# configured, as here (tests/test_oidc_signin.py signs in through a real one).
UNCONFIGURED = {"/logg-inn/med/kommune", "/logg-inn/med/kommune/svar"}
# The `lavterskel` fixture makes the round lavterskel-psykisk-helse/2022 with grants to
# 3405 and 0301, so pages of a round, a grant or a report have something to show.
SAMPLE_ARGS = {"number": ["3405", "0301"], "language": ["nn"],
               "slug": ["lavterskel-psykisk-helse"], "year": ["2022"],
               "qid": ["lavterskel-psykisk-helse"], "version": ["1"], "section_id": ["economy"],
               "n": ["1"], "mail_id": ["1"], "token": ["proevelenke-for-tilgangstesten"],
               "reference": ["TB-2022-3405-1"], "group": ["positions"], "name": ["kommune"],
               "flag_id": ["1"], "user_id": ["1"], "draft_id": ["1"], "file_id": ["1"],
               "chapter_post": ["765.62"], "application_id": ["1", "2"]}


@pytest.fixture
def mail_samples(app, lavterskel, users) -> None:
    """One mail in the outbox, a valid invitation link (for 3405's post box, which has
    no account yet) and a valid password reset link (the admin's), both with the sample
    token, so their pages have something to show."""
    import datetime as dt

    from survey_app.models import Grant, Invitation, OutboxMail, PasswordReset, Recipient, User
    from survey_app.services.invitations import hash_token

    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        recipient = Recipient(grant_id=grant.id, email="postmottak@lillehammer.kommune.no",
                              kind="postbox")
        db.session.add_all([recipient, OutboxMail(to=recipient.email, subject="Invitasjon",
                                                  body="…", kind="invitation")])
        db.session.flush()
        db.session.add(Invitation(
            recipient_id=recipient.id, token_hash=hash_token(SAMPLE_ARGS["token"][0]),
            expires_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)))
        admin = db.session.scalar(sa.select(User).where(User.email == users["admin"]))
        db.session.add(PasswordReset(
            user_id=admin.id, token_hash=hash_token(SAMPLE_ARGS["token"][0]),
            expires_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)))
        db.session.commit()


@pytest.fixture
def review_samples(app, lavterskel) -> None:
    """A repayment claim on 3405's grant with the sample reference, for its letter, and an
    open flag (the sample flag id) on 3405's and on 0301's grant, for the decision forms."""
    import datetime as dt

    from survey_app.models import Claim, Flag, Grant

    with app.app_context():
        grants = {g.municipality_number: g for g in db.session.scalars(sa.select(Grant))}
        db.session.add(Claim(grant_id=grants["3405"].id, reference=SAMPLE_ARGS["reference"][0],
                             amount_ore=2_000_000, reason="Ubrukte midler.", flag_ids=[],
                             due_date=dt.date(2023, 6, 1), language="nb",
                             created_by="rev@helsedir.no"))
        for number in ("3405", "0301"):
            db.session.add(Flag(grant_id=grants[number].id, rule_id="not-reported",
                                severity="repayment", amount_ore=100_000,
                                explanation={"title": {"nb": "Ikke rapportert"}}))
            db.session.flush()  # 3405's flag gets the sample id 1
        db.session.commit()


@pytest.fixture
def receipt_samples(app, lavterskel) -> None:
    """A first submission of 3405's and of 0301's report (no answers), for their receipts,
    both returned for correction."""
    from forms.answers import answers_hash
    from survey_app.models import Grant, Submission
    from survey_app.services import responses

    with app.app_context():
        for grant in db.session.scalars(sa.select(Grant).order_by(Grant.municipality_number)):
            response = responses.start(grant, "koordinator@example.no")
            db.session.add(Submission(
                response=response, number=1, idempotency_key=f"receipt-{grant.id}",
                reference=responses.reference(grant, 1),
                questionnaire_id=response.questionnaire_id,
                questionnaire_version=response.questionnaire_version,
                content_hash=response.content_hash, answers={}, answers_hash=answers_hash({}),
                submitted_by="koordinator@example.no"))
            # Returned for correction, as after a review: the report's pages stay open to
            # its coordinator, as the walk expects of them.
            response.status = "returned"
        db.session.commit()


@pytest.fixture
def application_samples(app, lavterskel) -> None:
    """A submitted 765.62 application of 3405 (id 1, Innlandet's to decide) and of 0301
    (id 2, Oslo og Viken's), for the offices' decision pages."""
    from survey_app.models import Application, Scheme

    with app.app_context():
        scheme = db.session.scalar(sa.select(Scheme).where(
            Scheme.slug == "kommunalt-rusarbeid-overgang"))
        for number, office in (("3405", "innlandet"), ("0301", "oslo-og-viken")):
            db.session.add(Application(
                scheme_id=scheme.id, year=2023, municipality_number=number, office=office,
                questionnaire_id=scheme.slug, questionnaire_version=1, status="submitted",
                positions=[{"title": "Rådgiver", "percent": 100, "funded_from_year": 2021}]))
            db.session.flush()
        db.session.commit()


@pytest.fixture
def author_samples(app) -> None:
    """Draft 1 in the questionnaire workspace: the shipped lavterskel questionnaire, its
    scheme entry and its rules, which pass the check (so its publish page opens)."""
    from tests.factories import shipped_draft

    with app.app_context():
        shipped_draft("lavterskel-psykisk-helse")
        db.session.commit()


def urls_of(rule) -> list[str]:
    urls = [rule.rule]
    for arg in rule.arguments:
        # `<name>` or with a converter, `<int:name>`
        pattern = re.compile(r"<(?:[a-z]+:)?" + arg + ">")
        urls = [pattern.sub(v, u) for u in urls for v in SAMPLE_ARGS[arg]]
    return urls


def test_every_route_declares_its_access_rule(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "access_action"), f"{rule.rule} has no @requires or @public"


def test_every_page_is_in_the_access_matrix(app):
    pages = {url for rule in app.url_map.iter_rules()
             if rule.endpoint != "static" and "GET" in rule.methods for url in urls_of(rule)}
    assert pages == set(EXPECTED_GET) | UNCONFIGURED


@pytest.mark.parametrize("role", ROLES)
def test_sign_in_through_a_provider_nobody_configured_is_not_found(client, auth, users, role):
    if role != "anonymous":
        auth.login(users[role])
    for url in sorted(UNCONFIGURED):
        assert client.get(url).status_code == 404, f"{role} {url}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_pages(app, client, auth, users, lavterskel, mail_samples,
                                             review_samples, receipt_samples, author_samples,
                                             application_samples, role):
    if role != "anonymous":
        auth.login(users[role])
    for url, allowed in EXPECTED_GET.items():
        status = client.get(url).status_code
        if role in allowed:
            assert status in (200, 302), f"{role} should reach {url}, got {status}"
            if role != "anonymous" and url not in ("/", "/logg-inn", *SECOND_FACTOR):
                assert status == 200, f"{role} {url}"
        elif role == "anonymous":
            assert status == 302, f"anonymous {url} should go to sign-in, got {status}"
        else:
            assert status == 404, f"{role} must not reach {url}, got {status}"


def test_a_coordinator_editing_the_url_to_another_municipality_gets_404_and_an_audit_event(
        app, client, auth, users):
    auth.login(users["coordinator"])
    assert client.get("/kommuner/3405").status_code == 200
    response = client.get("/kommuner/3403")  # Hamar, the neighbour
    assert response.status_code == 404
    assert "Hamar" not in response.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "access.denied"))
    assert (event.actor, event.object_type, event.object_id) == (
        users["coordinator"], "municipality", "3403")


def test_an_office_reviewer_never_sees_another_offices_municipalities(client, auth, users):
    auth.login(users["reviewer_innlandet"])
    page = client.get("/gjennomgang").get_data(as_text=True)
    assert "3405 Lillehammer" in page and "0301 Oslo" not in page
    assert "46 kommuner" in page  # Innlandet has 46 municipalities
    assert client.get("/kommuner/4601").status_code == 404  # Bergen, Vestland
    auth.logout()
    auth.login(users["reviewer_national"])
    assert "357 kommuner" in client.get("/gjennomgang").get_data(as_text=True)


# ---- decisions: only a reviewer in scope decides (issue 13: separation of duties) --------


def decision_urls(app) -> dict[str, set[str]]:
    """Every decision's address (Action.DECIDE), for 3405's and 0301's case and 3405's
    claim, with who may post it: 0301 Oslo lies outside Innlandet's reviewer's scope."""
    urls: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if getattr(app.view_functions[rule.endpoint], "access_action", None) == Action.DECIDE:
            for url in urls_of(rule):
                # Frames: the Directorate's; an application: its office's reviewers only
                # (application_samples: 1 Innlandet's, 2 Oslo og Viken's, none in the cast).
                if url.startswith("/gjennomgang/rammer/"):
                    urls[url] = {"reviewer_national"}
                elif url.startswith("/gjennomgang/soknader/sak/"):
                    urls[url] = {"reviewer_innlandet"} if "/sak/1/" in url else set()
                elif "/0301" in url:  # 0301's own flag (review_samples) is number 2
                    urls[url.replace("/flagg/1/", "/flagg/2/")] = {"reviewer_national"}
                else:
                    urls[url] = DECIDERS
    return urls


def test_every_review_post_is_a_decision_and_no_page_is(app):
    """Reading a case (GET) is REVIEW, changing it (POST) DECIDE: nobody who may only read
    reaches a form's target."""
    for rule in app.url_map.iter_rules():
        action = getattr(app.view_functions[rule.endpoint], "access_action", None)
        if rule.endpoint.startswith("review.") and "POST" in rule.methods:
            assert action == Action.DECIDE, rule.rule
        if "GET" in rule.methods:
            assert action != Action.DECIDE, rule.rule
    assert len(decision_urls(app)) >= 14  # 6 on a case, 2 of them per municipality, 6 claims


@pytest.mark.parametrize("role", ROLES)
def test_only_a_reviewer_in_scope_posts_a_decision_others_are_refused_and_audited(
        app, client, auth, users, review_samples, application_samples, role):
    if role != "anonymous":
        auth.login(users[role])
    urls = decision_urls(app)
    refused = 0
    for url, allowed in urls.items():
        status = client.post(url, data={}).status_code
        if role in allowed:  # a refusal of the empty form, never of the person
            assert status in (303, 400), f"{role} should reach {url}, got {status}"
        elif role == "anonymous":
            assert status == 302, f"anonymous {url} should go to sign-in, got {status}"
        else:
            assert status == 404, f"{role} must not post {url}, got {status}"
            refused += 1
    with app.app_context():
        denied = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "access.denied")).all()
        assert len(denied) == refused
        assert all(e.actor == users[role] for e in denied)
        if role in ("admin", "auditor", "auditor_innlandet", "coordinator"):
            assert refused == len(urls)
            assert {e.after["action"] for e in denied} == {"decide"}
            flag = db.session.get(Flag, 1)
            assert (flag.status, flag.decided_by) == ("open", None)  # nothing was decided


def test_an_admin_posting_a_report_page_or_sending_a_report_is_refused_and_audited(
        app, client, auth, users, lavterskel):
    auth.login(users["admin"])
    report = "/rapporter/lavterskel-psykisk-helse/2022/3405"
    for url, data in ((f"{report}/side/economy", {"received": "1 234 567", "go": "next"}),
                      (f"{report}/send", {"key": "x"}),
                      (f"{report}/side/economy/synlighet", {})):
        assert client.post(url, data=data).status_code == 404, url
    with app.app_context():
        denied = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "access.denied").order_by(AuditEvent.id)).all()
        assert [(e.actor, e.object_id, e.after["action"]) for e in denied] == [
            (users["admin"], f"{report}/side/economy", "report"),
            (users["admin"], f"{report}/send", "report"),
            (users["admin"], f"{report}/side/economy/synlighet", "report")]
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0


def test_an_admin_reads_a_case_without_its_decision_forms_a_reviewer_gets_them(
        client, auth, users, review_samples):
    case = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/3405"
    notes = {"nb": "Du kan lese saken, men ikke avgjøre den",
             "nn": "Du kan lese saka, men ikkje avgjere ho",
             "en": "You can read this case but not decide it"}
    auth.login(users["admin"])
    for language, note in notes.items():
        client.post(f"/sprak/{language}", data={"next": "/"})
        page = client.get(case).get_data(as_text=True)
        assert note in page, language
        assert 'method="post"' not in page.split("<main", 1)[1], language
    auth.logout()
    auth.login(users["reviewer_innlandet"])
    page = client.get(case).get_data(as_text=True)
    assert notes["nb"] not in page
    for form in ("/flagg/1/frafall", "/krav", "/gjennomgang/krav/TB-2022-3405-1/status"):
        assert form in page, form


# ---- receipts: read by whoever reads the case, changed by nobody (issue 13) ---------------


def test_a_national_auditor_reads_a_receipt_and_its_pdf_but_not_the_report(
        app, client, auth, users, lavterskel):
    from survey_app.models import Submission
    from tests.conftest import AuthActions
    from tests.report.test_receipt import submit

    coordinator = app.test_client()
    AuthActions(coordinator).login(users["coordinator"])
    receipt = submit(coordinator)  # a real submission, through the report's pages
    assert receipt.endswith("/kvittering/1")
    report = receipt.removesuffix("/kvittering/1")
    case = report.replace("/rapporter/", "/gjennomgang/runder/")
    assert "Tilbake til rapporten" in coordinator.get(receipt).get_data(as_text=True)

    for reader in ("auditor", "auditor_innlandet", "reviewer_innlandet"):  # 3405 in scope
        auth.login(users[reader])
        # The case names the latest submission and links to its receipt.
        assert f'<a href="{receipt}">2022-3405-LPH-1</a>' in client.get(case).get_data(
            as_text=True), reader
        page = client.get(receipt)
        assert page.status_code == 200, reader
        text = page.get_data(as_text=True)
        assert "2022-3405-LPH-1" in text and "Lengre åpningstid og oppsøkende team." in text
        main = text.split("<main", 1)[1]
        assert f'href="{case}">Tilbake til saken' in main and 'method="post"' not in main
        assert f'href="{report}"' not in main  # no way into the report's pages
        pdf = client.get(f"{receipt}.pdf")
        assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf"), reader
        assert pdf.data.startswith(b"%PDF")
        # Reading the receipt gives no hold on the report: its pages and its send refuse.
        assert client.get(report).status_code == 404
        assert client.post(f"{report}/send", data={"key": "x" * 32}).status_code == 404
        auth.logout()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1


def test_an_office_auditor_gets_no_receipt_outside_the_office_and_it_is_audited(
        app, client, auth, users, receipt_samples):
    auth.login(users["auditor_innlandet"])
    oslo = "/rapporter/lavterskel-psykisk-helse/2022/0301/kvittering/1"
    assert client.get(oslo).status_code == 404
    assert client.get(f"{oslo}.pdf").status_code == 404
    with app.app_context():
        denied = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "access.denied").order_by(AuditEvent.id)).all()
    assert [(e.actor, e.object_type, e.object_id, e.after["action"]) for e in denied] == [
        (users["auditor_innlandet"], "municipality", "0301", "receipts.read")] * 2
    auth.logout()
    auth.login(users["auditor"])  # national: Oslo too
    assert client.get(oslo).status_code == 200
