"""Bad ID tokens and a provider that is down (issue 13, "Bad input"): each refused with a
clear page, nothing created, an audit event written, never a 500.

The certified provider (tests/oidc_server.py) will not sign a token with a wrong issuer,
audience or nonce, nor one with `alg: none`. These tests run a small provider of their
own instead: a real HTTP server on a loopback port in this process that serves discovery,
its published keys (JWKS) and a token endpoint answering with the ID token a test crafted,
signed with a key made here. The service reaches it over HTTP with Authlib, exactly as it
reaches ID-porten; only the token's content is the test's choice.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from survey_app.extensions import db
from survey_app.models import AuditEvent, Identity, User, UserSession
from survey_app.services.users import create_user
from tests.conftest import NO_SMTP_PORT  # a loopback port nobody listens on

CLIENT_ID = "tilskudd-test"
CLIENT_SECRET = "s3cret-for-the-tests-only"
KARI = "kommune-kari-1"  # the subject bound to the coordinator's account
CODE = "a-code-from-the-provider"

NB_TITLE = "Innloggingen ble ikke fullført"
NOT_VERIFIED = {"nb": "Innloggingen kunne ikke bekreftes",
                "nn": "Innlogginga kunne ikkje stadfestast",
                "en": "The sign-in could not be confirmed"}
UNAVAILABLE = {"nb": "Innloggingstjenesten svarer ikke akkurat nå",
               "nn": "Innloggingstenesta svarar ikkje akkurat no",
               "en": "The sign-in service does not answer just now"}
NO_ACCOUNT = {"nb": "Denne identiteten er ikke koblet til en konto her",
              "nn": "Denne identiteten er ikkje kopla til ein konto her",
              "en": "This identity is not linked to an account here"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class LocalProvider:
    """Discovery, JWKS and a token endpoint on 127.0.0.1, answering what the test set."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={
        "kid": "test-key-1", "use": "sig", "alg": "RS256"}))
    algorithms: list[str] = field(default_factory=lambda: ["RS256"])
    token_endpoint: str = ""  # another address for the token endpoint (one that is down)
    jwks: dict[str, Any] | None = None  # what /jwks answers, if not the key above
    id_token: str | None = None  # the ID token the next token request gets
    token_answer: tuple[int, str, str] | None = None  # status, type, body instead
    token_requests: list[dict[str, str]] = field(default_factory=list)
    server: _Server | None = None

    @property
    def issuer(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def metadata(self) -> dict[str, Any]:
        return {"issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": self.token_endpoint or f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": self.algorithms,
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"]}

    def start(self) -> LocalProvider:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.provider = self
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # ---- tokens ---------------------------------------------------------------------------

    def claims(self, nonce: str | None, **changes: Any) -> dict[str, Any]:
        """A good ID token's claims for Kari, with `changes` (None removes a claim)."""
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": KARI, "aud": CLIENT_ID, "iat": now,
                  "exp": now + 300, "nonce": nonce, "acr": "idporten-loa-substantial",
                  "amr": ["BankID"], "name": "Kari Nordmann"}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def signed(self, claims: dict[str, Any], key: RSAKey | None = None) -> str:
        return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key or self.key)


