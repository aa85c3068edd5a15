"""Sign-in through OpenID Connect against a real provider (npm oidc-provider, started here):
the authorization-code flow with PKCE, the account found by the provider's subject, the
role's assurance checked from `acr`/`amr`, refusals for a replayed state, a foreign
browser, a bad signature, an unbound subject and a too-weak sign-in; single logout.

The browser's side of the provider (its login form) is driven with urllib and a cookie
jar; our side with the Flask test client, which fetches the tokens from the provider over
real HTTP (Authlib's client)."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.cookiejar import CookieJar

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.auth.oidc import assurance_ok
from survey_app.config import defaults
from survey_app.extensions import db
from survey_app.models import AuditEvent, Identity
from survey_app.services.users import create_user
from tests.conftest import missing
from tests.oidc_server import OidcProvider, provider_missing

CALLBACK = "http://localhost/logg-inn/med/{name}/svar"
CLIENT = {"client_id": "tilskudd-test", "client_secret": "s3cret-for-the-tests-only",
          "redirect_uris": [CALLBACK.format(name="kommune"), CALLBACK.format(name="stat")],
          "post_logout_redirect_uris": ["http://localhost/logg-inn"]}
ACCOUNTS = {
    "kari": {"sub": "kommune-kari-1", "email": "kari@oslo.kommune.no", "email_verified": True,
             "name": "Kari Nordmann", "acr": "idporten-loa-substantial", "amr": ["BankID"]},
    "lav": {"sub": "kommune-lav-2", "email": "lav@oslo.kommune.no", "email_verified": True,
            "name": "Lav Sikkerhet", "acr": "idporten-loa-low", "amr": ["Minid-PIN"]},
    "ukjent": {"sub": "kommune-ukjent-3", "email": "kari@oslo.kommune.no",
               "email_verified": True, "name": "Ikke koblet", "acr": "idporten-loa-high",
               "amr": ["BankID"]},
    "revisor": {"sub": "stat-revisor-4", "email": "revisor@helsedir.no", "email_verified": True,
                "name": "Revisor", "acr": "possessionorinherence", "amr": ["pwd", "mfa"]},
    "ny": {"sub": "kommune-ny-6", "email": "nora@privat.example", "email_verified": True,
           "name": "Nora Ny", "acr": "idporten-loa-substantial", "amr": ["BankID"]},
    "ny-lav": {"sub": "kommune-nylav-7", "email": "ole@privat.example", "email_verified": True,
               "name": "Ole Svak", "acr": "idporten-loa-low", "amr": ["Minid-PIN"]},
    "lang-sub": {"sub": "x" * 300, "email": "lang@privat.example", "email_verified": True,
                 "name": "Lang", "acr": "idporten-loa-high", "amr": ["BankID"]},
    "mellomrom": {"sub": " kommune-kari-1 ", "email": "kari@oslo.kommune.no",
                  "email_verified": True, "name": "Kari med mellomrom",
                  "acr": "idporten-loa-high", "amr": ["BankID"]},
    "passord": {"sub": "stat-passord-5", "email": "passord@helsedir.no",
                "email_verified": True, "name": "Bare passord", "acr": "password",
                "amr": ["pwd"]},
}


def _start(accounts: dict[str, dict[str, object]], bad_jwks: bool = False) -> OidcProvider:
    problem = provider_missing()
    if problem:
        missing(problem, "bash scripts/test-system-deps.sh")
    return OidcProvider.start([CLIENT], accounts, bad_jwks=bad_jwks)


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    started = _start(ACCOUNTS)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def forging_provider() -> Iterator[OidcProvider]:
    """Signs its ID tokens with a key other than the one it publishes."""
    started = _start(ACCOUNTS, bad_jwks=True)
    yield started
    started.stop()


def _settings(issuer: str) -> dict[str, dict[str, object]]:
    common = {"issuer": issuer, "client_id": CLIENT["client_id"],
              "client_secret": CLIENT["client_secret"]}
    return {"kommune": {**common, "roles": ("coordinator",)},
            "stat": {**common, "roles": ("reviewer", "auditor", "admin")}}


@pytest.fixture
def oidc_app(app: Flask, make_app: Callable[..., Flask], provider: OidcProvider) -> Flask:
    made = make_app(OIDC_PROVIDERS=_settings(provider.issuer))
    with made.app_context():
        kari, _ = create_user("kari@oslo.kommune.no", "coordinator", municipalities=["0301"])
        lav, _ = create_user("lav@oslo.kommune.no", "coordinator", municipalities=["0301"])
        revisor, _ = create_user("revisor@helsedir.no", "auditor", office="national")
        passord, _ = create_user("passord@helsedir.no", "reviewer", office="national")
        for user, login in ((kari, "kari"), (lav, "lav"), (revisor, "revisor"),
                            (passord, "passord")):
            provider_name = "kommune" if user.role == "coordinator" else "stat"
            db.session.add(Identity(user_id=user.id, provider=provider_name,
                                    subject=str(ACCOUNTS[login]["sub"]), bound_by="test"))
        db.session.commit()
    return made


class _StopAtClient(urllib.request.HTTPRedirectHandler):
    """Follows the provider's redirects, but not the last one, back to the client."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if newurl.startswith("http://localhost/"):
            raise _BackToClient(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _BackToClient(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def through_provider(authorize_url: str, login: str) -> str:
    """The browser at the provider: its login page, the login posted; returns the URL
    the provider sends the browser back to (our callback, with code and state)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()),
                                         _StopAtClient())
    try:
        with opener.open(authorize_url, timeout=10) as page:
            form_page, page_url = page.read().decode(), page.geturl()
        action = re.search(r'<form[^>]*action="([^"]+)"', form_page)
        assert action, form_page[:500]
        target = urllib.parse.urljoin(page_url, html.unescape(action.group(1)))
        with opener.open(target, data=urllib.parse.urlencode({"login": login}).encode(),
                         timeout=10) as answer:
            raise AssertionError(f"the provider did not send the browser back: "
                                 f"{answer.status} {answer.read()[:300]!r}")
    except _BackToClient as back:
        return back.url


def sign_in_at(client: FlaskClient, login: str, name: str = "kommune") -> tuple[str, object]:
    """The whole sign-in; returns the callback URL used and our answer to it."""
    start = client.get(f"/logg-inn/med/{name}")
    assert start.status_code == 302, start.get_data(as_text=True)[:300]
    callback = through_provider(start.headers["Location"], login)
    path = callback.removeprefix("http://localhost")
    return path, client.get(path)


def _refusals(app: Flask) -> list[dict[str, object]]:
    with app.app_context():
        return [e.after for e in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "user.sign-in-refused").order_by(AuditEvent.id))]


def _signed_in(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


# ---- the assurance rule ---------------------------------------------------------------------


def test_the_default_assurance_asks_substantial_for_coordinators_and_a_second_factor_of_staff():
    required = defaults("instance")["OIDC_ASSURANCE"]  # (the path is not used here)
    assert assurance_ok("coordinator", {"acr": "idporten-loa-substantial"}, required)
    assert assurance_ok("coordinator", {"acr": "idporten-loa-high"}, required)
    assert not assurance_ok("coordinator", {"acr": "idporten-loa-low"}, required)
    assert not assurance_ok("coordinator", {}, required)
    assert assurance_ok("auditor", {"amr": ["pwd", "mfa"]}, required)
    assert not assurance_ok("auditor", {"amr": ["pwd"]}, required)
    assert not assurance_ok("admin", {"amr": "mfa"}, required)  # amr is a list, or nothing
    assert not assurance_ok("someone", {"acr": "idporten-loa-high"}, required)


# ---- through the provider -------------------------------------------------------------------


def test_a_coordinator_signs_in_with_a_substantial_sign_in(oidc_app: Flask):
    client = oidc_app.test_client()
    login_page = client.get("/logg-inn").get_data(as_text=True)
    assert "Logg inn med ID-porten" in login_page and "Logg inn med Entra ID" in login_page
    _, answer = sign_in_at(client, "kari")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert _signed_in(client)
    with oidc_app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "user.sign-in")).one()
        assert event.after == {"via": "kommune"}
        identity = db.session.scalars(sa.select(Identity).where(
            Identity.subject == ACCOUNTS["kari"]["sub"])).one()
        assert identity.last_used_at is not None


def test_a_too_weak_sign_in_is_refused_with_what_to_do(oidc_app: Flask):
    client = oidc_app.test_client()
    _, answer = sign_in_at(client, "lav")
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert "Innloggingen ble ikke fullført" in page and "høyere sikkerhetsnivå" in page
    assert not _signed_in(client)
    assert _refusals(oidc_app)[-1]["reason"] == "assurance-too-low"
    assert _refusals(oidc_app)[-1]["detail"] == "idporten-loa-low"


def test_staff_need_a_second_factor_and_their_own_provider(oidc_app: Flask):
    client = oidc_app.test_client()
    _, answer = sign_in_at(client, "passord", name="stat")
    assert answer.status_code == 403 and not _signed_in(client)
    assert _refusals(oidc_app)[-1]["reason"] == "assurance-too-low"
    _, answer = sign_in_at(client, "kari", name="stat")  # a coordinator's subject at "stat"
    assert answer.status_code == 403
    assert _refusals(oidc_app)[-1]["reason"] == "no-account"
    _, answer = sign_in_at(client, "revisor", name="stat")
    assert answer.status_code == 302 and _signed_in(client)


def test_an_unbound_subject_is_refused_whatever_its_e_mail_says(oidc_app: Flask):
    client = oidc_app.test_client()
    _, answer = sign_in_at(client, "ukjent")  # kari's address, another subject
    assert answer.status_code == 403
    assert "ikke koblet til en konto" in answer.get_data(as_text=True)
    assert not _signed_in(client)
    assert _refusals(oidc_app)[-1]["subject"] == ACCOUNTS["ukjent"]["sub"]


def test_a_replayed_answer_or_one_from_another_browser_signs_nobody_in(oidc_app: Flask):
    first = oidc_app.test_client()
    used, answer = sign_in_at(first, "kari")
    assert answer.status_code == 302
    first.post("/logg-ut")
    replay = first.get(used)  # the same code and state again, in the same browser
    assert replay.status_code == 400 and not _signed_in(first)
    stranger = oidc_app.test_client()  # a browser that never started this sign-in
    start = oidc_app.test_client().get("/logg-inn/med/kommune")
    foreign = through_provider(start.headers["Location"], "kari").removeprefix(
        "http://localhost")
    answer = stranger.get(foreign)
    assert answer.status_code == 400 and not _signed_in(stranger)
    assert [r["reason"] for r in _refusals(oidc_app)] == ["not-verified", "not-verified"]


def test_an_id_token_with_a_bad_signature_is_refused(
        app: Flask, make_app: Callable[..., Flask], forging_provider: OidcProvider):
    forged = make_app(OIDC_PROVIDERS=_settings(forging_provider.issuer))
    with forged.app_context():
        user, _ = create_user("kari@oslo.kommune.no", "coordinator", municipalities=["0301"])
        db.session.add(Identity(user_id=user.id, provider="kommune",
                                subject=str(ACCOUNTS["kari"]["sub"]), bound_by="test"))
        db.session.commit()
    client = forged.test_client()
    _, answer = sign_in_at(client, "kari")
    assert answer.status_code == 400 and not _signed_in(client)
    assert _refusals(forged)[-1]["reason"] == "not-verified"


def test_signing_out_ends_the_sign_in_at_the_provider_too(oidc_app: Flask,
                                                          provider: OidcProvider):
    client = oidc_app.test_client()
    sign_in_at(client, "kari")
    answer = client.post("/logg-ut")
    location = answer.headers["Location"]
    assert location.startswith(provider.issuer)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert query == {"client_id": [CLIENT["client_id"]],
                     "post_logout_redirect_uri": ["http://localhost/logg-inn"]}
    assert not _signed_in(client)


def test_an_unknown_or_unconfigured_provider_is_not_found(client: FlaskClient):
    assert client.get("/logg-inn/med/kommune").status_code == 404  # none configured
    assert client.get("/logg-inn/med/kommune/svar?code=x&state=y").status_code == 404
    assert "ID-porten" not in client.get("/logg-inn").get_data(as_text=True)


# ---- binding --------------------------------------------------------------------------------


def test_an_admin_binds_a_subject_and_one_subject_belongs_to_one_account(app: Flask):
    runner = app.test_cli_runner()
    with app.app_context():
        create_user("a@oslo.kommune.no", "coordinator", municipalities=["0301"])
        create_user("b@oslo.kommune.no", "coordinator", municipalities=["0301"])
    result = runner.invoke(args=["users", "bind", "a@oslo.kommune.no", "kommune", "sub-1"])
    assert result.exit_code == 0, result.output
    taken = runner.invoke(args=["users", "bind", "b@oslo.kommune.no", "kommune", "sub-1"])
    assert taken.exit_code == 1 and "bound to another account" in taken.output
    with app.app_context():
        bound = db.session.scalars(sa.select(Identity)).all()
        assert [(i.provider, i.subject) for i in bound] == [("kommune", "sub-1")]
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "user.identity-bound")) == 1


@pytest.mark.parametrize("query", [
    "code=x&state=y", "state=\x00", "code=" + "A" * 5000 + "&state=" + "B" * 5000,
    "error=access_denied&error_description=%3Cscript%3E", "code=%F0%9F%92%A9&state=%E2%80%AE",
    ""])
def test_a_forged_or_garbled_answer_is_refused_without_a_server_error(oidc_app: Flask,
                                                                      query: str):
    client = oidc_app.test_client()
    client.get("/logg-inn/med/kommune")  # this browser holds a state, but not those
    answer = client.get(f"/logg-inn/med/kommune/svar?{query}")
    assert 400 <= answer.status_code < 500
    assert "<script>" not in answer.get_data(as_text=True)
    assert not _signed_in(client)


def test_a_provider_that_does_not_answer_gets_a_page_saying_so(
        app: Flask, make_app: Callable[..., Flask]):
    from tests.conftest import NO_SMTP_PORT  # a loopback port nobody listens on

    down = make_app(OIDC_PROVIDERS={"kommune": {
        "issuer": f"http://127.0.0.1:{NO_SMTP_PORT}", "client_id": "x", "client_secret": "y",
        "roles": ("coordinator",)}})
    answer = down.test_client().get("/logg-inn/med/kommune")
    assert answer.status_code == 503
    assert "svarer ikke akkurat nå" in answer.get_data(as_text=True)


def test_pages_let_the_sign_out_form_continue_to_the_provider_and_nowhere_else(
        oidc_app: Flask, provider: OidcProvider, client: FlaskClient):
    csp = oidc_app.test_client().get("/logg-inn").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer};" in csp
    assert "form-action 'self';" in client.get("/logg-inn").headers["Content-Security-Policy"]


# ---- an invitation binds a person ---------------------------------------------------------


POSTBOX = "postmottak@lillehammer.kommune.no"


def make_invitation(app: Flask, token: str, email: str = POSTBOX) -> int:
    """A valid invitation link for 3405's grant (Lillehammer, bokmål) to `email`."""
    import datetime as dt

    from survey_app.models import Grant, Invitation, Recipient
    from survey_app.services.invitations import hash_token

    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        recipient = Recipient(grant_id=grant.id, email=email, kind="postbox")
        db.session.add(recipient)
        db.session.flush()
        invitation = Invitation(recipient_id=recipient.id, token_hash=hash_token(token),
                                expires_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)
                                + dt.timedelta(days=1))
        db.session.add(invitation)
        db.session.commit()
        return invitation.id


def _claim(client: FlaskClient, token: str, login: str) -> object:
    page = client.get(f"/invitasjon/{token}").get_data(as_text=True)
    assert "Logg inn med ID-porten" in page
    start = client.post(f"/invitasjon/{token}/med/kommune")  # the page's button
    assert start.status_code == 302, start.get_data(as_text=True)[:300]
    back = through_provider(start.headers["Location"], login)
    return client.get(back.removeprefix("http://localhost"))


def test_a_post_box_invitation_becomes_the_account_of_whoever_claims_it(
        oidc_app: Flask, lavterskel: str):
    from survey_app.models import Invitation, User

    invitation_id = make_invitation(oidc_app, "postboks-lenke-til-nora")
    client = oidc_app.test_client()
    answer = _claim(client, "postboks-lenke-til-nora", "ny")
    assert answer.status_code == 302 and _signed_in(client)
    assert answer.headers["Location"] == "/rapporter/lavterskel-psykisk-helse/2022/3405"
    with client.session_transaction() as session:
        assert session["lang"] == "nb"  # Lillehammer's written standard, the invitation's
    with oidc_app.app_context():
        user = db.session.scalars(sa.select(User).where(User.email == POSTBOX)).one()
        assert (user.role, user.municipality_numbers, user.password_hash) == (
            "coordinator", {"3405"}, None)
        identity = db.session.scalars(sa.select(Identity).where(
            Identity.user_id == user.id)).one()
        assert (identity.provider, identity.subject) == ("kommune", ACCOUNTS["ny"]["sub"])
        assert db.session.get(Invitation, invitation_id).used_at is not None
        used = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "invitation.used")).one()
        assert used.after == {"password_set": False, "identity": "kommune",
                              "subject": ACCOUNTS["ny"]["sub"], "name": "Nora Ny"}
    # Next time the same person signs in without the link; the link itself is spent.
    other = oidc_app.test_client()
    _, again = sign_in_at(other, "ny")
    assert again.status_code == 302 and _signed_in(other)
    assert oidc_app.test_client().get("/invitasjon/postboks-lenke-til-nora").status_code == 410


