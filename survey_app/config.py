"""Settings, read in order: defaults, then ``instance/config.py``, then the environment.

``make run`` writes ``instance/config.py`` for a development checkout (a random
SECRET_KEY and APP_ENV = "development"); production sets everything in the environment.
"""

from __future__ import annotations

import os
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
    "DATABASE_URL": str,
    "LOGIN_MAX_FAILURES": int,
    "LOGIN_WINDOW_SECONDS": int,
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
    # A sign-in ends after this long without a request; a page posted then is kept for
    # PENDING_POST_SECONDS, to be saved when the same user signs in again in that browser.
    "SIGN_IN_IDLE_SECONDS": int,
    # OpenID Connect (survey_app/auth/oidc.py): the municipalities' provider (ID-porten /
    # Ansattporten) and the state staff's (Entra ID); a provider without an issuer is off.
    "OIDC_KOMMUNE_ISSUER": str,
    "OIDC_KOMMUNE_CLIENT_ID": str,
    "OIDC_KOMMUNE_CLIENT_SECRET": str,
    "OIDC_STAT_ISSUER": str,
    "OIDC_STAT_CLIENT_ID": str,
    "OIDC_STAT_CLIENT_SECRET": str,
    "PENDING_POST_SECONDS": int,
    # The largest request body, and the most fields one form post may carry (413 above).
    "MAX_CONTENT_LENGTH": int,
    "MAX_FORM_FIELDS": int,
}


class ConfigError(RuntimeError):
    """The service cannot start with these settings; the message says why in one line."""


def defaults(instance_path: str) -> dict[str, Any]:
    db_file = Path(instance_path) / "survey.db"
    return {
        "APP_ENV": "production",
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{db_file}",
        # Failed sign-ins allowed per e-mail address and per client address in the window.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "BABEL_DEFAULT_LOCALE": "nb",
        "LANGUAGES": ("nb", "nn", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
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
        # The project's choices, not a rule from the seeds: an hour idle ends a sign-in,
        # and what was posted after that is kept for half an hour.
        "SIGN_IN_IDLE_SECONDS": 60 * 60,
        "OIDC_PROVIDERS": {},  # made from the OIDC_* keys in finalise()
        # The assurance each role needs (oidc.assurance_ok). Our choice, after issue 13's
        # example (no seed speaks of sign-in): ID-porten's "substantial" or "high" level
        # for coordinators; a second factor, as Entra ID reports it in `amr`, for staff.
        "OIDC_ASSURANCE": {
            "coordinator": {"acr": ("idporten-loa-substantial", "idporten-loa-high")},
            "reviewer": {"amr": ("mfa",)},
            "auditor": {"amr": ("mfa",)},
            "admin": {"amr": ("mfa",)},
        },
        "PENDING_POST_SECONDS": 30 * 60,
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
    config["SESSION_COOKIE_SECURE"] = env == "production"
    _finalise_mail(config, env)
    _finalise_oidc(config)
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
OIDC_ROLES = {"kommune": ("coordinator",), "stat": ("reviewer", "auditor", "admin")}


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