class _Server(ThreadingHTTPServer):
    provider: LocalProvider


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows what the tests assert

    def _send(self, status: int, content_type: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        provider = self.server.provider
        if self.path == "/.well-known/openid-configuration":
            self._send(200, "application/json", json.dumps(provider.metadata()))
        elif self.path == "/jwks":
            jwks = provider.jwks if provider.jwks is not None else KeySet(
                [provider.key]).as_dict(private=False)
            self._send(200, "application/json", json.dumps(jwks))
        else:
            self._send(404, "text/plain", "not found")

    def do_POST(self) -> None:
        provider = self.server.provider
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        form["authorization"] = self.headers.get("Authorization", "")
        provider.token_requests.append(form)
        if self.path != "/token":
            self._send(404, "text/plain", "not found")
        elif provider.token_answer is not None:
            self._send(*provider.token_answer)
        elif form.get("code") != CODE or not form.get("code_verifier"):
            self._send(400, "application/json", json.dumps({"error": "invalid_grant"}))
        else:
            answer: dict[str, Any] = {"access_token": "an-access-token",
                                      "token_type": "Bearer", "expires_in": 300}
            if provider.id_token is not None:
                answer["id_token"] = provider.id_token
            self._send(200, "application/json", json.dumps(answer))


def unsigned(claims: dict[str, Any]) -> str:
    """An `alg: none` token: the claims and no signature at all."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def hs256_with_the_public_key(claims: dict[str, Any], key: RSAKey) -> str:
    """The algorithm-confusion forgery: HS256 keyed with the provider's public key."""
    import hashlib
    import hmac

    header = _b64(json.dumps({"alg": "HS256", "kid": "test-key-1"}).encode())
    body = _b64(json.dumps(claims).encode())
    secret = key.as_pem(private=False)
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


@pytest.fixture
def local_provider() -> Iterator[LocalProvider]:
    provider = LocalProvider().start()
    yield provider
    provider.stop()


def _settings(issuer: str) -> dict[str, dict[str, object]]:
    return {"kommune": {"issuer": issuer, "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET, "roles": ("coordinator",)}}


@pytest.fixture
def kari_app(app: Flask, make_app: Callable[..., Flask], local_provider: LocalProvider) -> Flask:
    """The service with the local provider as the municipalities' one, and Kari's account
    bound to her subject there (so a good token would sign her in)."""
    made = make_app(OIDC_PROVIDERS=_settings(local_provider.issuer))
    with made.app_context():
        kari, _ = create_user("kari@oslo.kommune.no", "coordinator", municipalities=["0301"])
        db.session.add(Identity(user_id=kari.id, provider="kommune", subject=KARI,
                                bound_by="test"))
        db.session.commit()
    return made


@dataclass
class Started:
    state: str
    nonce: str


def start_sign_in(client: FlaskClient, language: str = "nb") -> Started:
    if language != "nb":
        client.post(f"/sprak/{language}", data={"next": "/"})
    start = client.get("/logg-inn/med/kommune")
    assert start.status_code == 302, start.get_data(as_text=True)[:300]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    return Started(state=query["state"][0], nonce=query["nonce"][0])


def come_back(client: FlaskClient, started: Started) -> Any:
    return client.get(f"/logg-inn/med/kommune/svar?code={CODE}&state={started.state}")


def counts(app: Flask) -> tuple[int, int, int]:
    """Users, identities and signed-in sessions."""
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                     for model in (User, Identity, UserSession))  # type: ignore[return-value]


def refusals(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        return [e.after or {} for e in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "user.sign-in-refused").order_by(AuditEvent.id))]


def signed_in(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def assert_refused(app: Flask, client: FlaskClient, answer: Any, before: tuple[int, int, int],
                   status: int, reason: str, message: str) -> dict[str, Any]:
    page = answer.get_data(as_text=True)
    assert answer.status_code == status, page[:500]
    assert message in page, page[:2000]
    assert not signed_in(client)
    assert counts(app) == before  # no account, identity or session made
    found = refusals(app)
    assert found and found[-1]["reason"] == reason, found
    return found[-1]


# ---- the control: a good token from this provider signs Kari in -------------------------


def test_a_good_token_from_the_local_provider_signs_in(kari_app: Flask,
                                                       local_provider: LocalProvider):
    client = kari_app.test_client()
    started = start_sign_in(client)
    local_provider.id_token = local_provider.signed(local_provider.claims(started.nonce))
    answer = come_back(client, started)
    assert answer.status_code == 302 and signed_in(client)
    request = local_provider.token_requests[-1]
    assert request["authorization"].startswith("Basic ") and request["code_verifier"]
    assert refusals(kari_app) == []


# ---- bad tokens -------------------------------------------------------------------------------


def _other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})


