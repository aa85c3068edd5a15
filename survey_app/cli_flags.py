"""`flask --app wsgi flags compute|list SLUG/YEAR`: the repayment flags of a round.

`compute` is the deadline job: run it from cron (on as many servers as you like) after
the deadline; it is idempotent and never changes a decided flag.
"""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from survey_app.cli_rounds import DateType, find
from survey_app.services import flags

flags_cli = AppGroup("flags", help="Repayment flags computed from the reports.")


@flags_cli.command("compute")
@click.argument("key", metavar="SLUG/YEAR")
@click.option("--today", type=DateType(), default=None,
              help="Evaluate as on this day (default: today); deadline rules apply after "
                   "the deadline and the grace period.")
def compute(key: str, today: dt.date | None) -> None:
    """Apply every due rule to every grant of the round."""
    found = find(key)
    summary = flags.compute_round(found, today or dt.date.today())
    click.echo(f"{found.key}: {summary.line()}.")


@flags_cli.command("list")
@click.argument("key", metavar="SLUG/YEAR")
def list_flags(key: str) -> None:
    """One line per flag: kommunenummer;rule;amount;status (amount in whole kroner)."""
    for number, flag in flags.flags_of(find(key)):
        click.echo(f"{number};{flag.rule_id};{flags.whole_kroner(flag.amount_ore)};{flag.status}")
