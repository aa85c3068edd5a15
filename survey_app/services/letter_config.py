"""What the repayment letters quote, from `questionnaires/schemes/letters.yaml`: the process's
time limits, each administering authority's letterhead and payment details, and each
scheme's legal basis and statement on appeal.

Read and checked once when the service starts: a scheme without its texts, an account
number or a KID method that does not hold stops the service with the file's name and every
reason, as a broken questionnaire does. A Flask CLI command still loads with a warning
(so `db upgrade` works while the file is being fixed); the letters are then refused with
the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from survey_app.config import ConfigError
from survey_app.models import Administration, Grant
from survey_app.offices import OFFICES
from survey_app.questionnaires import DEFAULT_DIRECTORY
from survey_app.rules.check_digits import KidMethod, account_problem
from survey_app.services import register

DIRECTORATE_KEY = "helsedirektoratet"
OFFICES_KEY = "offices"  # what every office shares unless its own entry says otherwise
LANGUAGES = ("nb", "nn")


class LetterConfigError(ConfigError):
    """The letters file cannot be used; the message names the file and every reason."""


@dataclass(frozen=True)
class Authority:
    key: str  # helsedirektoratet, or an office slug
    address: tuple[str, ...]
    email: str
    account: str  # 11 digits, check digit verified
    kid: KidMethod
    example: bool  # not the authority's own payment details


@dataclass(frozen=True)
class SchemeTexts:
    legal_basis: dict[str, str]  # nb, nn
    appeal: dict[str, str]


@dataclass(frozen=True)
class LetterConfig:
    file: str
    response_days: int
    payment_days: int
    authorities: dict[str, Authority]  # the Directorate and every office
    schemes: dict[str, SchemeTexts]


def letters_file(directory: Path | None = None) -> Path:
    folder = directory or Path(current_app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY)
    return folder / "schemes" / "letters.yaml"


# ---- reading --------------------------------------------------------------------------------


def _days(process: dict[str, Any], key: str, problems: list[str]) -> int:
    value = process.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
        problems.append(f"process.{key} must be a whole number of days from 1 to 365, "
                        f"not {value!r}")
        return 0
    return value


def _authority(key: str, entry: dict[str, Any], shared: dict[str, Any],
               problems: list[str]) -> Authority | None:
    merged = {**shared, **entry}
    account = str(merged.get("account") or "")
    problem = account_problem(account) if account else f"authorities.{key} has no account"
    if problem:
        problems.append(f"authorities.{key}: {problem}")
    method = str(merged.get("kid") or "")
    if method not in tuple(KidMethod):
        problems.append(f"authorities.{key}: kid must be mod10 or mod11, not {method!r}")
    address = merged.get("address") or []
    if not isinstance(address, list) or not all(isinstance(a, str) for a in address):
        problems.append(f"authorities.{key}: address must be a list of lines")
        address = []
    if problem or method not in tuple(KidMethod):
        return None
    return Authority(key, tuple(address), str(merged.get("email") or ""),
                     "".join(c for c in account if c.isdigit()), KidMethod(method),
                     bool(merged.get("example", False)))


def _authorities(data: dict[str, Any], problems: list[str]) -> dict[str, Authority]:
    entries = data.get("authorities") or {}
    unknown = sorted(set(entries) - {DIRECTORATE_KEY, OFFICES_KEY, *OFFICES})
    if unknown:
        problems.append(f"authorities: unknown authority {', '.join(unknown)} (the "
                        f"Directorate is {DIRECTORATE_KEY}, an office by its slug)")
    found: dict[str, Authority] = {}
    shared = entries.get(OFFICES_KEY) or {}
    for key in (DIRECTORATE_KEY, *OFFICES):
        entry = entries.get(key) or {}
        authority = _authority(key, entry, {} if key == DIRECTORATE_KEY else shared, problems)
        if authority is not None:
            found[key] = authority
    return found


def _texts(slug: str, entry: dict[str, Any], name: str, problems: list[str]) -> dict[str, str]:
    texts = entry.get(name) or {}
    missing = [lang for lang in LANGUAGES
               if not isinstance(texts, dict) or not str(texts.get(lang) or "").strip()]
    if missing:
        problems.append(f"schemes.{slug}: {name} has no text in {', '.join(missing)}")
        return {}
    return {lang: " ".join(str(texts[lang]).split()) for lang in LANGUAGES}


def _schemes(data: dict[str, Any], slugs: list[str],
             problems: list[str]) -> dict[str, SchemeTexts]:
    entries = data.get("schemes") or {}
    for slug in sorted(set(entries) - set(slugs)):
        problems.append(f"schemes.{slug}: no such scheme in schemes.yaml")
    found = {}
    for slug in slugs:
        entry = entries.get(slug)
        if not isinstance(entry, dict):
            problems.append(f"schemes.{slug}: no legal basis and no appeal text")
            continue
        basis, appeal = (_texts(slug, entry, n, problems) for n in ("legal_basis", "appeal"))
        if basis and appeal:
            found[slug] = SchemeTexts(basis, appeal)
    return found


def parse(text: str, filename: str, slugs: list[str]) -> LetterConfig:
    """The letters file for the schemes ``slugs``; LetterConfigError with every problem."""
    try:
        data = YAML(typ="safe").load(text) or {}
    except YAMLError as error:
        raise LetterConfigError(f"{filename}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise LetterConfigError(f"{filename}: expected process, authorities and schemes")
    problems: list[str] = []
    process = data.get("process") or {}
    days = (_days(process, "response_days", problems), _days(process, "payment_days", problems))
    authorities = _authorities(data, problems)
    schemes = _schemes(data, slugs, problems)
    if problems:
        raise LetterConfigError(f"{filename}: " + "; ".join(problems))
    return LetterConfig(filename, days[0], days[1], authorities, schemes)


def load(path: Path) -> LetterConfig:
    schemes_yaml = path.parent / "schemes.yaml"
    entries = YAML(typ="safe").load(schemes_yaml.read_text("utf-8")) or []
    return parse(path.read_text("utf-8"), str(path), [str(e["slug"]) for e in entries])


def init_app(app: Flask) -> None:
    directory = Path(app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY)
    path = letters_file(directory)
    if not path.exists():  # a folder of questionnaires only (a test, a preview): no letters
        app.extensions["letters"] = f"{path}: no such file"
        return
    try:
        app.extensions["letters"] = load(path)
    except LetterConfigError as error:
        if click.get_current_context(silent=True) is None:
            raise
        click.echo(f"Warning: {error}", err=True)
        app.extensions["letters"] = str(error)


# ---- using ----------------------------------------------------------------------------------


def current() -> LetterConfig:
    """The loaded letters file; LetterConfigError (why not) when there is none."""
    loaded = current_app.extensions.get("letters")
    if not isinstance(loaded, LetterConfig):
        raise LetterConfigError(str(loaded or "no letters file loaded"))
    return loaded


def authority_key(grant: Grant) -> str:
    """Who administers the grant (services.authority.signer names it): the Directorate for
    a national scheme, else the office of the municipality in the grant year."""
    if grant.round.scheme.administration != Administration.OFFICES:
        return DIRECTORATE_KEY
    entry = register.entry_of_grant(grant) or register.current_entry(grant.municipality_number)
    return entry.office if entry is not None and entry.office in OFFICES else DIRECTORATE_KEY


def authority_of(grant: Grant) -> Authority:
    return current().authorities[authority_key(grant)]


def scheme_texts(slug: str) -> SchemeTexts:
    found = current().schemes.get(slug)
    if found is None:  # parse() refuses a file without them; a scheme added since
        raise LetterConfigError(f"{current().file}: schemes.{slug} has no legal basis or "
                                "appeal text")
    return found