BAD_TOKENS: dict[str, Callable[[LocalProvider, str], str]] = {
    "alg-none": lambda p, nonce: unsigned(p.claims(nonce)),
    "hs256-keyed-with-the-public-key": lambda p, nonce: hs256_with_the_public_key(
        p.claims(nonce), p.key),
    "signed-with-another-key": lambda p, nonce: p.signed(p.claims(nonce), _other_key()),
    "signature-of-another-token": lambda p, nonce: ".".join(
        p.signed(p.claims(nonce)).split(".")[:2]
        + p.signed(p.claims(nonce, sub="another")).split(".")[2:]),
    "wrong-issuer": lambda p, nonce: p.signed(p.claims(nonce, iss="https://idporten.example")),
    "no-issuer": lambda p, nonce: p.signed(p.claims(nonce, iss=None)),
    "wrong-audience": lambda p, nonce: p.signed(p.claims(nonce, aud="another-client")),
    # Another client's token naming us as the party it was for: still not for us.
    "wrong-audience-naming-us-as-azp": lambda p, nonce: p.signed(p.claims(
        nonce, aud="another-client", azp=CLIENT_ID)),
    "audiences-without-us": lambda p, nonce: p.signed(p.claims(
        nonce, aud=["another-client", "a-third"], azp=CLIENT_ID)),
    "no-audience": lambda p, nonce: p.signed(p.claims(nonce, aud=None)),
    "expired": lambda p, nonce: p.signed(p.claims(
        nonce, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
    "not-yet-valid": lambda p, nonce: p.signed(p.claims(nonce, nbf=int(time.time()) + 3600)),
    "no-expiry": lambda p, nonce: p.signed(p.claims(nonce, exp=None)),
    "wrong-nonce": lambda p, nonce: p.signed(p.claims("a-nonce-of-another-sign-in")),
    "no-nonce": lambda p, nonce: p.signed(p.claims(None)),
    "not-a-token": lambda p, nonce: "not.a.token",
    "garbled-header": lambda p, nonce: "e30." + p.signed(p.claims(nonce)).split(".", 1)[1],
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_a_bad_id_token_is_refused_and_nothing_is_created(
        kari_app: Flask, local_provider: LocalProvider, kind: str):
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client)
    local_provider.id_token = BAD_TOKENS[kind](local_provider, started.nonce)
    answer = come_back(client, started)
    assert NB_TITLE in answer.get_data(as_text=True)
    assert_refused(kari_app, client, answer, before, 400, "not-verified", NOT_VERIFIED["nb"])


def test_alg_none_is_refused_even_when_the_provider_lists_it(
        kari_app: Flask, local_provider: LocalProvider):
    """A provider (or somebody between us and its discovery document) may list "none"
    among its algorithms; a token without a signature is still no proof of anything."""
    local_provider.algorithms = ["RS256", "none"]
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client)
    local_provider.id_token = unsigned(local_provider.claims(started.nonce))
    answer = come_back(client, started)
    assert_refused(kari_app, client, answer, before, 400, "not-verified", NOT_VERIFIED["nb"])


@pytest.mark.parametrize("language", ["nn", "en"])
def test_the_refusal_is_in_the_browsers_language(
        kari_app: Flask, local_provider: LocalProvider, language: str):
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client, language)
    local_provider.id_token = local_provider.signed(local_provider.claims(
        started.nonce, iss="https://idporten.example"))
    answer = come_back(client, started)
    assert_refused(kari_app, client, answer, before, 400, "not-verified",
                   NOT_VERIFIED[language])


def test_a_token_for_the_right_browser_cannot_be_used_in_another_sign_in(
        kari_app: Flask, local_provider: LocalProvider):
    """A good token, but made for the first sign-in: the second (same browser) has a
    nonce of its own, and the first sign-in's state is spent."""
    client = kari_app.test_client()
    first = start_sign_in(client)
    second = start_sign_in(client)  # the first one is forgotten
    local_provider.id_token = local_provider.signed(local_provider.claims(first.nonce))
    before = counts(kari_app)
    assert come_back(client, first).status_code == 400  # its state is gone
    answer = come_back(client, second)  # the nonce in the token is the first one's
    assert_refused(kari_app, client, answer, before, 400, "not-verified", NOT_VERIFIED["nb"])
    assert [r["reason"] for r in refusals(kari_app)] == ["not-verified", "not-verified"]


def test_a_token_answer_without_an_id_token_signs_nobody_in(
        kari_app: Flask, local_provider: LocalProvider):
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client)
    local_provider.id_token = None  # an OAuth answer, no OpenID Connect
    answer = come_back(client, started)
    assert_refused(kari_app, client, answer, before, 400, "not-verified", NOT_VERIFIED["nb"])


def test_a_refused_code_is_a_clear_page(kari_app: Flask, local_provider: LocalProvider):
    """The provider says the code is spent or unknown (a replayed callback)."""
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client)
    answer = client.get(f"/logg-inn/med/kommune/svar?code=a-used-code&state={started.state}")
    assert_refused(kari_app, client, answer, before, 400, "not-verified", NOT_VERIFIED["nb"])