def test_an_invitation_claimed_with_a_weak_sign_in_binds_nobody_and_stays_usable(
        oidc_app: Flask, lavterskel: str):
    from survey_app.models import Invitation

    invitation_id = make_invitation(oidc_app, "postboks-lenke-svak")
    client = oidc_app.test_client()
    answer = _claim(client, "postboks-lenke-svak", "ny-lav")
    assert answer.status_code == 403 and not _signed_in(client)
    assert _refusals(oidc_app)[-1]["reason"] == "assurance-too-low"
    with oidc_app.app_context():
        assert db.session.get(Invitation, invitation_id).used_at is None
        assert db.session.scalar(sa.select(sa.func.count(Identity.id)).where(
            Identity.bound_by.like("invitation%"))) == 0


def test_a_link_cannot_take_over_an_account_that_signs_in_already(
        oidc_app: Flask, lavterskel: str):
    """An account bound to somebody's identity is theirs: a link to it (an old mail, a
    forwarded one) binds no second person. (One with a password never gets this far: the
    invitation page spends the link and sends its holder to the sign-in.)"""
    from survey_app.models import Invitation

    with oidc_app.app_context():
        user, _ = create_user("koordinator@lillehammer.kommune.no", "coordinator",
                              municipalities=["3405"])
        user.password_hash = None  # signs in only through the provider
        db.session.add(Identity(user_id=user.id, provider="kommune", subject="en-annen-person",
                                bound_by="test"))
        db.session.commit()
        user_id = user.id
    invitation_id = make_invitation(oidc_app, "lenke-til-en-bundet-konto",
                                "koordinator@lillehammer.kommune.no")
    client = oidc_app.test_client()
    answer = _claim(client, "lenke-til-en-bundet-konto", "ny")
    assert answer.status_code == 403 and not _signed_in(client)
    assert _refusals(oidc_app)[-1]["reason"] == "invitation-account-taken"
    with oidc_app.app_context():
        assert db.session.get(Invitation, invitation_id).used_at is None
        assert db.session.scalars(sa.select(Identity.subject).where(
            Identity.user_id == user_id)).all() == ["en-annen-person"]



