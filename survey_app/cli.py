"""Command-line jobs: ``flask --app wsgi GROUP COMMAND``. Safe to run from cron."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from survey_app import tabular
from survey_app.offices import office_name
from survey_app.services import demo, register
from survey_app.services.users import (
    UserError,
    activate_user,
    create_user,
    deactivate_user,
    set_approver,
)

if TYPE_CHECKING:
    from survey_app.models import User

municipalities_cli = AppGroup("municipalities", help="The municipality register.")
users_cli = AppGroup("users", help="Accounts and roles.")
demo_cli = AppGroup("demo", help="Demo data for a development checkout.")
questionnaires_cli = AppGroup("questionnaires", help="Questionnaire files.")


@municipalities_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                required=False)
def import_municipalities(file: Path | None) -> None:
    """Import a register file (kommunenummer;navn;fylke;gyldig_fra;gyldig_til).

    Without FILE, imports the shipped register: the numbering of 2020–2023 (356
    municipalities) and the one from 2024 (357), each entry with its validity period.
    All or nothing.
    """
    path = file or register.SHIPPED_REGISTER
    try:
        result = register.import_register(tabular.read_file(path), source=str(path))
    except tabular.TableError as refused:
        result = register.ImportResult(errors=refused.problems)
    if result.errors:
        for error in result.errors:
            click.echo(f"{path}: {error}", err=True)
        click.echo(f"{len(result.errors)} problem(s); nothing was imported.", err=True)
        sys.exit(1)
    click.echo(f"{result.added} municipalities added, {result.unchanged} unchanged.")


@municipalities_cli.command("list")
@click.option("--year", type=int, help="The year whose numbering to list (default: this year).")
def list_municipalities(year: int | None) -> None:
    """One line per municipality in force on 1 January of the year: number, name, county,
    Statsforvalter office (as named that year)."""
    year = year or dt.date.today().year
    selection = register.municipalities_for_year(year)
    if not selection.found:
        click.echo(f"Error: {selection.refusal}", err=True)
        sys.exit(1)
    for m in selection.municipalities:
        click.echo(f"{m.number} {m.display_name}; {m.county_name}; "
                   f"{office_name(m.office, year)}")


@municipalities_cli.command("changes")
@click.argument("from_year", type=int)
@click.argument("to_year", type=int)
def list_changes(from_year: int, to_year: int) -> None:
    """The numbers that changed from FROM_YEAR's numbering to TO_YEAR's: one line per old
    and new number (OLD name -> NEW name); other numbers are the same in both."""
    try:
        changes = register.changes_between(from_year, to_year)
    except register.RegisterError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    for change in changes:
        click.echo(f"{change.old_number} {change.old_name} -> "
                   f"{change.new_number} {change.new_name} ({change.on.isoformat()})")
    numbers = len({c.old_number for c in changes})
    click.echo(f"{numbers} numbers changed from {from_year} to {to_year}; "
               "every other number is the same in both.")


postboxes_cli = AppGroup("postboxes", help="The municipalities' official post boxes.")
municipalities_cli.add_command(postboxes_cli)


@postboxes_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_postboxes_command(file: Path) -> None:
    """Set municipalities' post boxes from a file (kommunenummer;e-post), all or nothing.

    The numbers listed get the address given; every other post box stays as it is. The
    decision letters, receipts and claim letters go to these addresses.
    """
    from survey_app.services import postboxes

    try:
        result = postboxes.import_postboxes(tabular.read_file(file, postboxes.LIMITS),
                                            file.name, source=str(file))
    except tabular.TableError as refused:
        result = postboxes.ImportResult(errors=refused.problems)
    if result.errors:
        for error in result.errors:
            click.echo(f"{file}: {error}", err=True)
        click.echo(f"{len(result.errors)} problem(s); nothing was imported.", err=True)
        sys.exit(1)
    click.echo(result.line())


@postboxes_cli.command("list")
def list_postboxes_command() -> None:
    """One line per registered post box: kommunenummer;e-post (the import's format)."""
    from survey_app.services import postboxes

    click.echo("kommunenummer;e-post")
    for number, email in postboxes.all_postboxes():
        click.echo(f"{number};{email}")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True,
              type=click.Choice(["coordinator", "reviewer", "auditor", "admin",
                                 "author"]))
