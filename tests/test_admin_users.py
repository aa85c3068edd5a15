"""The admin's account pages: an admin creates, invites, re-scopes and deactivates accounts
through the same service as the `users` CLI, each change on the record; bad input is a
400 with the reason next to its field, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Identity, OutboxMail, User
from tests.conftest import at_once, csrf_token_in, sign_in_with_csrf
from tests.factories import PASSWORD, UserFactory, make_round

NEW = "/admin/brukere/ny"


def account(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            user.municipality_numbers  # noqa: B018  (loaded before the context ends)
            db.session.expunge(user)
        return user


def user_id(app, email: str) -> int:
    found = account(app, email)
    assert found is not None
    return found.id


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == action).order_by(AuditEvent.id)))


def signed_in(app, email: str):
    """Another browser, signed in as `email`."""
    other = app.test_client()
    assert other.post("/logg-inn", data={"email": email, "password": PASSWORD}
                      ).status_code == 302
    return other


def still_signed_in(client, page: str) -> bool:
    return client.get(page).status_code == 200


@pytest.fixture
def admin(client, auth, users):
    auth.login(users["admin"])
    return client


def test_an_admin_creates_a_coordinator_without_a_password_and_invites_them(
        app, admin, users):
    with app.app_context():
        make_round(deadline=dt.date.today() + dt.timedelta(days=30))  # open for reporting
    response = admin.post(NEW, data={"name": "Kari Nordmann", "email": " Kari@Lillehammer.no",
                                     "role": "coordinator", "office": "",
                                     "municipalities": "3405"})
    assert response.status_code == 303
    created = account(app, "kari@lillehammer.no")
    assert created is not None and created.password_hash is None
    assert created.municipality_numbers == {"3405"} and created.name == "Kari Nordmann"
    assert response.location.endswith(f"/admin/brukere/{created.id}")
    [event] = events(app, "user.create")
    assert event.actor == users["admin"]
    assert event.after == {"email": "kari@lillehammer.no", "name": "Kari Nordmann",
                           "role": "coordinator", "office": None, "municipalities": ["3405"],
                           "password": False}

    page = admin.get(f"/admin/brukere/{created.id}").get_data(as_text=True)
    assert "Kari Nordmann" in page and "Send invitasjonen" in page
    sent = admin.post(f"/admin/brukere/{created.id}/inviter", follow_redirects=True)
    assert "Invitasjoner sendt: 1" in sent.get_data(as_text=True)
    with app.app_context():
        mails = db.session.scalars(sa.select(OutboxMail).where(
            OutboxMail.kind == "invitation")).all()
        assert [m.to for m in mails] == ["kari@lillehammer.no"]  # nobody else of 3405
        assert "/invitasjon/" in mails[0].body
    again = admin.post(f"/admin/brukere/{created.id}/inviter", follow_redirects=True)
    assert "Sendt før: 1" in again.get_data(as_text=True)  # once per round
    assert [e.after["sent"] for e in events(app, "user.invited")] == [1, 0]


def test_staff_get_no_mail_their_identity_is_bound_on_the_page(app, admin, users):
    response = admin.post(NEW, data={"email": "ola@sfin.no", "role": "reviewer",
                                     "office": "innlandet"})
    assert response.status_code == 303
    reviewer = user_id(app, "ola@sfin.no")
    page = admin.get(f"/admin/brukere/{reviewer}").get_data(as_text=True)
    assert "Send invitasjonen" not in page
    refused = admin.post(f"/admin/brukere/{reviewer}/inviter")
    assert refused.status_code == 400
    assert "Bare koordinatorer inviteres på e-post" in refused.get_data(as_text=True)
    bound = admin.post(f"/admin/brukere/{reviewer}/identitet",
                       data={"identity-provider": "stat", "identity-subject": " 0f1e-77 "})
    assert bound.status_code == 303
    with app.app_context():
        identity = db.session.scalar(sa.select(Identity).where(Identity.user_id == reviewer))
        assert (identity.provider, identity.subject, identity.bound_by) == (
            "stat", "0f1e-77", users["admin"])
    assert "0f1e-77" in admin.get(f"/admin/brukere/{reviewer}").get_data(as_text=True)
    other = user_id(app, users["reviewer_innlandet"])
    taken = admin.post(f"/admin/brukere/{other}/identitet",
                       data={"identity-provider": "stat", "identity-subject": "0f1e-77"})
    assert taken.status_code == 400
    assert "bundet til en annen konto" in taken.get_data(as_text=True)
    for data in ({"identity-provider": "google", "identity-subject": "x"},
                 {"identity-provider": "stat", "identity-subject": "   "},
                 {"identity-provider": "stat", "identity-subject": "x" * 300}):
        assert admin.post(f"/admin/brukere/{other}/identitet", data=data).status_code == 400


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email": "koord@lillehammer.kommune.no"}, "email", "Det finnes alt en konto"),
    ({"email": "ikke-en-adresse"}, "email", "Skriv en e-postadresse"),
    ({"email": "a@b.no" + "x" * 300}, "email", "kan være høyst 254 tegn"),
    ({"name": "N" * 5000}, "name", "kan være høyst 200 tegn"),
    ({"role": "superuser"}, "role", "Velg en rolle fra lista"),
    ({"role": "reviewer", "office": "", "municipalities": ""}, "office", "Velg et ansvarsområde"),
    ({"role": "auditor", "office": "atlantis", "municipalities": ""}, "office",
     "Velg nasjonalt eller"),
    ({"role": "admin", "office": "innlandet", "municipalities": ""},
     "office", "Bare saksbehandlere og revisorer"),
    ({"municipalities": "34O5"}, "municipalities", "Skriv firesifrede kommunenummer"),
    ({"municipalities": "9999, 3405"}, "municipalities", "Ukjent kommunenummer: 9999"),
    ({"municipalities": ""}, "municipalities", "Skriv minst ett kommunenummer"),
    ({"role": "admin", "municipalities": "3405"}, "municipalities",
     "Bare koordinatorer har kommuner"),
])
def test_bad_input_is_a_400_with_the_reason_next_to_the_field_and_creates_nothing(
        app, admin, data, field, message):
    posted = {"email": "ny@kommune.no", "role": "coordinator", "office": "",
              "municipalities": "3405", **data}
    response = admin.post(NEW, data=posted)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 7  # the fixture's seven
        assert not events(app, "user.create")


def test_control_characters_and_an_english_page(app, admin):
    assert admin.post(NEW, data={"email": "x\x00@y.no", "role": "admin"}).status_code == 400
    assert admin.post(NEW, data={"email": "x\x01@y.no", "role": "admin"}).status_code == 400
    admin.post("/sprak/en")
    page = admin.post(NEW, data={"email": "x@y.no", "role": "reviewer"}).get_data(as_text=True)
    assert "Choose a scope: national, or one office." in page
    admin.post("/sprak/nn")
    page = admin.post(NEW, data={"email": "x@y.no", "role": "reviewer"}).get_data(as_text=True)
    assert "Vel eit ansvarsområde" in page
    assert account(app, "x@y.no") is None


def test_re_scoping_a_reviewer_is_on_the_record_and_keeps_their_session(app, admin, users):
    reviewer = signed_in(app, users["reviewer_innlandet"])
    rid = user_id(app, users["reviewer_innlandet"])
    response = admin.post(f"/admin/brukere/{rid}/tilgang", data={
        "access-role": "reviewer", "access-office": "national"})
    assert response.status_code == 303
    assert account(app, users["reviewer_innlandet"]).office == "national"
    [event] = events(app, "user.scope")
    assert (event.before["office"], event.after["office"]) == ("innlandet", "national")
    assert still_signed_in(reviewer, "/gjennomgang")
    same = admin.post(f"/admin/brukere/{rid}/tilgang", data={
        "access-role": "reviewer", "access-office": "national"}, follow_redirects=True)
    assert "Ingenting ble endret" in same.get_data(as_text=True)
    assert len(events(app, "user.scope")) == 1


def test_a_new_role_needs_its_scope_again_and_ends_the_sessions(app, admin, users):
    coordinator = signed_in(app, users["coordinator"])
    cid = user_id(app, users["coordinator"])
    refused = admin.post(f"/admin/brukere/{cid}/tilgang", data={
        "access-role": "auditor", "access-municipalities": "3405"})
    assert refused.status_code == 400  # an auditor needs an office, not municipalities
    assert still_signed_in(coordinator, "/mine-rapporter")
    response = admin.post(f"/admin/brukere/{cid}/tilgang", data={
        "access-role": "auditor", "access-office": "innlandet", "access-municipalities": ""})
    assert response.status_code == 303
    changed = account(app, users["coordinator"])
    assert (changed.role, changed.office, changed.municipality_numbers) == (
        "auditor", "innlandet", set())
    assert not still_signed_in(coordinator, "/mine-rapporter")
    [event] = events(app, "user.role")
    assert event.before["role"] == "coordinator" and event.before["municipalities"] == ["3405"]
    assert event.after["role"] == "auditor" and event.after["sessions_ended"] == 1


def test_deactivating_is_confirmed_ends_the_sessions_and_activating_brings_none_back(
        app, admin, users):
    coordinator = signed_in(app, users["coordinator"])
    cid = user_id(app, users["coordinator"])
    unconfirmed = admin.post(f"/admin/brukere/{cid}/aktiv", data={})
    assert unconfirmed.status_code == 400
    assert "Kryss av for å bekrefte" in unconfirmed.get_data(as_text=True)
    assert account(app, users["coordinator"]).active
    response = admin.post(f"/admin/brukere/{cid}/aktiv", data={"active-confirm": "y"})
    assert response.status_code == 303
    assert not account(app, users["coordinator"]).active
    assert not still_signed_in(coordinator, "/mine-rapporter")
    [event] = events(app, "user.deactivate")
    assert event.actor == users["admin"]
    assert (event.before, event.after) == ({"active": True},
                                           {"active": False, "sessions_ended": 1})
    admin.post(f"/admin/brukere/{cid}/aktiv", data={"active-confirm": "y"})
    assert account(app, users["coordinator"]).active
    assert not still_signed_in(coordinator, "/mine-rapporter")
    assert len(events(app, "user.activate")) == 1


def test_an_admin_cannot_deactivate_or_demote_themselves(app, admin, users):
    me = user_id(app, users["admin"])
    assert "Du kan ikke deaktivere din egen konto" in admin.get(
        f"/admin/brukere/{me}").get_data(as_text=True)
    refused = admin.post(f"/admin/brukere/{me}/aktiv", data={"active-confirm": "y"})
    assert refused.status_code == 400
    assert "Du kan ikke deaktivere din egen konto" in refused.get_data(as_text=True)
    demoted = admin.post(f"/admin/brukere/{me}/tilgang", data={
        "access-role": "reviewer", "access-office": "national"})
    assert demoted.status_code == 400
    assert "Du kan ikke endre din egen rolle" in demoted.get_data(as_text=True)
    mine = account(app, users["admin"])
    assert mine.active and mine.role == "admin"
    assert still_signed_in(admin, "/admin/brukere")
    assert not events(app, "user.deactivate") and not events(app, "user.role")


def test_the_last_active_admin_stays_in_the_cli_too(app, runner, users):
    last = runner.invoke(args=["users", "deactivate", users["admin"]])
    assert last.exit_code == 1 and "the last active admin" in last.output
    assert account(app, users["admin"]).active
    runner.invoke(args=["users", "create", "admin2@helsedir.no", "--role", "admin"])
    assert runner.invoke(args=["users", "deactivate", users["admin"]]).exit_code == 0


def test_two_admins_deactivating_each_other_at_once_leave_one(app, backend, users):
    if backend != "postgresql":
        pytest.skip("SQLite takes one writer at a time: there is no race to lose")
    with app.app_context():
        UserFactory(email="admin2@helsedir.no", role="admin")
    first, second = users["admin"], "admin2@helsedir.no"
    clients = {email: signed_in(app, email) for email in (first, second)}
    targets = {first: user_id(app, second), second: user_id(app, first)}
    answers = at_once([
        lambda email=email: clients[email].post(f"/admin/brukere/{targets[email]}/aktiv",
                                                data={"active-confirm": "y"}).status_code
        for email in (first, second)])
    assert sorted(answers) == [303, 400]
    assert sum(account(app, email).active for email in (first, second)) == 1
    assert len(events(app, "user.deactivate")) == 1


def test_only_a_reviewer_approves_decisions_on_the_page_and_in_the_cli(
        app, admin, runner, users):
    for key in ("auditor", "admin", "coordinator"):
        refused = admin.post(f"/admin/brukere/{user_id(app, users[key])}/godkjenner",
                             data={"allowed": "yes"})
        assert refused.status_code == 400, key
        assert "Bare en saksbehandler kan godkjenne vedtak" in refused.get_data(as_text=True)
        cli = runner.invoke(args=["users", "approver", users[key]])
        assert cli.exit_code == 1 and "only a reviewer can approve decisions" in cli.output
        assert not account(app, users[key]).approves_decisions
    rid = user_id(app, users["reviewer_national"])
    assert admin.post(f"/admin/brukere/{rid}/godkjenner",
                      data={"allowed": "yes"}).status_code == 303
    assert account(app, users["reviewer_national"]).approves_decisions
    assert "Slutt å godkjenne vedtak" in admin.get(f"/admin/brukere/{rid}").get_data(
        as_text=True)
    [event] = events(app, "user.approver")
    assert (event.before, event.after) == ({"approves_decisions": False},
                                           {"approves_decisions": True})
    # Another role takes the authority away with it.
    admin.post(f"/admin/brukere/{rid}/tilgang", data={"access-role": "auditor",
                                                      "access-office": "national"})
    assert not account(app, users["reviewer_national"]).approves_decisions


def test_the_list_shows_no_scope_as_none_and_filters_without_errors(
        app, admin, users, monkeypatch):
    with app.app_context():
        UserFactory(email="uten@sf.no", role="auditor", office=None)
    page = admin.get("/admin/brukere?rolle=auditor").get_data(as_text=True)
    row = page[page.index("uten@sf.no"):].split("</tr>")[0]
    assert "Ingen tilgang" in row and "Helsedirektoratet" not in row
    assert "koord@lillehammer.kommune.no" not in page  # a coordinator
    assert f'href="/admin/brukere/{user_id(app, "uten@sf.no")}"' in page
    found = admin.get("/admin/brukere?q=SFIN").get_data(as_text=True)
    assert "rev@sfin.no" in found and "rev@helsedir.no" not in found
    assert "Ingen kontoer passer" in admin.get("/admin/brukere?q=100%25_").get_data(
        as_text=True)
    for query in ("rolle=%3Cscript%3E", "q=" + "x" * 5000, "page=-1", "page=99999999999",
                  "rolle=admin&q=%27%3B--", "q=%E2%80%8B"):
        assert admin.get(f"/admin/brukere?{query}").status_code == 200, query
    monkeypatch.setattr("survey_app.admin.users.PAGE_SIZE", 4)
    first = admin.get("/admin/brukere").get_data(as_text=True)
    assert "Neste side" in first and "Forrige side" not in first
    last = admin.get("/admin/brukere?page=2").get_data(as_text=True)
    assert "Forrige side" in last and "Neste side" not in last
    assert admin.get("/admin/brukere/999999").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "reviewer_national", "auditor"])
def test_nobody_but_an_admin_reaches_the_pages_or_the_changes(app, client, auth, users, role):
    auth.login(users[role])
    target = user_id(app, users["coordinator"])
    for url in (NEW, f"/admin/brukere/{target}"):
        assert client.get(url).status_code == 404  # refusals answer 404 (access.py)
    for url, data in ((NEW, {"email": "x@y.no", "role": "admin"}),
                      (f"/admin/brukere/{target}/aktiv", {"active-confirm": "y"}),
                      (f"/admin/brukere/{target}/tilgang", {"access-role": "admin"}),
                      (f"/admin/brukere/{target}/godkjenner", {"allowed": "yes"})):
        assert client.post(url, data=data).status_code == 404
    assert account(app, users["coordinator"]).active and account(app, "x@y.no") is None
    assert len(events(app, "access.denied")) == 6


def test_the_forms_are_csrf_protected(make_app, users):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    sign_in_with_csrf(client, users["admin"])
    target = user_id(app, users["coordinator"])
    assert client.post(f"/admin/brukere/{target}/aktiv",
                       data={"active-confirm": "y"}).status_code == 400
    assert account(app, users["coordinator"]).active
    token = csrf_token_in(client.get(f"/admin/brukere/{target}").get_data(as_text=True))
    assert client.post(f"/admin/brukere/{target}/aktiv", data={
        "active-confirm": "y", "active-csrf_token": token}).status_code == 303
    assert not account(app, users["coordinator"]).active


def test_the_account_page_shows_two_step_sign_in_and_emergency_access(app, admin, users, runner):
    own = user_id(app, users["admin"])
    page = admin.get(f"/admin/brukere/{own}").get_data(as_text=True)
    assert "<dt>Totrinnsinnlogging</dt><dd>Ikke satt opp</dd>" in page
    assert "<dt>Nødtilgang</dt><dd>Nei</dd>" in page
    result = runner.invoke(args=["users", "break-glass", users["admin"]])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.get(User, own).totp_enrolled_at = dt.datetime(2026, 11, 30, 9, 0)
        db.session.commit()
    page = admin.get(f"/admin/brukere/{own}").get_data(as_text=True)
    assert "<dt>Totrinnsinnlogging</dt><dd>Satt opp 30.11.2026</dd>" in page
    assert "<dt>Nødtilgang</dt><dd>Ja (logger inn med passord og kode)</dd>" in page
    # A coordinator's page has neither row.
    coordinator = user_id(app, users["coordinator"])
    page = admin.get(f"/admin/brukere/{coordinator}").get_data(as_text=True)
    assert "Nødtilgang" not in page


def test_a_refused_new_account_titles_the_page_with_the_error_and_focuses_the_summary(
        client, auth, users):
    auth.login(users["admin"])
    page = client.post("/admin/brukere/ny", data={"email": "ikke-en-adresse"})
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "<title>Feil: Ny konto" in text
    assert 'class="error-summary" role="alert" tabindex="-1" autofocus' in text