# ---- an unknown subject -----------------------------------------------------------------------


def test_an_unknown_subject_with_a_known_e_mail_is_refused_and_nothing_is_made(
        kari_app: Flask, local_provider: LocalProvider):
    """A good token for somebody bound to no account and with no invitation: no account
    is made for them or found by their e-mail (Kari's)."""
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client, "nn")
    local_provider.id_token = local_provider.signed(local_provider.claims(
        started.nonce, sub="kommune-ukjent-9", email="kari@oslo.kommune.no",
        email_verified=True))
    answer = come_back(client, started)
    event = assert_refused(kari_app, client, answer, before, 403, "no-account",
                           NO_ACCOUNT["nn"])
    assert event["subject"] == "kommune-ukjent-9" and event["provider"] == "kommune"


# ---- a provider that is down -----------------------------------------------------------------


def test_a_provider_whose_discovery_does_not_answer_gets_a_page_saying_so(
        app: Flask, make_app: Callable[..., Flask]):
    down = make_app(OIDC_PROVIDERS=_settings(f"http://127.0.0.1:{NO_SMTP_PORT}"))
    before = counts(down)
    for language in ("nb", "nn", "en"):
        client = down.test_client()
        if language != "nb":
            client.post(f"/sprak/{language}", data={"next": "/"})
        answer = client.get("/logg-inn/med/kommune")
        assert_refused(down, client, answer, before, 503, "provider-unavailable",
                       UNAVAILABLE[language])


def test_a_token_endpoint_that_refuses_connections_gets_a_page_saying_so(
        kari_app: Flask, local_provider: LocalProvider):
    local_provider.token_endpoint = f"http://127.0.0.1:{NO_SMTP_PORT}/token"
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client, "en")
    answer = come_back(client, started)
    assert_refused(kari_app, client, answer, before, 503, "provider-unavailable",
                   UNAVAILABLE["en"])


def test_a_provider_gone_between_the_start_and_the_answer_gets_a_page_saying_so(
        kari_app: Flask, local_provider: LocalProvider):
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client)
    local_provider.stop()  # discovery was read at the start; now nothing answers
    answer = come_back(client, started)
    assert_refused(kari_app, client, answer, before, 503, "provider-unavailable",
                   UNAVAILABLE["nb"])


@pytest.mark.parametrize(("answer", "status", "reason"), [
    ((500, "text/html", "<html><body>Internal Server Error</body></html>"), 503,
     "provider-unavailable"),
    ((502, "text/html", "<html><body>Bad Gateway</body></html>"), 503, "provider-unavailable"),
    ((503, "application/json", json.dumps({"error": "temporarily_unavailable"})), 503,
     "provider-unavailable"),
    ((200, "application/json", "not json at all"), 400, "not-verified"),
    ((200, "application/json", json.dumps(["a", "list"])), 400, "not-verified"),
])
def test_a_token_endpoint_in_trouble_gets_a_clear_page(
        kari_app: Flask, local_provider: LocalProvider, answer: tuple[int, str, str],
        status: int, reason: str):
    local_provider.token_answer = answer
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client)
    page = come_back(client, started)
    assert_refused(kari_app, client, page, before, status, reason,
                   UNAVAILABLE["nb"] if status == 503 else NOT_VERIFIED["nb"])


def test_a_provider_answering_not_now_gets_a_page_saying_so(kari_app: Flask):
    """The provider sends the browser back with its own "temporarily unavailable"."""
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client, "nn")
    answer = client.get("/logg-inn/med/kommune/svar?error=temporarily_unavailable"
                        f"&state={started.state}")
    assert_refused(kari_app, client, answer, before, 503, "provider-unavailable",
                   UNAVAILABLE["nn"])


@pytest.mark.parametrize("jwks", [{"keys": "not a list"}, {"keys": [{"kty": "RSA"}]},
                                  {"nothing": True}])
def test_published_keys_that_make_no_sense_refuse_the_sign_in(
        kari_app: Flask, local_provider: LocalProvider, jwks: dict[str, Any]):
    local_provider.jwks = jwks
    client = kari_app.test_client()
    before = counts(kari_app)
    started = start_sign_in(client)
    local_provider.id_token = local_provider.signed(local_provider.claims(started.nonce))
    answer = come_back(client, started)
    assert_refused(kari_app, client, answer, before, 400, "not-verified", NOT_VERIFIED["nb"])
