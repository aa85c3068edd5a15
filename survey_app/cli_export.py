"""``flask --app wsgi export economy|responses SLUG/YEAR -o FILE.xlsx`` (or FILE.csv).

The whole round (an operator at the shell has no scope), written to the file as it is
read, so memory stays bounded at national scale. The responses as CSV are one file per
table: FILE.csv, and FILE.<groupcode>.csv beside it for each repeating group. Prints one
line per file written: the rows and the SHA-256 of the file; each file is audit-logged
like a download.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from survey_app import audit
from survey_app.extensions import db
from survey_app.models.users import utcnow
from survey_app.services import export_data, rounds

export_cli = AppGroup("export", help="Excel and CSV exports of a round.")
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)
CLI_ACTOR = "kommandolinje"


def _generated_at(text: str | None) -> dt.datetime:
    if not text:
        return utcnow().replace(microsecond=0)
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _run(kind: str, key: str, output: Path, at: str | None) -> None:
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in export_data.FORMATS:
        click.echo(f"Error: {output} must end in .xlsx or .csv.", err=True)
        sys.exit(1)
    try:
        round_ = rounds.find_round(key)
        generated_at = _generated_at(at)
    except (rounds.RoundError, ValueError) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    if kind == "responses" and fmt == "csv":
        files = export_data.write_responses_csvs(round_, None, output, generated_at,
                                                 CLI_ACTOR)
    else:
        files = [(output, export_data.write_export(kind, fmt, round_, None, output,
                                                   generated_at, CLI_ACTOR))]
    for path, written in files:
        audit.record("export.write", "round", round_.key, after=written.audit_facts(path.name))
    db.session.commit()
    for path, written in files:
        click.echo(f"{path}: {written.rows} rows, SHA-256 {written.sha256}")


AT_HELP = ("The generation time written into the file (ISO 8601, UTC); the same data and "
           "time give the same bytes. Default: now.")


@export_cli.command("economy")
@click.argument("round_key", metavar="SLUG/YEAR")
@click.option("-o", "--output", type=OUTPUT, required=True, help="FILE.xlsx or FILE.csv")
@click.option("--at", help=AT_HELP)
def economy_command(round_key: str, output: Path, at: str | None) -> None:
    """The economy report: one row per granted municipality, non-reporters included."""
    _run("economy", round_key, output, at)


@export_cli.command("responses")
@click.argument("round_key", metavar="SLUG/YEAR")
@click.option("-o", "--output", type=OUTPUT, required=True, help="FILE.xlsx or FILE.csv")
@click.option("--at", help=AT_HELP)
def responses_command(round_key: str, output: Path, at: str | None) -> None:
    """The raw responses: one row per response (latest submission), every version.

    As CSV, each repeating group's rows go to FILE.<groupcode>.csv beside FILE.csv.
    """
    _run("responses", round_key, output, at)


def init_app(app: Flask) -> None:
    app.cli.add_command(export_cli)
