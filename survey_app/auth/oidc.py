"""Sign-in through OpenID Connect: ID-porten / Ansattporten for the municipalities, Entra ID
for state staff, side by side (issue 13).

Authlib's Flask client does the protocol: discovery, the authorization-code flow with
PKCE (S256), `state` and `nonce` kept in the session, the token exchange, and the ID
token's signature (the provider's published keys), issuer, audience, expiry and nonce.
This module decides who that is here:

* the person is the account bound to the provider's stable subject (`identities`), never
  an account found by the name or e-mail in the token;
* the account's role may sign in with this provider (`OIDC_PROVIDERS[...]["roles"]`);
* the assurance the provider reports is enough for the role (`OIDC_ASSURANCE`: accepted
  `acr` values and/or an `amr` method such as a second factor).

Every refusal is an audit event with its reason, and the person sees what to do, never
the protocol's words. Providers are configured in the environment (config.py:
OIDC_KOMMUNE_* and OIDC_STAT_*); a provider without an issuer is not offered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError, UnsupportedAlgorithmError
from joserfc.jws import extract_compact
from requests import RequestException
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from survey_app import audit
from survey_app.access import public
from survey_app.auth.signin import start_session
from survey_app.extensions import db
from survey_app.lookups import report_url_of
from survey_app.models import Identity, User
from survey_app.models.users import utcnow
from survey_app.security import safe_next
from survey_app.services import invitations

bp = Blueprint("oidc", __name__)

# The providers this service knows, by the name in their URLs. Which roles may use each
# is our choice (issue 13: municipalities through ID-porten / Ansattporten, state staff
# through Entra ID); config.OIDC_PROVIDERS may narrow or widen it.
PROVIDER_NAMES = ("kommune", "stat")
LABELS = {"kommune": _l("Sign in with ID-porten"), "stat": _l("Sign in with Entra ID")}

# Session keys: where to go after the sign-in, and what single logout needs.
NEXT = "oidc_next"
INVITATION = "oidc_invitation"  # the id of the invitation link this sign-in claims
SIGNED_IN_WITH = "oidc_provider"
SUBJECT_LENGTH = 255  # Identity.subject's column; OIDC Core allows at most 255 ASCII
# The signatures an ID token may carry, whatever the provider's discovery lists: public-key
# ones only, never "none" (no signature at all) nor an HMAC keyed with a shared secret.
SIGNING_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                "ES256", "ES384", "ES512", "EdDSA"})
# The provider's own words for "not now" in its answer (RFC 6749, 4.1.2.1).
PROVIDER_TROUBLE = ("server_error", "temporarily_unavailable")


@dataclass(frozen=True)
class Provider:
    name: str
    roles: tuple[str, ...]

    @property
    def label(self) -> str:
        return str(LABELS[self.name])


def init_app(app: Flask) -> None:
    """Registers every configured provider with Authlib (discovery happens on first use).

    One registry per app, not one for the process: Authlib keeps the first client made
    under a name, so apps with other providers (the tests make several) must not share."""
    oauth = OAuth(app)
    app.extensions["oidc"] = oauth
    for name, settings in configured(app.config).items():
        oauth.register(
            name, client_id=settings["client_id"], client_secret=settings["client_secret"],
            server_metadata_url=settings["issuer"].rstrip("/")
            + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256",
                           "timeout": 10})


def configured(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The providers with an issuer, a client id and a secret, by name."""
    found = {}
    for name, settings in (config.get("OIDC_PROVIDERS") or {}).items():
        if name in PROVIDER_NAMES and all(settings.get(k) for k in
                                          ("issuer", "client_id", "client_secret")):
            found[name] = settings
    return found


def providers() -> list[Provider]:
    """The providers offered on the sign-in page, in a fixed order."""
    settings = configured(current_app.config)
    return [Provider(name, tuple(settings[name].get("roles", ()))) for name in PROVIDER_NAMES
            if name in settings]


def _external(endpoint: str, **values: Any) -> str:
    """An absolute address of ours for the provider: from PUBLIC_URL where it is set (the
    address the provider knows, whatever Host header came in), else from the request."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return str(public).rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _client(name: str) -> Any:
    """Authlib's client for a configured provider of this app."""
    return current_app.extensions["oidc"].create_client(name)


