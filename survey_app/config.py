"""Settings, read in order: defaults, then ``instance/config.py``, then the environment.

``make run`` writes ``instance/config.py`` for a development checkout (a random
SECRET_KEY and APP_ENV = "development"); production sets everything in the environment.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "production", "testing")

MAIL_BACKENDS = ("smtp", "outbox")


def flag(text: str) -> bool:
    """An on/off environment value: 1/true/yes/on (any case) is on, anything else off."""
    return text.strip().lower() in ("1", "true", "yes", "on")


# Keys that may come from the environment, and how to read them.
_ENV_KEYS: dict[str, Callable[[str], Any]] = {
    "APP_ENV": str,
    "SECRET_KEY": str,
    "SECRET_KEY_FALLBACKS": str,  # comma-separated old keys, still accepted (rotation)
    "DATABASE_URL": str,
    "LOGIN_MAX_FAILURES": int,
    "LOGIN_WINDOW_SECONDS": int,
    "LOGIN_DELAY_SECONDS": int,
    "LOGIN_DELAY_MAX_SECONDS": int,
    "TRUSTED_PROXIES": int,
    "QUESTIONNAIRES_DIR": str,
    # Mail: "smtp" delivers; "outbox" only stores each mail for admins to read
    # (/admin/utboks). Default: smtp in production, outbox in development and tests.
    "MAIL_BACKEND": str,
    "MAIL_FROM": str,
    "SMTP_HOST": str,
    "SMTP_PORT": int,
    "SMTP_USERNAME": str,
    "SMTP_PASSWORD": str,
    "SMTP_STARTTLS": flag,
    "SMTP_TIMEOUT": int,
    # The service's address as seen from outside, for links in mail (https://host).
    "PUBLIC_URL": str,
    # Invitation links live until the round's grace period ends plus this many days.
    "INVITATION_DAYS": int,
    # A link to choose a new password (sent on request) works this many minutes, once.
    "PASSWORD_RESET_MINUTES": int,
    # A sign-in ends after this long without a request; a page posted then is kept for
    # PENDING_POST_SECONDS, to be saved when the same user signs in again in that browser.
    "SIGN_IN_IDLE_SECONDS": int,
    # However busy, a sign-in ends this long after it started (absolute lifetime).
    "SIGN_IN_MAX_SECONDS": int,
    # OpenID Connect (survey_app/auth/oidc.py): the municipalities' provider (ID-porten /
    # Ansattporten) and the state staff's (Entra ID); a provider without an issuer is off.
    "OIDC_KOMMUNE_ISSUER": str,
    "OIDC_KOMMUNE_CLIENT_ID": str,
    "OIDC_KOMMUNE_CLIENT_SECRET": str,
    "OIDC_STAT_ISSUER": str,
    "OIDC_STAT_CLIENT_ID": str,
    "OIDC_STAT_CLIENT_SECRET": str,
    "PENDING_POST_SECONDS": int,
    # Who signs in with a password (auth.totp.password_allowed): "all", or "break-glass"
    # (only admins marked with `users break-glass EMAIL`). Default: break-glass in
    # production, all in development and tests.
    "PASSWORD_SIGN_IN": str,
    # A staff account signing in with a password needs a TOTP code too (on in production,
    # where it cannot be turned off; off by default in development and tests), and has
    # TOTP_PENDING_SECONDS between its password and its code.
    "TOTP_REQUIRED": flag,
    "TOTP_PENDING_SECONDS": int,
    # The largest request body, and the most fields one form post may carry (413 above).
    "MAX_CONTENT_LENGTH": int,
    "MAX_FORM_FIELDS": int,
}


# The project's choices after issue 13's examples, not a rule from the seeds: half an hour
# idle or eight hours in all end a sign-in; what was posted after that is kept half an hour.
SIGN_IN_IDLE_SECONDS = 30 * 60
SIGN_IN_MAX_SECONDS = 8 * 3600
PENDING_POST_SECONDS = 30 * 60


class ConfigError(RuntimeError):
    """The service cannot start with these settings; the message says why in one line."""


def defaults(instance_path: str) -> dict[str, Any]:
    db_file = Path(instance_path) / "survey.db"
    return {
        "APP_ENV": "production",
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{db_file}",
        # Failed sign-ins per account (and 4× per client address) in the window before
        # each further try waits a delay that doubles, up to the maximum (auth.throttle).
        # Our choice; no seed speaks of sign-in.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "LOGIN_DELAY_SECONDS": 2,
        "LOGIN_DELAY_MAX_SECONDS": 60,
        # How many proxies in front of the service set X-Forwarded-For/-Proto (0: none;
        # the client's address is then the connection's).
        "TRUSTED_PROXIES": 0,
        "BABEL_DEFAULT_LOCALE": "nb",
        "LANGUAGES": ("nb", "nn", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Sessions live on the server, in the service's database (survey_app.sessions,
        # Flask-Session 0.8); the cookie holds only the session's random id.
        # PERMANENT_SESSION_LIFETIME is derived in finalise().
        "SESSION_TYPE": "sqlalchemy",
        "SESSION_SQLALCHEMY_TABLE": "sessions",  # made by the migrations, not Flask-Session
        "SESSION_KEY_PREFIX": "session:",
        "SESSION_PERMANENT": True,
        "SESSION_USE_SIGNER": False,  # deprecated in 0.8; the id is 32 random bytes
        "SESSION_ID_LENGTH": 32,
        "SESSION_SERIALIZATION_FORMAT": "msgpack",
        # Expired rows are deleted by `flask --app wsgi session_cleanup` (cron), not by
        # a random request.
        "SESSION_CLEANUP_N_REQUESTS": None,
        # Write a session's row only when its data changed, not on every request.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,  # CSRF token lives as long as the session
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAIL_BACKEND": None,  # chosen by APP_ENV in finalise()
        "MAIL_FROM": "Helsedirektoratet tilskuddsrapportering <ikke-svar@localhost>",
        "SMTP_HOST": "localhost",
        "SMTP_PORT": 25,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": False,
        "SMTP_TIMEOUT": 30,
        "PUBLIC_URL": None,
        "INVITATION_DAYS": 30,
        # Our choice (no seed speaks of passwords): short, as a reset link is a credential.
        "PASSWORD_RESET_MINUTES": 30,
        "SIGN_IN_IDLE_SECONDS": SIGN_IN_IDLE_SECONDS,
        "SIGN_IN_MAX_SECONDS": SIGN_IN_MAX_SECONDS,
        "OIDC_PROVIDERS": {},  # made from the OIDC_* keys in finalise()
        # The assurance each role needs (oidc.assurance_ok). Our choice, after issue 13's
        # example (no seed speaks of sign-in): ID-porten's "substantial" or "high" level
        # for coordinators; a second factor, as Entra ID reports it in `amr`, for staff.
        "OIDC_ASSURANCE": {
            "coordinator": {"acr": ("idporten-loa-substantial", "idporten-loa-high")},
            "reviewer": {"amr": ("mfa",)},
            "auditor": {"amr": ("mfa",)},
            "admin": {"amr": ("mfa",)},
            "author": {"amr": ("mfa",)},
        },
        "PENDING_POST_SECONDS": PENDING_POST_SECONDS,
        "PASSWORD_SIGN_IN": None,  # chosen by APP_ENV in finalise()
        "TOTP_REQUIRED": None,  # chosen by APP_ENV in finalise()
        # Our choice: five minutes from the right password to its code, then start again.
        "TOTP_PENDING_SECONDS": 5 * 60,
        # The largest page (100 rows of a group, long texts) posts well under 1 MiB.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "MAX_FORM_FIELDS": 3000,
        "MAX_FORM_PARTS": 3000,
    }


def from_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, kind in _ENV_KEYS.items():
        if environ.get(key):
            found[key] = kind(environ[key])
    return found


def finalise(config: dict[str, Any]) -> None:
    """Derive what follows from APP_ENV and refuse settings that are unsafe to serve with."""
    env = config.get("APP_ENV")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    if not config.get("SECRET_KEY"):
        if env == "production":
            raise ConfigError(
                "SECRET_KEY is not set: refusing to start outside development "
                "(set the SECRET_KEY environment variable)."
            )
        # Development and tests get a per-process key: sessions end with the process.
        config["SECRET_KEY"] = os.urandom(32).hex()
    _finalise_session(config, env)
    _finalise_mail(config, env)
    _finalise_oidc(config)
    _finalise_passwords(config, env)
    _check_throttle(config)
    _finalise_keys(config, env)
    url = config["DATABASE_URL"]
    if url.startswith("postgres://"):  # the form some hosts hand out
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        # SQLite waits for a writer instead of failing at once with "database is locked".
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}


# Who signs in where (our choice, after issue 13): coordinators through the municipalities'
# provider, state staff through theirs.
OIDC_ROLES = {"kommune": ("coordinator",),
              "stat": ("reviewer", "auditor", "admin", "author")}


def _finalise_oidc(config: dict[str, Any]) -> None:
    providers = dict(config.get("OIDC_PROVIDERS") or {})
    for name, roles in OIDC_ROLES.items():
        prefix = f"OIDC_{name.upper()}_"
        if config.get(prefix + "ISSUER") and name not in providers:
            providers[name] = {"issuer": config[prefix + "ISSUER"],
                               "client_id": config.get(prefix + "CLIENT_ID"),
                               "client_secret": config.get(prefix + "CLIENT_SECRET"),
                               "roles": roles}
    for name, settings in providers.items():
        if not (settings.get("client_id") and settings.get("client_secret")):
            raise ConfigError(f"OpenID Connect provider {name!r} needs its client id and "
                              f"secret (OIDC_{name.upper()}_CLIENT_ID / _CLIENT_SECRET).")
        settings.setdefault("roles", OIDC_ROLES.get(name, ()))
    config["OIDC_PROVIDERS"] = providers
    _check_assurance(config.get("OIDC_ASSURANCE") or {})


PASSWORD_SIGN_IN = ("all", "break-glass")


def _finalise_passwords(config: dict[str, Any], env: str) -> None:
    """Issue 13: local passwords only in development and as an admin's break-glass, and a
    staff account's password always with a second factor in production."""
    if not config.get("PASSWORD_SIGN_IN"):
        config["PASSWORD_SIGN_IN"] = "break-glass" if env == "production" else "all"
    if config["PASSWORD_SIGN_IN"] not in PASSWORD_SIGN_IN:
        raise ConfigError(f"PASSWORD_SIGN_IN must be one of {', '.join(PASSWORD_SIGN_IN)}, "
                          f"not {config['PASSWORD_SIGN_IN']!r}.")
    if config.get("TOTP_REQUIRED") is None:
        config["TOTP_REQUIRED"] = env == "production"
    if env == "production" and not config["TOTP_REQUIRED"]:
        raise ConfigError("TOTP_REQUIRED cannot be off in production: a staff account that "
                          "signs in with a password needs a second factor.")
    pending = config.setdefault("TOTP_PENDING_SECONDS", 5 * 60)
    if not (isinstance(pending, int) and 30 <= pending <= 3600):
        raise ConfigError("TOTP_PENDING_SECONDS must be whole seconds from 30 to 3600, "
                          f"not {pending!r}.")


