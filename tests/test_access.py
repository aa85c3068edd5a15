"""Every route as every role: the one access check decides, and refusals are audited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent

ROLES = ["anonymous", "coordinator", "reviewer_national", "reviewer_innlandet", "auditor",
         "admin"]
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
PREVIEWERS = {"reviewer_national", "reviewer_innlandet", "auditor", "admin"}
EXPORTERS = {"reviewer_national", "reviewer_innlandet", "auditor", "admin"}

# Who may open each page. 3405 Lillehammer is the coordinator's own municipality in
# Innlandet; 0301 Oslo lies outside both the coordinator's and the Innlandet reviewer's scope.
EXPECTED_GET = {
    "/": EVERYONE,
    "/logg-inn": EVERYONE,
    "/tilgjengelighet": EVERYONE,
    "/mine-rapporter": {"coordinator", "admin"},
    "/gjennomgang": {"reviewer_national", "reviewer_innlandet", "admin"},
    "/gjennomgang/runder": {"reviewer_national", "reviewer_innlandet", "admin"},
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022": {"reviewer_national",
                                                         "reviewer_innlandet", "admin"},
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/flagg": {"reviewer_national",
                                                               "reviewer_innlandet", "admin"},
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/dashbord": {"reviewer_national",
                                                                  "reviewer_innlandet", "admin"},
    # A case: within the reviewer's scope only (0301 Oslo is not Innlandet's).
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/3405": {"reviewer_national",
                                                              "reviewer_innlandet", "admin"},
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/0301": {"reviewer_national", "admin"},
    # A draft's every save: reviewers and auditors in scope (read-only).
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/3405/utkast": {
        "reviewer_national", "reviewer_innlandet", "auditor", "admin"},
    "/gjennomgang/runder/lavterskel-psykisk-helse/2022/0301/utkast": {
        "reviewer_national", "auditor", "admin"},
    # The `review_samples` claim on 3405's grant: its letter, as a page and as a PDF.
    "/gjennomgang/krav/TB-2022-3405-1": {"reviewer_national", "reviewer_innlandet", "admin"},
    "/gjennomgang/krav/TB-2022-3405-1.pdf": {"reviewer_national", "reviewer_innlandet",
                                             "admin"},
    "/gjennomgang/krav/TB-2022-3405-1/forhandsvarsel.pdf": {
        "reviewer_national", "reviewer_innlandet", "admin"},
    "/revisjon": {"auditor", "admin"},
    "/register": {"reviewer_national", "reviewer_innlandet", "auditor", "admin"},
    "/admin": {"admin"},
    "/admin/brukere": {"admin"},
    "/admin/runder": {"admin"},
    "/admin/runder/lavterskel-psykisk-helse/2022": {"admin"},
    "/logg": {"auditor", "admin"},
    "/admin/utboks": {"admin"},
    "/admin/utboks/1": {"admin"},  # the `mail_samples` mail
    # The token is the credential: a valid invitation link opens for whoever holds it.
    "/invitasjon/proevelenke-for-tilgangstesten": EVERYONE,
    "/kommuner/3405": SIGNED_IN,
    "/kommuner/0301": {"reviewer_national", "auditor", "admin"},
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
    "/skjema/lavterskel-psykisk-helse/v1/economy": PREVIEWERS,
    # A report: its own coordinator (3405) and admins; 0301 is nobody's here but admins'.
    "/rapporter/lavterskel-psykisk-helse/2022/3405": {"coordinator", "admin"},
    "/rapporter/lavterskel-psykisk-helse/2022/0301": {"admin"},
    "/rapporter/lavterskel-psykisk-helse/2022/3405/side/economy": {"coordinator", "admin"},
    "/rapporter/lavterskel-psykisk-helse/2022/0301/side/economy": {"admin"},
    "/rapporter/lavterskel-psykisk-helse/2022/3405/oppsummering": {"coordinator", "admin"},
    "/rapporter/lavterskel-psykisk-helse/2022/0301/oppsummering": {"admin"},
    # No submission exists in the fixture, so receipts are 404 for all here (the receipt
    # itself is tested in tests/report); the walk still proves nobody else gets one.
    "/rapporter/lavterskel-psykisk-helse/2022/3405/kvittering/1": set(),
    "/rapporter/lavterskel-psykisk-helse/2022/0301/kvittering/1": set(),
    "/rapporter/lavterskel-psykisk-helse/2022/3405/kvittering/1.pdf": set(),
    "/rapporter/lavterskel-psykisk-helse/2022/0301/kvittering/1.pdf": set(),
}
# Sign-in through an OpenID Connect provider: public, and not found while no provider is
# configured, as here (tests/test_oidc_signin.py signs in through a real one).
UNCONFIGURED = {"/logg-inn/med/kommune", "/logg-inn/med/kommune/svar"}
# The `lavterskel` fixture makes the round lavterskel-psykisk-helse/2022 with grants to
# 3405 and 0301, so pages of a round, a grant or a report have something to show.
SAMPLE_ARGS = {"number": ["3405", "0301"], "language": ["nn"],
               "slug": ["lavterskel-psykisk-helse"], "year": ["2022"],
               "qid": ["lavterskel-psykisk-helse"], "version": ["1"], "section_id": ["economy"],
               "n": ["1"], "mail_id": ["1"], "token": ["proevelenke-for-tilgangstesten"],
               "reference": ["TB-2022-3405-1"], "group": ["positions"], "name": ["kommune"]}


@pytest.fixture
def mail_samples(app, lavterskel) -> None:
    """One mail in the outbox and a valid invitation link (for 3405's post box, which has
    no account yet) with the sample token, so their pages have something to show."""
    import datetime as dt

    from survey_app.models import Grant, Invitation, OutboxMail, Recipient
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
        db.session.commit()


@pytest.fixture
def review_samples(app, lavterskel) -> None:
    """A repayment claim on 3405's grant with the sample reference, for its letter."""
    import datetime as dt

    from survey_app.models import Claim, Grant

    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        db.session.add(Claim(grant_id=grant.id, reference=SAMPLE_ARGS["reference"][0],
                             amount_ore=2_000_000, reason="Ubrukte midler.", flag_ids=[],
                             due_date=dt.date(2023, 6, 1), language="nb",
                             created_by="rev@helsedir.no"))
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
                                             review_samples, role):
    if role != "anonymous":
        auth.login(users[role])
    for url, allowed in EXPECTED_GET.items():
        status = client.get(url).status_code
        if role in allowed:
            assert status in (200, 302), f"{role} should reach {url}, got {status}"
            if role != "anonymous" and url not in ("/", "/logg-inn"):
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