def _provider(name: str) -> Provider:
    found = next((p for p in providers() if p.name == name), None)
    if found is None:
        abort(404)
    return found


def assurance_ok(role: str, claims: Mapping[str, Any],
                 required: Mapping[str, Mapping[str, Sequence[str]]]) -> bool:
    """Whether the sign-in's reported assurance is enough for the role: the `acr` is one
    of the accepted values, and the `amr` names one of the accepted methods, for each of
    the two the role's requirement lists. A role without a requirement is refused."""
    needs = required.get(role)
    if not needs:
        return False
    acr_ok = "acr" not in needs or str(claims.get("acr", "")) in needs["acr"]
    methods = claims.get("amr") or []
    amr_ok = "amr" not in needs or (isinstance(methods, list)
                                    and any(str(m) in needs["amr"] for m in methods))
    return acr_ok and amr_ok


@bp.route("/logg-inn/med/<name>")
@public  # the start of a sign-in; the provider's answer is bound to it by state and nonce
def start(name: str) -> Response | tuple[str, int]:
    provider = _provider(name)
    # One sign-in at a time per browser: an earlier, abandoned one (its Authlib state, an
    # invitation it was claiming) is forgotten, so it can neither be claimed by this one
    # nor pile up in the session cookie.
    for key in [k for k in session if k.startswith("_state_") or k == INVITATION]:
        session.pop(key)
    session[NEXT] = safe_next(request.args.get("next")) or ""
    client = _client(provider.name)
    try:
        return client.authorize_redirect(_external("oidc.callback", name=provider.name))
    except (RequestException, OAuthError, ValueError) as error:  # discovery failed
        current_app.logger.warning("OpenID Connect discovery at %s failed: %s", name, error)
        return _refused(provider, "provider-unavailable", 503)


@bp.route("/logg-inn/med/<name>/svar")
@public  # the provider's answer: checked against the state and nonce this browser holds
def callback(name: str) -> Response | tuple[str, int]:
    provider = _provider(name)
    client = _client(provider.name)
    invitation_id = session.pop(INVITATION, None)  # claimed by this answer or by none
    if request.args.get("error"):
        return _provider_said_no(provider, request.args["error"])
    try:
        token = _checked_token(client, provider)
    except RequestException as error:  # the provider did not answer, or not in JSON
        current_app.logger.warning("OpenID Connect token request at %s failed: %s", name, error)
        return _refused(provider, "provider-unavailable", 503, detail=type(error).__name__)
    except (OAuthError, JoseError, ValueError, KeyError, TypeError) as error:
        # A replayed or foreign state, a bad signature, a wrong issuer, audience or nonce,
        # an expired token, keys that make no sense: nothing is signed in.
        return _refused(provider, "not-verified", 400, detail=type(error).__name__)
    claims = token.get("userinfo") or {}
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_LENGTH:
        return _refused(provider, "not-verified", 400, detail="subject")
    identity = db.session.scalar(sa.select(Identity).where(
        Identity.provider == provider.name, Identity.subject == subject))
    if identity is None and isinstance(invitation_id, int):
        claimed = _claim_invitation(provider, claims, subject, invitation_id)
        if not isinstance(claimed, Identity):
            return claimed
        identity = claimed
    user = identity.user if identity is not None else None
    if user is None or not user.active:
        return _refused(provider, "no-account", 403, subject=subject, user=user)
    if user.role not in provider.roles:
        return _refused(provider, "wrong-provider", 403, subject=subject, user=user)
    if not assurance_ok(user.role, claims, current_app.config["OIDC_ASSURANCE"]):
        return _refused(provider, "assurance-too-low", 403, subject=subject, user=user,
                        detail=str(claims.get("acr", ""))[:80])
    assert identity is not None
    identity.last_used_at = utcnow()
    target = session.get(NEXT) or url_for("main.home")
    start_session(user, via=provider.name)  # a fresh session: no fixation
    # Only the provider's name, for single logout: the ID token itself would make the
    # (signed, not encrypted) cookie carry the person's claims and outgrow 4 KB.
    session[SIGNED_IN_WITH] = provider.name
    return redirect(target)


