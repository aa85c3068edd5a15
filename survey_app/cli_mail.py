"""Mail jobs for cron: ``flask --app wsgi invitations send SLUG/YEAR``,
``flask --app wsgi reminders send SLUG/YEAR`` and ``flask --app wsgi mail send`` (the
queued mail, such as a receipt SMTP refused at submit time, every few minutes).

Safe to run on several servers at once: each mail is claimed in the database before it
is sent (see survey_app.services.invitations). Prints one summary line; exits 1 when a
mail could not be sent (its claim is released, so the next run retries it).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from survey_app.mail import deliver_queued
from survey_app.models import Round
from survey_app.models.users import utcnow
from survey_app.services import invitations
from survey_app.services.rounds import RoundError, find_round

invitations_cli = AppGroup("invitations", help="Invitation links to report.")
reminders_cli = AppGroup("reminders", help="Reminders to municipalities that have not reported.")
mail_cli = AppGroup("mail", help="The outbox's queued mail.")

BASE_URL = click.option("--base-url", metavar="URL",
                        help="The service's public address for links (default: PUBLIC_URL).")


def _run(key: str, base_url: str | None,
         job: Callable[[Round, str, dt.datetime], invitations.Summary]) -> None:
    base = base_url or current_app.config.get("PUBLIC_URL")
    if not base:
        click.echo("Error: no address for the links: set PUBLIC_URL or pass --base-url "
                   "https://...", err=True)
        sys.exit(1)
    try:
        round_ = find_round(key)
    except RoundError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    summary = job(round_, base, utcnow())
    for failure in summary.failures:
        click.echo(f"failed: {failure}", err=True)
    click.echo(f"{round_.key}: {summary.line()}")
    if summary.failed:
        sys.exit(1)


@invitations_cli.command("send")
@click.argument("key", metavar="SLUG/YEAR")
@BASE_URL
def send_invitations_command(key: str, base_url: str | None) -> None:
    """Send a personal link to every recipient of the round not invited yet."""
    _run(key, base_url, invitations.send_invitations)


@reminders_cli.command("send")
@click.argument("key", metavar="SLUG/YEAR")
@BASE_URL
def send_reminders_command(key: str, base_url: str | None) -> None:
    """Send today's due reminder to recipients of grants not yet reported."""
    _run(key, base_url, invitations.send_reminders)


@mail_cli.command("send")
def send_queued_command() -> None:
    """Send the queued mail that is due; a failed mail is retried later, with longer pauses.
    Exits 1 when a mail failed in this run."""
    delivery = deliver_queued(utcnow())
    for failure in delivery.failures:
        click.echo(f"failed: {failure}", err=True)
    click.echo(f"mail: {delivery.line()}")
    if delivery.failures:
        sys.exit(1)


def init_app(app: Flask) -> None:
    for group in (invitations_cli, reminders_cli, mail_cli):
        app.cli.add_command(group)