# ---- what a hostile review found (each refused, nothing created, never a 500) ------------


def test_a_subject_too_long_or_padded_is_refused_not_a_server_error(oidc_app: Flask):
    client = oidc_app.test_client()
    _, answer = sign_in_at(client, "lang-sub")
    assert answer.status_code == 400 and _refusals(oidc_app)[-1]["detail"] == "subject"
    _, answer = sign_in_at(client, "mellomrom")  # kari's subject with spaces: not kari
    assert answer.status_code == 403 and not _signed_in(client)
    assert _refusals(oidc_app)[-1]["reason"] == "no-account"


def test_an_abandoned_invitation_is_not_claimed_by_the_next_plain_sign_in(
        oidc_app: Flask, lavterskel: str):
    from survey_app.models import Invitation

    invitation_id = make_invitation(oidc_app, "halvferdig-invitasjon")
    client = oidc_app.test_client()
    client.get("/invitasjon/halvferdig-invitasjon")
    client.post("/invitasjon/halvferdig-invitasjon/med/kommune")  # then goes away
    _, answer = sign_in_at(client, "ny")  # somebody else, from the sign-in page
    assert answer.status_code == 403 and not _signed_in(client)
    with oidc_app.app_context():
        assert db.session.get(Invitation, invitation_id).used_at is None
        assert db.session.scalar(sa.select(sa.func.count(Identity.id)).where(
            Identity.subject == ACCOUNTS["ny"]["sub"])) == 0


