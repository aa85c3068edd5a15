"""The questionnaires the service serves, loaded and checked once at start-up.

The service refuses to start with an invalid questionnaire (naming the file), so nobody is
ever shown a broken form; `flask --app wsgi questionnaires check` prints every problem.
Flask CLI commands still load, with a warning, so that the check itself and the database
commands keep working while a file is being fixed.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click
from flask import Flask, abort, current_app

from forms.loader import LoadResult, load_directory
from forms.model import Questionnaire
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


def summary(result: LoadResult) -> str:
    files = sorted({problem.file for problem in result.problems})
    return (f"invalid questionnaire file(s): {', '.join(files)} "
            f"({len(result.problems)} problem(s)); run `flask --app wsgi questionnaires check`")


def init_app(app: Flask) -> None:
    directory = Path(app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY)
    result = load(directory)
    app.extensions["questionnaires"] = result
    if result.ok:
        return
    if click.get_current_context(silent=True) is None:
        raise ConfigError(summary(result))
    click.echo(f"Warning: {summary(result)}", err=True)

    @app.before_request
    def refuse() -> None:
        abort(503)


def all_questionnaires() -> list[Questionnaire]:
    return current_app.extensions["questionnaires"].questionnaires