def _provider_said_no(provider: Provider, error: str) -> tuple[str, int]:
    if error in PROVIDER_TROUBLE:  # the provider's own "not now"
        return _refused(provider, "provider-unavailable", 503, detail=error)
    return _refused(provider, "cancelled", 400, detail=error[:80])


def _checked_token(client: Any, provider: Provider) -> dict[str, Any]:
    """The provider's token answer for this browser's state, its ID token checked.

    Authlib checks the state, the signature against the provider's published keys, the
    expiry, the nonce and the issuer. Two checks are added here: the token names this
    client among its audiences (Authlib alone checks only `azp`, so another client's token
    naming us as its authorized party would pass), and it carries a public-key signature,
    even if the provider's discovery lists "none"."""
    metadata = client.load_server_metadata()
    # Authlib verifies with the algorithms this (its cached) discovery document lists.
    listed = metadata.get("id_token_signing_alg_values_supported")
    metadata["id_token_signing_alg_values_supported"] = [
        a for a in (listed if isinstance(listed, list) else []) if a in SIGNING_ALGORITHMS
    ] or sorted(SIGNING_ALGORITHMS)
    issuer = metadata.get("issuer") or configured(current_app.config)[provider.name]["issuer"]
    token: dict[str, Any] = client.authorize_access_token(claims_options={
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client.client_id}})
    if "id_token" in token:  # verified by Authlib with the algorithm its header names
        algorithm = extract_compact(str(token["id_token"]).encode()).protected.get("alg")
        if algorithm not in SIGNING_ALGORITHMS:
            raise UnsupportedAlgorithmError(f"an ID token signed with {algorithm!r}")
    return token


@bp.route("/invitasjon/<token>/med/<name>", methods=["POST"])
@public  # the token in the link is the credential; the post carries the page's CSRF token
def from_invitation(token: str, name: str) -> Response | tuple[str, int]:
    """An invitee signs in at the municipalities' provider; the identity they sign in
    with then becomes the invitation's account (see `_claim_invitation`). A POST from the
    invitation page, never a GET: a link in somebody else's mail must not start a claim
    that binds the clicker's identity to the sender's account."""
    provider = _provider(name)
    if "coordinator" not in provider.roles:
        abort(404)
    check = invitations.use_invitation(token, utcnow())
    if check.state != "valid" or check.invitation is None:
        _record_refusal(provider, "invitation-closed", detail=check.state)
        return render_template("auth/invitation_closed.html", state=check.state), (
            404 if check.state == "unknown" else 410)
    session["lang"] = invitations.language_of(check.invitation)  # the invitation's own
    started = start(provider.name)
    if isinstance(started, tuple):  # the provider does not answer: nothing to claim
        return started
    session[INVITATION] = check.invitation.id
    session[NEXT] = report_url_of(check.invitation.recipient.grant_id)  # land on the report
    return started


def _claim_invitation(provider: Provider, claims: Mapping[str, Any], subject: str,
                      invitation_id: int) -> Identity | tuple[str, int]:
    """Binds a new identity to the account of the invitation this browser opened: the
    account is made for a post box as with a password, and on the record who claimed
    it (the provider's subject and the name it gave). An account that can sign in
    already (a password, or an identity there), or whose role signs in elsewhere, is not
    taken over by a link; of two claims at once, one wins and the other is refused."""
    check = invitations.check_again(invitation_id, utcnow())
    if check.state != "valid" or check.invitation is None:
        return _refused(provider, "invitation-closed", 410, subject=subject,
                        detail=f"invitation {invitation_id}")
    user = check.user
    role = user.role if user is not None else "coordinator"
    if role not in provider.roles:
        return _refused(provider, "wrong-provider", 403, subject=subject, user=user)
    if not assurance_ok(role, claims, current_app.config["OIDC_ASSURANCE"]):
        return _refused(provider, "assurance-too-low", 403, subject=subject, user=user,
                        detail=str(claims.get("acr", ""))[:80])
    if user is not None and (check.has_password or db.session.scalar(
            sa.select(Identity.id).where(Identity.user_id == user.id,
                                         Identity.provider == provider.name))):
        return _refused(provider, "invitation-account-taken", 403, subject=subject, user=user,
                        detail=f"invitation {invitation_id}")
    bound: list[Identity] = []
    try:
        invitations.accept_with_identity(
            check, utcnow(),
            bind=lambda account: bound.append(bind(account, provider.name, subject,
                                                   by=f"invitation {invitation_id}",
                                                   replace=False)),
            how={"identity": provider.name, "subject": subject,
                 "name": str(claims.get("name", ""))[:200]})
    except (invitations.InvitationTaken, IntegrityError, ValueError):
        db.session.rollback()  # another browser claimed it a moment ago: theirs it is
        return _refused(provider, "invitation-closed", 410, subject=subject,
                        detail=f"invitation {invitation_id}")
    return bound[0]