def test_of_two_browsers_claiming_one_link_the_second_is_refused(
        oidc_app: Flask, lavterskel: str):
    make_invitation(oidc_app, "to-nettlesere-samme-lenke")
    first, second = oidc_app.test_client(), oidc_app.test_client()
    backs = []
    for client, login in ((first, "ny"), (second, "mellomrom")):
        client.get("/invitasjon/to-nettlesere-samme-lenke")
        start = client.post("/invitasjon/to-nettlesere-samme-lenke/med/kommune")
        backs.append(through_provider(start.headers["Location"], login))
    assert first.get(backs[0].removeprefix("http://localhost")).status_code == 302
    refused = second.get(backs[1].removeprefix("http://localhost"))
    assert refused.status_code == 410 and not _signed_in(second)
    assert _refusals(oidc_app)[-1]["reason"] == "invitation-closed"


def test_a_link_is_spent_once_even_by_two_requests_that_both_found_it_unspent(
        oidc_app: Flask, lavterskel: str):
    """The race itself: both checks said "valid" before either spent it."""
    from survey_app.models.users import utcnow
    from survey_app.services import invitations

    invitation_id = make_invitation(oidc_app, "samtidig")
    with oidc_app.test_request_context("/"):
        now = utcnow()
        stale = invitations.check_again(invitation_id, now)
        invitations.accept_with_identity(
            invitations.check_again(invitation_id, now), now, bind=lambda _user: None,
            how={"identity": "kommune"})
        with pytest.raises(invitations.InvitationTaken):
            invitations.accept_with_identity(stale, now, bind=lambda _user: None,
                                             how={"identity": "kommune"})


