"""The questionnaires the service serves: the shipped files, checked at start-up, with the
versions authors published in the browser over them (read from the database by every server
as soon as they are published, `current`).

The service refuses to start with an invalid questionnaire (naming the file), so nobody is
ever shown a broken form; `flask --app wsgi questionnaires check` prints every problem.
Flask CLI commands still load, with a warning, so that the check itself and the database
commands keep working while a file is being fixed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, abort, current_app, g
from ruamel.yaml import YAML

from forms.check import (
    SOURCE_CODES,
    EntryRef,
    check_rules_text,
    cross_check,
    nynorsk_problems,
)
from forms.loader import LoadResult, Problem, load_directory, load_files, load_text, read_source
from forms.messages import Msg
from forms.model import Questionnaire
from forms.rules import RuleSet, RulesResult, answer_names, load_rules, load_rules_text
from forms.schemes_check import SchemesResult, check_schemes_text, economy_workbook_problems
from survey_app.config import ConfigError
from survey_app.extensions import db
from survey_app.models.definitions import DefinitionKind, PublishedDefinition

log = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "questionnaires"


@functools.lru_cache(maxsize=8)
def _load(directory: str, stamp: tuple[tuple[str, int, int], ...]) -> LoadResult:
    # `stamp` (names, sizes and change times) makes an edited file load afresh.
    return load_directory(Path(directory))


def load(directory: Path) -> LoadResult:
    stamp = tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                         for p in directory.glob("*.yaml")))
    return _load(str(directory), stamp)


def summary(problems: list[Problem]) -> str:
    files = sorted({problem.file for problem in problems})
    return (f"invalid questionnaire file(s): {', '.join(files)} "
            f"({len(problems)} problem(s)); run `flask --app wsgi questionnaires check`")


@dataclass
class Definitions:
    """Questionnaires, the repayment rules that read them and the scheme entries, checked
    together (forms/check.py says what is an error and what a warning)."""

    questionnaires: LoadResult
    rules: RulesResult
    form_files: int
    rule_files: int
    schemes: SchemesResult | None = None
    # nynorsk and cross-file problems; warnings are printed but do not fail `check`
    other_problems: list[Problem] = field(default_factory=list)
    cross_warnings: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        schemes = self.schemes.problems if self.schemes else []
        return self.questionnaires.problems + self.other_problems + self.rules.problems + \
            schemes

    @property
    def warnings(self) -> list[Problem]:
        return self.questionnaires.warnings + self.cross_warnings

    @property
    def files(self) -> int:
        return self.form_files + self.rule_files + (1 if self.schemes is not None else 0)


def check_paths(paths: Iterable[Path]) -> Definitions:
    """Questionnaire files (`*.yaml` in a folder, or given), rules files (`rules/*.yaml` in
    a folder, or given from a `rules` folder) and the scheme entries (`schemes/schemes.yaml`
    in a folder, or given); rules given alone are checked against the questionnaires of the
    folder above theirs. A whole folder is also checked across its files; a questionnaire
    given alone only for its own scheme entry."""
    forms_files: set[Path] = set()
    rule_dirs: set[Path] = set()
    schemes_file: Path | None = None
    whole = False
    for path in paths:
        if path.is_dir():
            forms_files.update(path.glob("*.yaml"))
            rule_dirs.add(path / "rules")
            schemes_file, whole = path / "schemes" / "schemes.yaml", True
        elif path.name == "schemes.yaml":
            schemes_file = path
        elif path.parent.name == "rules":
            rule_dirs.add(path.parent)
        else:
            forms_files.add(path)
            schemes_file = schemes_file or path.parent / "schemes" / "schemes.yaml"
    if not forms_files and rule_dirs:
        forms_files = {f for d in rule_dirs for f in d.parent.glob("*.yaml")}
    loaded = load_files(forms_files)
    result = Definitions(loaded, RulesResult(), len(forms_files), 0)
    exempt = _nynorsk(forms_files, loaded, result.other_problems)
    answers = answer_names(loaded.questionnaires)
    rule_paths = sorted(f for d in rule_dirs if d.is_dir() for f in d.glob("*.yaml"))
    result.rule_files = len(rule_paths)
    for path in rule_paths if loaded.ok else ():  # rules read sound forms only
        text, refused = read_source(path)
        rule_set, problems = check_rules_text(text, str(path), answers, exempt) \
            if text is not None else (None, refused)
        result.rules.problems += problems
        if rule_set is not None:
            result.rules.rule_sets.append(rule_set)
    if schemes_file is not None and schemes_file.is_file():
        text, refused = read_source(schemes_file)
        result.schemes = check_schemes_text(text, str(schemes_file)) if text is not None \
            else SchemesResult(problems=refused)
        _across(result, str(schemes_file), whole)
    return result


def _nynorsk(files: Iterable[Path], loaded: LoadResult, problems: list[Problem]) -> set[str]:
    """Every text of the readable questionnaire files in nynorsk; the ids that opt out."""
    unreadable = {p.file for p in loaded.problems if p.code in SOURCE_CODES}
    exempt: set[str] = set()
    for path in sorted(files):
        text, _ = read_source(path)
        if text is None or str(path) in unreadable:
            continue
        own, found = nynorsk_problems(text, str(path))
        problems += found
        if own:
            exempt.update(q.id for q in loaded.questionnaires if q.source == str(path))
    return exempt


def _across(result: Definitions, schemes_path: str, whole: bool) -> None:
    """The files against each other; a questionnaire checked alone only for its entry."""
    schemes = result.schemes
    if schemes is None or not schemes.ok:
        return
    entries = [EntryRef(e.slug, e.questionnaire, e.line) for e in schemes.entries]
    problems, warnings = cross_check(result.questionnaires.questionnaires, entries,
                                     [r.scheme for r in result.rules.rule_sets], schemes_path)
    if not whole:  # only what concerns the files given
        problems = [p for p in problems if p.code == Msg.X_NO_SCHEME_ENTRY]
        warnings = []
    elif not result.rules.rule_sets and result.rules.problems:
        warnings = []  # the rules' own problems come first
    # The economy workbook's page against its questionnaire's latest version (issue 16).
    latest: dict[str, Any] = {}
    for questionnaire in result.questionnaires.questionnaires:
        if questionnaire.version >= getattr(latest.get(questionnaire.id), "version", 0):
            latest[questionnaire.id] = questionnaire
    for entry in schemes.entries:
        if entry.questionnaire in latest:
            problems += economy_workbook_problems(entry, latest[entry.questionnaire],
                                                  schemes_path)
    result.other_problems += problems
    result.cross_warnings += warnings


def init_app(app: Flask) -> None:
    directory = Path(app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY)
    result = load(directory)
    # Rules are checked against sound questionnaires only: a broken form is named first.
    rules = load_rules(directory / "rules", result.questionnaires) if result.ok else \
        RulesResult()
    # The shipped seed; what is served is the seed plus the published rows (`current`).
    app.extensions["questionnaires"] = result
    app.extensions["rules"] = rules
    problems = result.problems + rules.problems
    if not problems:
        return
    if click.get_current_context(silent=True) is None:
        raise ConfigError(summary(problems))
    click.echo(f"Warning: {summary(problems)}", err=True)

    @app.before_request
    def refuse() -> None:
        abort(503)


@dataclass(frozen=True)
class Served:
    """What this server serves now: the seed files with the published rows over them."""

    questionnaires: list[Questionnaire]
    rules: RulesResult
    schemes: list[dict[str, Any]]  # scheme entries as in schemes.yaml, by slug
    stamp: tuple[int, int, str]


# What changes with every publication, on whichever server it happened: the number of rows,
# the newest id and time (the time too, so that a rolled-back row's id taken again on SQLite
# is still seen as new). A subquery of one row, so that the session's read at the start of
# each request carries it (survey_app.sessions) and a request pays no round trip for it.
PUBLISHED_STAMP = sa.select(
    sa.func.count().label("published_count"),
    sa.func.max(PublishedDefinition.id).label("published_newest"),
    sa.func.max(PublishedDefinition.published_at).label("published_when"),
).select_from(PublishedDefinition).subquery("published_stamp")
_READ_STAMP = sa.select(*PUBLISHED_STAMP.c)
_PREFETCHED = "_published_stamp"  # in `g`: the stamp read with this request's session


def remember_stamp(count: int | None, newest: int | None, when: object) -> None:
    """The stamp read at the start of this request (with the session's row): the next
    `current()` of the request uses it instead of asking the database again."""
    setattr(g, _PREFETCHED, (int(count or 0), int(newest or 0), str(when)))


def forget_stamp() -> None:
    """A new request begins: a stamp kept in `g` by an earlier one is not this one's."""
    g.pop(_PREFETCHED, None)


def _published_stamp() -> tuple[int, int, str]:
    # Read once per request that reads a questionnaire: taken from the session's read when
    # it carried it (used once: after a publication in this request it is read again).
    prefetched: tuple[int, int, str] | None = g.pop(_PREFETCHED, None)
    if prefetched is not None:
        return prefetched
    count, newest, when = db.session.execute(_READ_STAMP).one()
    return int(count), int(newest or 0), str(when)


@functools.lru_cache(maxsize=256)
def _parse_published(kind: str, text: str, name: str) -> tuple[Any, tuple[Problem, ...]]:
    """A published text parsed once per process (texts never change under an id)."""
    if kind == DefinitionKind.QUESTIONNAIRE:
        questionnaire, problems = load_text(text, name)
        return questionnaire, tuple(problems)
    entry = YAML(typ="safe").load(text)
    if isinstance(entry, list):  # a scheme entry may be written as a one-item list
        entry = entry[0]
    return entry, ()


def _build(stamp: tuple[int, int, str]) -> Served:
    seed: LoadResult = current_app.extensions["questionnaires"]
    seed_rules: RulesResult = current_app.extensions["rules"]
    rows = db.session.scalars(sa.select(PublishedDefinition)
                              .order_by(PublishedDefinition.id)).all() if stamp[0] else []
    forms = {(q.id, q.version): q for q in seed.questionnaires}
    latest: dict[tuple[str, str], PublishedDefinition] = {}
    for row in rows:
        if row.kind == DefinitionKind.QUESTIONNAIRE:
            questionnaire, problems = _parse_published(row.kind, row.text, _name(row))
            if questionnaire is None:  # checked when published; a stricter loader since
                log.warning("published %s does not load: %s", _name(row),
                            "; ".join(p.text("en") for p in problems))
                continue
            forms[(questionnaire.id, questionnaire.version)] = questionnaire  # the row wins
        elif (row.kind, row.key) not in latest or latest[(row.kind, row.key)].version \
                < row.version:
            latest[(row.kind, row.key)] = row
    questionnaires = sorted(forms.values(), key=lambda q: (q.id, q.version))
    rule_sets = {r.scheme: r for r in seed_rules.rule_sets}
    answers = answer_names(questionnaires)
    for (kind, _key), row in sorted(latest.items()):
        if kind != DefinitionKind.RULES:
            continue
        rule_set, rule_problems = load_rules_text(row.text, _name(row), answers)
        if rule_set is None:
            log.warning("published %s does not load: %s", _name(row),
                        "; ".join(p.text("en") for p in rule_problems))
            continue
        rule_sets[rule_set.scheme] = rule_set
    schemes = {entry["slug"]: entry for entry in seed_scheme_entries()}
    for (kind, key), row in sorted(latest.items()):
        if kind == DefinitionKind.SCHEME:
            entry, _ = _parse_published(row.kind, row.text, _name(row))
            schemes[key] = entry
    return Served(questionnaires, RulesResult(list(rule_sets.values())),
                  list(schemes.values()), stamp)


def _name(row: PublishedDefinition) -> str:
    """How a published row is named in messages, like the file it may have come from."""
    if row.kind == DefinitionKind.QUESTIONNAIRE:
        return f"{row.key}.v{row.version}.yaml"
    return f"{row.kind}/{row.key}.v{row.version}.yaml"


def seed_scheme_entries() -> list[dict[str, Any]]:
    """The scheme entries of the shipped `schemes/schemes.yaml`."""
    path = Path(current_app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY) / \
        "schemes" / "schemes.yaml"
    if not path.is_file():  # a folder of questionnaires only (tests, a new checkout)
        return []
    entries: list[dict[str, Any]] = YAML(typ="safe").load(path.read_text("utf-8")) or []
    return entries


def current() -> Served:
    """What is served now; re-read when any server has published since (checked once per
    request or CLI command: `g` lives as long as the app context)."""
    served: Served | None = g.get("_served")
    if served is not None:
        return served
    stamp = _published_stamp()
    cached: Served | None = current_app.extensions.get("served")
    if cached is None or cached.stamp != stamp:
        cached = _build(stamp)
        current_app.extensions["served"] = cached
    g._served = cached
    return cached


def forget_served() -> None:
    """After a publication in this request: the next lookup reads the new rows."""
    g.pop("_served", None)
    forget_stamp()


def all_questionnaires() -> list[Questionnaire]:
    return current().questionnaires


def rules_for(questionnaire_id: str) -> RuleSet | None:
    """The repayment rules of a scheme's questionnaire (None: the scheme has none)."""
    return current().rules.for_scheme(questionnaire_id)


def scheme_entries() -> list[dict[str, Any]]:
    """Every scheme entry served: the shipped file's with the published ones over them."""
    return current().schemes
