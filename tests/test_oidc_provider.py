"""The test OpenID Connect provider itself (tests/oidc/provider.mjs), driven with urllib.

The sign-in tests of the service rely on these promises: discovery, a code flow that
demands PKCE, the account's sub/acr/amr/e-mail in the ID token, a login page that refuses an
unknown name, and a provider that publishes the wrong key when asked to.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import http.cookiejar
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import pytest

from tests.conftest import missing
from tests.oidc_server import INSTALL_HINT, OidcProvider, provider_missing

REDIRECT_URI = "http://127.0.0.1:1/cb"
AFTER_LOGOUT = "http://127.0.0.1:1/logget-ut"
CLIENT = {
    "client_id": "tilskudd",
    "client_secret": "hemmelig-klientnokkel",
    "redirect_uris": [REDIRECT_URI],
    "post_logout_redirect_uris": [AFTER_LOGOUT],
}
ACCOUNTS = {
    "kari": {
        "sub": "idporten-sub-kari-0001",
        "email": "kari@volda.kommune.no",
        "email_verified": True,
        "name": "Kari Nordmann",
        "acr": "idporten-loa-substantial",
        "amr": ["pwd", "otp"],
    },
    "ola": {
        "sub": "entra-sub-ola-0002",
        "email": "ola@helsedir.no",
        "email_verified": True,
        "name": "Ola Nordmann",
        "acr": "idporten-loa-low",
        "amr": ["pwd"],
    },
}


def require_provider() -> None:
    reason = provider_missing()
    if reason:
        missing(reason, INSTALL_HINT)


def _start(bad_jwks: bool) -> Iterator[OidcProvider]:
    require_provider()
    provider = OidcProvider.start([CLIENT], ACCOUNTS, bad_jwks=bad_jwks)
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    yield from _start(bad_jwks=False)


@pytest.fixture(scope="module")
def bad_jwks_provider() -> Iterator[OidcProvider]:
    yield from _start(bad_jwks=True)


class StopAtClient(urllib.request.HTTPRedirectHandler):
    """Follows the provider's own redirects; the one back to the client is the result."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int,
                         msg: str, headers: http.client.HTTPMessage, newurl: str
                         ) -> urllib.request.Request | None:
        if newurl.startswith("http://127.0.0.1:1/"):
            fp.close()  # urllib closes it only when it follows the redirect
            raise ClientRedirect(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class ClientRedirect(Exception):
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass
class Page:
    url: str
    status: int
    body: str


class Browser:
    """A user agent with cookies: enough to walk the provider's pages without JavaScript."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), StopAtClient())

    def open(self, url: str, form: dict[str, str] | None = None) -> Page:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(url, data=data, timeout=30) as response:
                return Page(response.geturl(), response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                return Page(error.geturl(), error.code, error.read().decode())


def get_json(url: str) -> Any:
    with urllib.request.build_opener().open(url, timeout=30) as response:
        return json.load(response)


def discovery(provider: OidcProvider) -> dict[str, Any]:
    document: dict[str, Any] = get_json(f"{provider.issuer}/.well-known/openid-configuration")
    return document


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def b64url_json(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def authorize_url(provider: OidcProvider, state: str, nonce: str, challenge: str | None) -> str:
    params = {
        "client_id": CLIENT["client_id"],
        "response_type": "code",
        "scope": "openid profile email",
        "redirect_uri": REDIRECT_URI,
        "state": state,
        "nonce": nonce,
    }
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return f"{discovery(provider)['authorization_endpoint']}?{urllib.parse.urlencode(params)}"


def login_form_action(page: Page) -> str:
    match = re.search(r'<form method="post" action="([^"]+)"', page.body)
    assert match, page.body
    return urllib.parse.urljoin(page.url, match.group(1))


def redirect_to_client(browser: Browser, url: str, form: dict[str, str] | None = None
                       ) -> dict[str, str]:
    with pytest.raises(ClientRedirect) as stopped:
        browser.open(url, form)
    location = urllib.parse.urlsplit(stopped.value.location)
    assert f"{location.scheme}://{location.netloc}{location.path}" in (REDIRECT_URI,
                                                                       AFTER_LOGOUT)
    return dict(urllib.parse.parse_qsl(location.query))


def token_request(provider: OidcProvider, code: str, verifier: str, basic_auth: bool = True
                  ) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    opener = urllib.request.build_opener()
    if basic_auth:  # client_secret_basic
        basic = base64.b64encode(f"{CLIENT['client_id']}:{CLIENT['client_secret']}".encode())
        opener.addheaders = [("Authorization", f"Basic {basic.decode()}")]
    else:  # client_secret_post
        form |= {"client_id": CLIENT["client_id"], "client_secret": CLIENT["client_secret"]}
    data = urllib.parse.urlencode(form).encode()
    with opener.open(discovery(provider)["token_endpoint"], data=data, timeout=30) as response:
        tokens: dict[str, Any] = json.load(response)
    return tokens


def sign_in(provider: OidcProvider, login: str, basic_auth: bool = True
            ) -> tuple[Browser, str, str]:
    """The whole code flow with PKCE; returns the browser, the raw ID token and the nonce."""
    browser = Browser()
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    page = browser.open(authorize_url(provider, state, nonce, challenge))
    assert page.status == 200
    assert "<h1>Test-innlogging</h1>" in page.body
    callback = redirect_to_client(browser, login_form_action(page), {"login": login})
    assert callback["state"] == state
    tokens = token_request(provider, callback["code"], verifier, basic_auth)
    return browser, tokens["id_token"], nonce


def test_discovery_has_issuer_pkce_and_logout(provider: OidcProvider) -> None:
    document = discovery(provider)

    assert document["issuer"] == provider.issuer
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", provider.issuer)
    assert "S256" in document["code_challenge_methods_supported"]
    assert document["end_session_endpoint"].startswith(provider.issuer)


def test_login_page_is_norwegian_with_a_labelled_field(provider: OidcProvider) -> None:
    _, challenge = pkce_pair()
    page = Browser().open(authorize_url(provider, "s", "n", challenge))

    assert page.status == 200
    assert '<html lang="nb">' in page.body
    assert '<label for="login">Brukernavn</label>' in page.body
    assert '<input id="login" name="login"' in page.body
    assert '<button type="submit">Logg inn</button>' in page.body


def test_code_flow_gives_the_accounts_claims_in_the_id_token(provider: OidcProvider) -> None:
    _, id_token, nonce = sign_in(provider, "kari")

    header, payload, _ = id_token.split(".")
    claims = b64url_json(payload)
    kari = ACCOUNTS["kari"]
    assert b64url_json(header)["alg"] == "RS256"
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == CLIENT["client_id"]
    assert claims["sub"] == kari["sub"]
    assert claims["acr"] == kari["acr"]
    assert claims["amr"] == kari["amr"]
    assert claims["nonce"] == nonce
    assert isinstance(claims["auth_time"], int)
    assert claims["email"] == kari["email"]
    assert claims["email_verified"] is True
    assert claims["name"] == kari["name"]


def test_each_account_gets_its_own_acr(provider: OidcProvider) -> None:
    _, id_token, _ = sign_in(provider, "ola")

    claims = b64url_json(id_token.split(".")[1])
    assert claims["sub"] == ACCOUNTS["ola"]["sub"]
    assert claims["acr"] == "idporten-loa-low"
    assert claims["amr"] == ["pwd"]


def test_client_may_send_its_secret_in_the_form(provider: OidcProvider) -> None:
    _, id_token, _ = sign_in(provider, "kari", basic_auth=False)

    assert b64url_json(id_token.split(".")[1])["sub"] == ACCOUNTS["kari"]["sub"]


def test_a_request_without_pkce_is_refused(provider: OidcProvider) -> None:
    callback = redirect_to_client(Browser(), authorize_url(provider, "st", "n", None))

    assert callback["error"] == "invalid_request"
    assert "PKCE" in callback["error_description"]
    assert "code" not in callback


def test_unknown_login_name_is_refused_on_the_page(provider: OidcProvider) -> None:
    browser = Browser()
    _, challenge = pkce_pair()
    page = browser.open(authorize_url(provider, "st", "n", challenge))

    refused = browser.open(login_form_action(page), {"login": "nobody"})

    assert refused.status == 400
    assert "Ukjent brukernavn: nobody" in refused.body
    assert '<input id="login" name="login"' in refused.body


def test_logout_with_id_token_hint_returns_to_the_client(provider: OidcProvider) -> None:
    browser, id_token, _ = sign_in(provider, "kari")
    query = urllib.parse.urlencode({"id_token_hint": id_token,
                                    "post_logout_redirect_uri": AFTER_LOGOUT,
                                    "state": "ut"})
    page = browser.open(f"{discovery(provider)['end_session_endpoint']}?{query}")
    assert page.status == 200
    assert "Logg ut</button>" in page.body
    form = re.search(r'<form[^>]*id="op.logoutForm"[^>]*>(.*?)</form>', page.body, re.S)
    assert form, page.body
    action = re.search(r'action="([^"]+)"', form.group(0))
    assert action
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(1)))

    back = redirect_to_client(browser, urllib.parse.urljoin(page.url, action.group(1)),
                              {**fields, "logout": "yes"})

    assert back == {"state": "ut"}
    # The provider's session is gone: the next authorization shows the login page again.
    _, challenge = pkce_pair()
    again = browser.open(authorize_url(provider, "s2", "n2", challenge))
    assert "<h1>Test-innlogging</h1>" in again.body


def test_bad_jwks_publishes_a_key_that_did_not_sign(bad_jwks_provider: OidcProvider) -> None:
    _, id_token, _ = sign_in(bad_jwks_provider, "kari")

    signed_with = b64url_json(id_token.split(".")[0])["kid"]
    published = get_json(discovery(bad_jwks_provider)["jwks_uri"])["keys"]
    assert published
    assert signed_with not in {key["kid"] for key in published}
    assert all(key["kty"] == "RSA" and "d" not in key for key in published)


def test_good_provider_publishes_the_signing_key(provider: OidcProvider) -> None:
    _, id_token, _ = sign_in(provider, "kari")

    signed_with = b64url_json(id_token.split(".")[0])["kid"]
    published = get_json(discovery(provider)["jwks_uri"])["keys"]
    assert signed_with in {key["kid"] for key in published}
    assert all("d" not in key for key in published)


def test_a_bad_client_stops_the_start_with_the_reason() -> None:
    require_provider()
    broken = {**CLIENT, "redirect_uris": "http://127.0.0.1:1/cb"}  # not a list

    with pytest.raises(RuntimeError, match="redirect_uris must be an array"):
        OidcProvider.start([broken], ACCOUNTS)


def test_stop_ends_the_provider() -> None:
    require_provider()
    provider = OidcProvider.start([CLIENT], ACCOUNTS)

    provider.stop()

    assert provider.process.poll() is not None
    with pytest.raises(urllib.error.URLError):
        get_json(f"{provider.issuer}/.well-known/openid-configuration")
