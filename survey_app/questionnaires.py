"""The questionnaires the service serves, loaded and checked once at start-up.

The service refuses to start with an invalid questionnaire (naming the file), so nobody is
ever shown a broken form; `flask --app wsgi questionnaires check` prints every problem.
Flask CLI commands still load, with a warning, so that the check itself and the database
commands keep working while a file is being fixed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, abort, current_app

from forms.loader import LoadResult, Problem, load_directory, load_files
from forms.model import Questionnaire
from forms.rules import RuleSet, RulesResult, load_rules
from survey_app.config import ConfigError

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
    """Questionnaires and the repayment rules that read them, checked together."""

    questionnaires: LoadResult
    rules: RulesResult
    form_files: int
    rule_files: int

    @property
    def problems(self) -> list[Problem]:
        return self.questionnaires.problems + self.rules.problems


def check_paths(paths: Iterable[Path]) -> Definitions:
    """Questionnaire files (`*.yaml` in a folder, or given) and rules files (`rules/*.yaml`
    in a folder, or given from a `rules` folder); rules given alone are checked against
    the questionnaires of the folder above theirs."""
    forms_files: set[Path] = set()
    rule_dirs: set[Path] = set()
    for path in paths:
        if path.is_dir():
            forms_files.update(path.glob("*.yaml"))
            rule_dirs.add(path / "rules")
        elif path.parent.name == "rules":
            rule_dirs.add(path.parent)
        else:
            forms_files.add(path)
    if not forms_files:
        forms_files = {f for d in rule_dirs for f in d.parent.glob("*.yaml")}
    loaded = load_files(forms_files)
    rules = RulesResult()
    for directory in sorted(rule_dirs) if loaded.ok else ():  # rules read sound forms only
        found = load_rules(directory, loaded.questionnaires)
        rules.rule_sets += found.rule_sets
        rules.problems += found.problems
    count = sum(len(list(d.glob("*.yaml"))) for d in rule_dirs if d.is_dir())
    return Definitions(loaded, rules, len(forms_files), count)


def init_app(app: Flask) -> None:
    directory = Path(app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY)
    result = load(directory)
    # Rules are checked against sound questionnaires only: a broken form is named first.
    rules = load_rules(directory / "rules", result.questionnaires) if result.ok else \
        RulesResult()
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


def all_questionnaires() -> list[Questionnaire]:
    return current_app.extensions["questionnaires"].questionnaires


def rules_for(questionnaire_id: str) -> RuleSet | None:
    """The repayment rules of a scheme's questionnaire (None: the scheme has none)."""
    return current_app.extensions["rules"].for_scheme(questionnaire_id)
