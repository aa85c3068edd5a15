"""Letters to the municipalities: ``flask --app wsgi letters decisions SLUG/YEAR``.

Safe to run from cron and on several servers at once (services.decision_letters): a
second run queues none, and two runs at the same moment queue each letter once. The
letters go to the outbox; ``mail send`` delivers them. Prints one summary line; exits 1
when the round cannot have decision letters (with the reason) or when a municipality has
no post box registered (named; the others are queued).
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from survey_app.extensions import db
from survey_app.services import decision_letters
from survey_app.services.rounds import RoundError, find_round

letters_cli = AppGroup("letters", help="Letters to the municipalities about their grants.")


@letters_cli.command("decisions")
@click.argument("key", metavar="SLUG/YEAR")
@click.option("--municipality", "only", multiple=True, metavar="NNNN",
              help="Only this municipality's letter (repeat for several).")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Processes making the PDFs (default: one per CPU).")
def decisions_command(key: str, only: tuple[str, ...], workers: int | None) -> None:
    """Queue the grant decision letter (PDF, with the allocation list as PDF and xlsx) to
    the post box of every municipality with a grant in the round, in its written
    standard; letters queued before are not queued again."""
    try:
        round_ = find_round(key)
        summary = decision_letters.queue_decisions(round_, only=only, workers=workers)
    except (RoundError, decision_letters.DecisionLetterError) as error:
        db.session.rollback()
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    if summary.no_postbox:
        click.echo("No post box registered, so no letter for: "
                   + ", ".join(summary.no_postbox), err=True)
    click.echo(f"{round_.key}: decision letters {summary.line()}")
    if summary.no_postbox:
        sys.exit(1)