def _finalise_session(config: dict[str, Any], env: str) -> None:
    idle = config.setdefault("SIGN_IN_IDLE_SECONDS", SIGN_IN_IDLE_SECONDS)
    lifetime = config.setdefault("SIGN_IN_MAX_SECONDS", SIGN_IN_MAX_SECONDS)
    if not (isinstance(idle, int) and isinstance(lifetime, int) and 0 < idle <= lifetime):
        raise ConfigError("SIGN_IN_IDLE_SECONDS and SIGN_IN_MAX_SECONDS must be whole seconds, "
                          f"0 < idle <= lifetime, not {idle!r} and {lifetime!r}.")
    # A session's data outlives its sign-in by the time a post sent after it is kept.
    config["PERMANENT_SESSION_LIFETIME"] = lifetime + config.setdefault(
        "PENDING_POST_SECONDS", PENDING_POST_SECONDS)
    config["SESSION_COOKIE_SECURE"] = env == "production"
    if env == "production":
        # The `__Host-` prefix: the browser takes the cookie only if it is Secure, for
        # Path=/ and without a Domain, so no other host of the domain can set or read it.
        if config.get("SESSION_COOKIE_DOMAIN") or config.get("SESSION_COOKIE_PATH") not in (
                None, "/"):
            raise ConfigError("SESSION_COOKIE_DOMAIN and SESSION_COOKIE_PATH must be unset in "
                              "production: the session cookie is a __Host- cookie.")
        config["SESSION_COOKIE_NAME"] = "__Host-session"