def logout_target() -> str | None:
    """Where single logout sends the browser after the local sign-out: the provider's
    end-session endpoint, if the session came from a provider that has one."""
    name = session.get(SIGNED_IN_WITH)
    if name not in configured(current_app.config):
        return None
    client = _client(name)
    try:
        endpoint = client.load_server_metadata().get("end_session_endpoint")
    except (RequestException, OAuthError, ValueError):
        return None
    if not endpoint:
        return None
    return f"{endpoint}?" + urlencode({
        "client_id": client.client_id,
        "post_logout_redirect_uri": _external("auth.login")})


REASONS = {
    "cancelled": _l("The sign-in was cancelled at the provider. Try again."),
    "not-verified": _l("The sign-in could not be confirmed. It may have taken too long, or "
                       "been started in another browser or tab. Start it again from this "
                       "page."),
    "no-account": _l("This identity is not linked to an account here. Use the personal link "
                     "from your invitation e-mail, or ask the Directorate to link it."),
    "wrong-provider": _l("Your account signs in another way. Choose the other sign-in on "
                         "this page."),
    "assurance-too-low": _l("Your account needs a stronger sign-in than the one you used. "
                            "Sign in again with a higher security level (for example "
                            "BankID)."),
    "invitation-closed": _l("The invitation link has expired or has been used. Sign in, or "
                            "ask for a new link."),
    "invitation-account-taken": _l("The account of this invitation signs in already. Sign "
                                   "in the way you usually do."),
    "provider-unavailable": _l("The sign-in service does not answer just now. Try again in "
                               "a few minutes."),
}


def _refused(provider: Provider, reason: str, status: int, subject: str = "",
             user: User | None = None, detail: str = "") -> tuple[str, int]:
    _record_refusal(provider, reason, subject, user, detail)
    return render_template("auth/oidc_refused.html", provider=provider,
                           message=str(REASONS[reason]), reason=reason), status


def _record_refusal(provider: Provider, reason: str, subject: str = "",
                    user: User | None = None, detail: str = "") -> None:
    audit.record("user.sign-in-refused", "sign-in", user.id if user is not None else "-",
                 after={"provider": provider.name, "reason": reason,
                        "subject": subject[:SUBJECT_LENGTH], "detail": detail,
                        "client": request.remote_addr or ""})
    db.session.commit()


def bind(user: User, provider: str, subject: str, by: str, replace: bool = True) -> Identity:
    """Binds a provider's subject, exactly as the provider sends it, to the account. An
    earlier one there is replaced (an admin correcting it) unless `replace` is False."""
    if provider not in PROVIDER_NAMES:
        raise ValueError(f"unknown provider {provider!r}: one of {', '.join(PROVIDER_NAMES)}")
    if not subject or len(subject) > SUBJECT_LENGTH:
        raise ValueError(f"the subject must be 1–{SUBJECT_LENGTH} characters")
    taken = db.session.scalar(sa.select(Identity).where(
        Identity.provider == provider, Identity.subject == subject))
    if taken is not None and taken.user_id != user.id:
        raise ValueError(f"that subject is bound to another account (user {taken.user_id})")
    existing = db.session.scalar(sa.select(Identity).where(
        Identity.user_id == user.id, Identity.provider == provider))
    before = {"subject": existing.subject} if existing is not None else None
    if existing is not None and not replace:
        raise ValueError("the account has an identity there already")
    if existing is None:
        existing = Identity(user_id=user.id, provider=provider, subject=subject, bound_by=by)
        db.session.add(existing)
    else:
        existing.subject, existing.bound_by, existing.bound_at = subject, by, utcnow()
    db.session.flush()
    audit.record("user.identity-bound", "user", user.id, before=before,
                 after={"provider": provider, "subject": subject, "by": by})
    return existing
