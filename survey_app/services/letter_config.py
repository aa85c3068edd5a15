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

import string
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
class Signature:
    name: str
    title: dict[str, str]  # nb, nn


@dataclass(frozen=True)
class DecisionSection:
    heading: dict[str, str]  # nb, nn
    # Per language, the section's blocks in order: a paragraph (str) or a bulleted list
    # (tuple of str). Figures are {placeholders} (DECISION_PLACEHOLDERS).
    blocks: dict[str, tuple[str | tuple[str, ...], ...]]


@dataclass(frozen=True)
class DecisionTexts:
    """The grant decision letter's words (services.decision_letters), per scheme."""

    title: dict[str, str]
    sections: tuple[DecisionSection, ...]
    closing: dict[str, str]
    signatures: tuple[Signature, ...]
    approved: dict[str, str]  # "Dokumentet er godkjent elektronisk"


@dataclass(frozen=True)
class SchemeTexts:
    legal_basis: dict[str, str]  # nb, nn
    appeal: dict[str, str]
    decision: DecisionTexts | None = None  # none: the scheme's decision letters are refused


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
        decision = _decision(slug, entry.get("decision"), problems)
        if basis and appeal:
            found[slug] = SchemeTexts(basis, appeal, decision)
    return found


# The figures a decision letter's texts may name, each from the round or the grant
# (services.decision_letters.figures); any other {name} is refused at start.
DECISION_PLACEHOLDERS = frozenset({
    "scheme", "chapter_post", "year", "next_year", "municipality", "amount", "total",
    "opt_out_deadline", "payment_date", "report_deadline", "appeal"})


def _placeholder_problem(where: str, text: str) -> str | None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        return f"{where}: {error} (write a brace as {{{{ or }}}})"
    unknown = sorted(names - DECISION_PLACEHOLDERS)
    if unknown:
        return (f"{where}: unknown placeholder {', '.join('{' + n + '}' for n in unknown)} "
                f"(known: {', '.join(sorted(DECISION_PLACEHOLDERS))})")
    return None


def _decision_text(where: str, value: Any, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict) or any(
            not isinstance(value.get(lang), str) or not value[lang].strip()
            for lang in LANGUAGES):
        problems.append(f"{where} must have a text in nb and nn")
        return {}
    texts = {lang: " ".join(value[lang].split()) for lang in LANGUAGES}
    for lang, text in texts.items():
        problem = _placeholder_problem(f"{where}.{lang}", text)
        if problem:
            problems.append(problem)
    return texts


def _blocks(where: str, value: Any,
            problems: list[str]) -> tuple[str | tuple[str, ...], ...]:
    if not isinstance(value, list) or not value:
        problems.append(f"{where} must be a list of paragraphs (a paragraph may be a list "
                        "of bullet points)")
        return ()
    blocks: list[str | tuple[str, ...]] = []
    for number, block in enumerate(value, 1):
        items = block if isinstance(block, list) else [block]
        if not items or not all(isinstance(i, str) and i.strip() for i in items):
            problems.append(f"{where}[{number}] must be a text or a list of texts")
            continue
        cleaned = tuple(" ".join(i.split()) for i in items)
        for item in cleaned:
            problem = _placeholder_problem(f"{where}[{number}]", item)
            if problem:
                problems.append(problem)
        blocks.append(cleaned if isinstance(block, list) else cleaned[0])
    return tuple(blocks)


def _sections(where: str, raw: Any, problems: list[str]) -> list[DecisionSection]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}.sections must be a list of sections")
        return []
    sections = []
    for number, section in enumerate(raw, 1):
        at = f"{where}.sections[{number}]"
        if not isinstance(section, dict):
            problems.append(f"{at} must have a heading and text")
            continue
        heading = _decision_text(f"{at}.heading", section.get("heading"), problems)
        text = section.get("text")
        if not isinstance(text, dict):
            problems.append(f"{at}.text must have paragraphs in nb and nn")
            continue
        blocks = {lang: _blocks(f"{at}.text.{lang}", text.get(lang), problems)
                  for lang in LANGUAGES}
        sections.append(DecisionSection(heading, blocks))
    return sections


def _decision(slug: str, entry: Any, problems: list[str]) -> DecisionTexts | None:
    """The scheme's optional `decision` block: title, sections (a heading and paragraphs in
    nb and nn each), closing, signatures and the line on electronic approval."""
    if entry is None:
        return None
    where = f"schemes.{slug}.decision"
    if not isinstance(entry, dict):
        problems.append(f"{where} must be a mapping (title, sections, closing, signatures, "
                        "approved)")
        return None
    before = len(problems)
    title = _decision_text(f"{where}.title", entry.get("title"), problems)
    sections = _sections(where, entry.get("sections"), problems)
    closing = _decision_text(f"{where}.closing", entry.get("closing"), problems)
    approved = _decision_text(f"{where}.approved", entry.get("approved"), problems)
    signatures = []
    for number, signer in enumerate(entry.get("signatures") or [], 1):
        at = f"{where}.signatures[{number}]"
        if not isinstance(signer, dict) or not str(signer.get("name") or "").strip():
            problems.append(f"{at} must have a name and a title in nb and nn")
            continue
        signatures.append(Signature(" ".join(str(signer["name"]).split()),
                                    _decision_text(f"{at}.title", signer.get("title"),
                                                   problems)))
    if not signatures:
        problems.append(f"{where}.signatures: the letter must be signed by somebody")
    if len(problems) > before:
        return None
    return DecisionTexts(title, tuple(sections), closing, tuple(signatures), approved)


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


def decision_texts(slug: str) -> DecisionTexts:
    """The scheme's decision-letter texts; LetterConfigError naming what is missing."""
    found = scheme_texts(slug).decision
    if found is None:
        raise LetterConfigError(f"{current().file}: schemes.{slug} has no decision block "
                                "(the grant decision letter's title, sections, closing and "
                                "signatures in nb and nn), so its decision letters cannot "
                                "be written")
    return found


def scheme_texts(slug: str) -> SchemeTexts:
    found = current().schemes.get(slug)
    if found is None:  # parse() refuses a file without them; a scheme added since
        raise LetterConfigError(f"{current().file}: schemes.{slug} has no legal basis or "
                                "appeal text")
    return found