def key_strength_bits(key: str) -> float:
    """A key's strength estimated from its characters (Shannon entropy times length): a
    random hex or base64 key of 32 bytes scores over 200, a repeated word far less."""
    if not key:
        return 0.0
    counts = Counter(key)
    return -sum(n * math.log2(n / len(key)) for n in counts.values())


def _finalise_keys(config: dict[str, Any], env: str) -> None:
    """SECRET_KEY_FALLBACKS: old keys still accepted while sessions and cookies signed with
    them expire (Flask 3.1 and auth.throttle read them), from the environment as a
    comma-separated list, oldest first."""
    fallbacks = config.get("SECRET_KEY_FALLBACKS") or []
    if isinstance(fallbacks, str):
        fallbacks = [key.strip() for key in fallbacks.split(",") if key.strip()]
    config["SECRET_KEY_FALLBACKS"] = list(fallbacks)
    if env == "production":
        _check_secret_keys(config)


def _check_secret_keys(config: dict[str, Any]) -> None:
    """Production signs sessions, CSRF tokens and device cookies with SECRET_KEY: refuse
    one shorter than 32 bytes or plainly not random (under 128 bits by `key_strength_bits`,
    our threshold), and the same for the old keys kept for rotation."""
    for name, key in [("SECRET_KEY", config["SECRET_KEY"]),
                      *(("SECRET_KEY_FALLBACKS", key) for key in config["SECRET_KEY_FALLBACKS"])]:
        if len(key.encode("utf-8")) < 32 or key_strength_bits(key) < 128:
            raise ConfigError(
                f"{name} is too weak for production: use at least 32 random bytes, e.g. "
                "the output of `python -c 'import secrets; print(secrets.token_hex(32))'`.")