@click.option("--municipality", "municipalities", multiple=True, metavar="NNNN",
              help="A coordinator's municipality; repeat for several.")
@click.option("--office", help="A reviewer's or auditor's scope (required for them): "
              "`national`, or a Statsforvalter office, e.g. innlandet.")
@click.option("--name", default="", help="The person's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, role: str, municipalities: tuple[str, ...],
                        office: str | None, name: str, password_stdin: bool) -> None:
    """Create an account; prints a generated password unless --password-stdin."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        user, generated = create_user(email, role, municipalities=municipalities,
                                      office=office, password=password, name=name)
    except UserError as error:
        click.echo(f"Error: {error}.", err=True)
        sys.exit(1)
    click.echo(f"Created {user.email} ({user.role}).")
    if generated:
        click.echo(f"Password (shown once): {generated}")


@users_cli.command("approver")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the authority away again.")
def approver_command(email: str, revoke: bool) -> None:
    """Let a reviewer approve repayment decisions that another reviewer drafted."""
    try:
        user = set_approver(email, allowed=not revoke)
    except UserError as error:
        click.echo(f"Error: {error}.", err=True)
        sys.exit(1)
    click.echo(f"{user.email} {'may no longer' if revoke else 'may now'} approve decisions.")


def _set_active(change: Callable[[str], tuple[User, bool]], email: str, done: str,
                already: str) -> None:
    try:
        user, changed = change(email)
    except UserError as error:
        click.echo(f"Error: {error}.", err=True)
        sys.exit(1)
    click.echo(f"{user.email} {done if changed else already}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Stop an account signing in; its open sessions end at once (audit-logged)."""
    _set_active(deactivate_user, email, "is deactivated", "was deactivated already")


@users_cli.command("activate")
@click.argument("email")
def activate_command(email: str) -> None:
    """Let a deactivated account sign in again (no old session comes back)."""
    _set_active(activate_user, email, "is active again", "was active already")


@users_cli.command("break-glass")
@click.argument("email")
@click.option("--off", is_flag=True, help="Take the emergency access away (ends the "
              "account's password sign-ins).")
def break_glass_command(email: str, off: bool) -> None:
    """Let an admin sign in with a password where only break-glass admins may
    (PASSWORD_SIGN_IN=break-glass, production's default); with a TOTP code too."""
    from survey_app.auth import totp

    try:
        user, changed, ended = totp.set_break_glass(email, on=not off)
    except UserError as error:
        click.echo(f"Error: {error}.", err=True)
        sys.exit(1)
    state = "no longer has" if off else "has"
    click.echo(f"{user.email} {state} break-glass access"
               f"{'' if changed else ' (unchanged)'}"
               f"{f'; {ended} password sign-in(s) ended' if ended else ''}.")


@users_cli.command("totp-reset")
@click.argument("email")
def totp_reset_command(email: str) -> None:
    """Take an account's TOTP and recovery codes away (a lost phone): its next password
    sign-in sets TOTP up again. Ends every session of the account (audit-logged)."""
    from survey_app.auth import totp

    try:
        user, ended = totp.reset_totp(email)
    except UserError as error:
        click.echo(f"Error: {error}.", err=True)
        sys.exit(1)
    click.echo(f"{user.email}: two-step sign-in reset; {ended} session(s) ended.")