def test_a_link_to_a_staff_account_binds_nothing_and_stays_unspent(
        oidc_app: Flask, lavterskel: str):
    from survey_app.models import Invitation

    with oidc_app.app_context():
        staff, _ = create_user("saksbehandler@lillehammer.kommune.no", "reviewer",
                               office="national")
        staff.password_hash = None
        db.session.commit()
    invitation_id = make_invitation(oidc_app, "lenke-til-saksbehandler",
                                    "saksbehandler@lillehammer.kommune.no")
    answer = _claim(oidc_app.test_client(), "lenke-til-saksbehandler", "ny")
    assert answer.status_code == 403
    assert _refusals(oidc_app)[-1]["reason"] == "wrong-provider"
    with oidc_app.app_context():
        assert db.session.get(Invitation, invitation_id).used_at is None
        assert db.session.scalar(sa.select(sa.func.count(Identity.id)).where(
            Identity.subject == ACCOUNTS["ny"]["sub"])) == 0


def test_a_claim_starts_only_from_the_invitation_pages_form(oidc_app: Flask, lavterskel: str):
    make_invitation(oidc_app, "bare-post")
    client = oidc_app.test_client()
    assert client.get("/invitasjon/bare-post/med/kommune").status_code == 405
    assert client.post("/invitasjon/ukjent-lenke/med/kommune").status_code == 404
    assert _refusals(oidc_app)[-1]["reason"] == "invitation-closed"


def test_starting_again_and_again_keeps_one_pending_sign_in(oidc_app: Flask):
    client = oidc_app.test_client()
    for _ in range(12):
        client.get("/logg-inn/med/kommune")
    with client.session_transaction() as session:
        assert len([k for k in session if k.startswith("_state_")]) == 1


def test_a_mistyped_assurance_setting_stops_the_start(database_url: str):
    from survey_app import create_app
    from survey_app.config import ConfigError
    from tests.conftest import make_config

    for wrong in ({"coordinator": {"acr": ("idporten-loa-substantial")}},  # no comma
                  {"coordinator": {"arc": ["idporten-loa-high"]}},
                  {"coordinator": {}}):
        with pytest.raises(ConfigError, match="OIDC_ASSURANCE"):
            create_app(make_config(database_url, OIDC_ASSURANCE=wrong))