def _check_throttle(config: dict[str, Any]) -> None:
    known = defaults("")  # for a config made without them (tests of finalise alone)
    for key in ("TRUSTED_PROXIES", "LOGIN_DELAY_SECONDS", "LOGIN_DELAY_MAX_SECONDS"):
        config.setdefault(key, known[key])
    if not 0 <= config["TRUSTED_PROXIES"] <= 10:
        raise ConfigError("TRUSTED_PROXIES is the number of proxies in front of the service "
                          f"(0 to 10), not {config['TRUSTED_PROXIES']}.")
    if not 1 <= config["LOGIN_DELAY_SECONDS"] <= config["LOGIN_DELAY_MAX_SECONDS"] <= 3600:
        raise ConfigError("LOGIN_DELAY_SECONDS must be at least 1 and at most "
                          "LOGIN_DELAY_MAX_SECONDS, which is at most 3600.")


def _check_assurance(required: dict[str, Any]) -> None:
    """OIDC_ASSURANCE must say exactly what it means: a misspelt key or a bare string
    (a one-value tuple without its comma) would let any sign-in through."""
    for role, needs in required.items():
        if not isinstance(needs, dict) or not needs or set(needs) - {"acr", "amr"}:
            raise ConfigError(f"OIDC_ASSURANCE[{role!r}] must name `acr` and/or `amr`.")
        for key, values in needs.items():
            if isinstance(values, str) or not values or not all(
                    isinstance(v, str) and v for v in values):
                raise ConfigError(f"OIDC_ASSURANCE[{role!r}][{key!r}] must be a list of "
                                  f"accepted values, not {values!r}.")


def _finalise_mail(config: dict[str, Any], env: str) -> None:
    if not config.get("MAIL_BACKEND"):
        config["MAIL_BACKEND"] = "smtp" if env == "production" else "outbox"
    if config["MAIL_BACKEND"] not in MAIL_BACKENDS:
        raise ConfigError(f"MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, "
                          f"not {config['MAIL_BACKEND']!r}.")