@users_cli.command("bind")
@click.argument("email")
@click.argument("provider", type=click.Choice(["kommune", "stat"]))
@click.argument("subject")
def bind_command(email: str, provider: str, subject: str) -> None:
    """Bind a person's stable subject at an OpenID Connect provider to the account
    (the `sub` of their ID token: a pseudonym at ID-porten, the object id at Entra ID)."""
    from survey_app.auth import oidc
    from survey_app.extensions import db
    from survey_app.models import User

    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        click.echo(f"Error: no account {email}.", err=True)
        sys.exit(1)
    try:
        oidc.bind(user, provider, subject.strip(), by="cli")
    except ValueError as error:
        db.session.rollback()
        click.echo(f"Error: {error}.", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{user.email} now signs in with {provider} as {subject.strip()}.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Load the register and one demo user per role; a second run changes nothing."""
    if current_app.config["APP_ENV"] == "production":
        click.echo("Error: demo data is not loaded in production (APP_ENV=production).", err=True)
        sys.exit(1)
    report = demo.seed()
    click.echo(f"Register: {report.municipalities_added} municipalities added. "
               f"Users: {len(report.users_added)} added. "
               f"Rounds: {', '.join(report.rounds_added) or 'none'} added. "
               f"Post boxes: {report.postboxes_added} added.")
    click.echo("Demo logins (e-mail / password):")
    for user in demo.DEMO_USERS:
        click.echo(f"  {user.email:42} {user.password:22} {user.description}")


@questionnaires_cli.command("publish")
def publish_questionnaires() -> None:
    """Record the shipped questionnaires, scheme entries and rules as published (run after
    `db upgrade`; a second run changes nothing). A shipped version whose text differs from
    the published one is named and left alone: a correction is a new version."""
    from survey_app.extensions import db
    from survey_app.questionnaires import DEFAULT_DIRECTORY
    from survey_app.services.publishing import publish_seed

    directory = Path(current_app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY)
    report = publish_seed(directory, current_app.extensions["questionnaires"])
    db.session.commit()
    click.echo(f"Published: {', '.join(report.published) or 'nothing new'}; "
               f"{report.unchanged} unchanged.")
    for conflict in report.conflicts:
        click.echo(f"Not published: {conflict}.", err=True)
    if report.conflicts:
        sys.exit(1)


@questionnaires_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--language", default="nb", type=click.Choice(["nb", "nn", "en"]),
              help="The language of the messages (default bokmål).")
def check_questionnaires(paths: tuple[Path, ...], language: str) -> None:
    """Check questionnaire and rules files (default: the service's folder, with its
    rules/ folder); prints FILE:LINE:COLUMN: message for every problem."""
    from forms.messages import Msg, message
    from survey_app.questionnaires import DEFAULT_DIRECTORY, check_paths

    roots = paths or (Path(current_app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY),)
    result = check_paths(roots)
    for problem in result.problems + result.warnings:  # a warning's text says it is one
        click.echo(problem.text(language))
    if result.warnings:
        click.echo(message(Msg.CHECK_WARNINGS, language, warnings=len(result.warnings)),
                   err=True)
    if result.problems:
        click.echo(message(Msg.CHECK_FAILED, language, problems=len(result.problems),
                           files=result.files), err=True)
        sys.exit(1)
    questionnaires = result.questionnaires.questionnaires
    click.echo(message(
        Msg.CHECK_OK, language, files=result.form_files, questionnaires=len(questionnaires),
        questions=sum(1 for q in questionnaires for _ in q.questions()),
        rule_files=result.rule_files, rules=sum(len(r.rules) for r in result.rules.rule_sets),
        schemes=len(result.schemes.entries) if result.schemes else 0))

def init_app(app: Flask) -> None:
    from survey_app.cli_applications import applications_cli
    from survey_app.cli_export import init_app as init_export_cli
    from survey_app.cli_flags import flags_cli
    from survey_app.cli_letters import letters_cli
    from survey_app.cli_mail import init_app as init_mail_cli
    from survey_app.cli_rounds import grants_cli, rounds_cli

    for group in (municipalities_cli, users_cli, demo_cli, questionnaires_cli, rounds_cli,
                  grants_cli, flags_cli, letters_cli, applications_cli):
        app.cli.add_command(group)
    init_mail_cli(app)
    init_export_cli(app)
