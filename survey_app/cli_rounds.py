"""Command-line jobs for rounds and grants: ``flask --app wsgi rounds|grants COMMAND``.

Every command is all or nothing: on an error it writes the reasons to standard error,
exits with status 1 and leaves the database as it was; on success it prints one line.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup

from survey_app import tabular
from survey_app.extensions import db
from survey_app.models import Round
from survey_app.services import grants, payments, register, rounds, scheme_rules

rounds_cli = AppGroup("rounds", help="Reporting rounds: one grant year of a scheme.")
grants_cli = AppGroup("grants", help="The grants of a round.")

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def fail(*messages: str) -> NoReturn:
    db.session.rollback()
    for message in messages:
        click.echo(message, err=True)
    sys.exit(1)


def read(path: Path, nothing: str = "nothing was imported") -> bytes:
    """The file's bytes, within the import caps (survey_app.tabular), or fail saying why."""
    try:
        return tabular.read_file(path)
    except tabular.TableError as error:
        fail(*(f"{path.name}: {p}" for p in error.problems), f"Refused; {nothing}.")


def find(key: str) -> Round:
    try:
        return rounds.find_round(key)
    except rounds.RoundError as error:
        fail(f"Error: {error}")


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return register.parse_date(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date: write YYYY-MM-DD or dd.mm.yyyy", param, ctx)


class KronerType(click.ParamType):
    name = "AMOUNT"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return grants.whole_kroner(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


def parse_rates(text: str) -> dict[str, int]:
    """``1=660000,2=550000`` (or ``any=330000`` for one rate whatever the year)."""
    rates: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        year, _, amount = part.partition("=")
        year = year.strip().lower()
        if not (year == grants.ANY_YEAR or year in {"1", "2", "3", "4"}):
            raise click.BadParameter(f"{part!r}: the year in the track must be 1–4 or "
                                     f"{grants.ANY_YEAR}, as in 1=660000,2=550000")
        try:
            rates[year] = grants.whole_kroner(amount)
        except ValueError as error:
            raise click.BadParameter(f"{part!r}: {error}") from error
    if not rates:
        raise click.BadParameter("no rates given")
    return rates


def _rates_option(_ctx: click.Context, _param: click.Parameter,
                  value: str | None) -> dict[str, int] | None:
    return parse_rates(value) if value else None


@rounds_cli.command("create")
@click.argument("key", metavar="SLUG/YEAR")
@click.option("--opens", required=True, type=DateType(), help="The day reporting opens.")
@click.option("--deadline", required=True, type=DateType(), help="The last day on time.")
@click.option("--grace-days", default=0, type=click.IntRange(0, 365), show_default=True)
@click.option("--opt-out-deadline", type=DateType(), help="The last day to decline.")
@click.option("--payment-date", type=DateType())
@click.option("--budget", type=KronerType(), help="The pot in kroner, e.g. 100 000 000.")
@click.option("--rates", callback=_rates_option,
              help="Kroner per 100 %% position by year in the track: 1=660000,2=550000,... "
                   "or any=330000 (default: the rates schemes.yaml gives the scheme for "
                   "that year, if any).")
def create_round(key: str, opens: dt.date, deadline: dt.date, grace_days: int,
                 opt_out_deadline: dt.date | None, payment_date: dt.date | None,
                 budget: int | None, rates: dict[str, int] | None) -> None:
    """Create the round SLUG/YEAR (the schemes file is read first)."""
    dates = rounds.RoundDates(opens_on=opens, deadline=deadline, grace_days=grace_days,
                              opt_out_deadline=opt_out_deadline, payment_date=payment_date)
    try:
        rounds.sync_schemes()
        created = grants.open_round(key, dates, budget=budget, rates=rates)
    except (rounds.RoundError, scheme_rules.SchemeRulesError) as error:
        fail(f"Error: {error}")
    click.echo(f"Created {created.key}: opens {created.opens_on.isoformat()}, deadline "
               f"{created.deadline.isoformat()} (+{created.grace_days} days' grace).")


@rounds_cli.command("list")
def list_rounds() -> None:
    """One line per round: SLUG/YEAR;deadline;grants;total."""
    for summary in grants.round_summaries():
        click.echo(f"{summary.round.key};{summary.round.deadline.isoformat()};"
                   f"{summary.grants};{summary.total}")


def _report(result: grants.ImportResult, path: Path, what: str, key: str) -> None:
    if result.errors:
        fail(*(f"{path.name}: {e}" for e in result.errors),
             f"{len(result.errors)} problem(s); nothing was imported.")
    year = rounds.parse_round_key(key)[1]
    click.echo(f"{len(result.grants)} {what} imported into {key}, "
               f"{result.total} kr in total (the register of 1 January {year}).")


@grants_cli.command("import")
@click.argument("key", metavar="SLUG/YEAR")
@click.argument("file", type=FILE)
def import_grants(key: str, file: Path) -> None:
    """Add grants from FILE (CSV or XLSX: kommunenummer;amount). All or nothing."""
    found = find(key)
    result = grants.import_grants(found, read(file), file.name)
    _report(result, file, "grants", found.key)


@grants_cli.command("positions")
@click.argument("key", metavar="SLUG/YEAR")
@click.argument("file", type=FILE)
def import_positions(key: str, file: Path) -> None:
    """Grants from positions in FILE (kommunenummer;title;percent;track_year)."""
    found = find(key)
    result = grants.import_positions(found, read(file), file.name)
    _report(result, file, "grants from positions", found.key)


@grants_cli.command("list")
@click.argument("key", metavar="SLUG/YEAR")
def list_grants(key: str) -> None:
    """One line per grant: kommunenummer;name;amount;status."""
    found = find(key)
    numbering = grants.Numbering.for_year(found.year)
    for grant in grants.grants_of(found):
        click.echo(f"{grant.municipality_number};{numbering.name(grant.municipality_number)};"
                   f"{grant.amount};{grant.status}")


@grants_cli.command("allocate")
@click.argument("key", metavar="SLUG/YEAR")
@click.option("--total", required=True, type=KronerType(), help="The pot in whole kroner.")
@click.option("--key", "key_source", metavar="FILE|population",
              help="The allocation key (required): a key file kommunenummer;weight covering "
                   "every municipality of the grant year (e.g. the health key), or the word "
                   "population for the register's inhabitants. No default.")
@click.option("--name", "key_name", help="The key's name (default: the file name).")
def allocate(key: str, total: int, key_source: str | None, key_name: str | None) -> None:
    """Share TOTAL among the municipalities by a named key; the sum is exact to the krone.

    There is no default key: the health key is not in the register, and population is
    used only when asked for by name.
    """
    found = find(key)
    chosen = _key(found, key_source, key_name)
    try:
        made = grants.allocate(found, total, chosen)
    except grants.GrantError as error:
        fail(f"Error: {error}")
    click.echo(f"{len(made)} grants allocated in {found.key} by the key {chosen.name} "
               f"({chosen.source}), {sum(g.amount for g in made)} kr in total.")


def _key(found: Round, source: str | None, name: str | None) -> grants.Key:
    """The key asked for, or fail saying which keys there are."""
    if not source:
        fail("Error: say which key: --key FILE (kommunenummer;weight, e.g. the health key "
             "published by the ministry) or --key population (the register's inhabitants). "
             "There is no default key; nothing was allocated.")
    if source.casefold() == grants.POPULATION:
        try:
            return grants.population_key(found.year)
        except grants.GrantError as error:
            fail(f"Error: {error}")
    path = Path(source)
    if not path.is_file():
        fail(f"Error: --key {source!r} is neither a file nor population; nothing was "
             "allocated.")
    chosen, errors = grants.read_key(found, read(path, "nothing was allocated"), path.name,
                                     name)
    if chosen is None:
        fail(*(f"{path.name}: {e}" for e in errors),
             f"{len(errors)} problem(s); nothing was allocated.")
    return chosen


@grants_cli.command("opt-out")
@click.argument("key", metavar="SLUG/YEAR")
@click.argument("number", metavar="NNNN")
@click.option("--force", is_flag=True, help="Record it even after the opt-out deadline.")
def opt_out(key: str, number: str, force: bool) -> None:
    """Municipality NNNN declines its grant; the others share its money by the key."""
    found = find(key)
    try:
        changed = grants.opt_out(found, number, today=dt.date.today(), force=force)
    except grants.GrantError as error:
        fail(f"Error: {error}")
    key_row = grants.round_key(found)
    by = f" by the key {key_row.name}" if key_row else ""
    click.echo(f"{number} opted out of {found.key}; {len(changed) - 1} other grants "
               f"changed{by}, {sum(g.amount for g in grants.grants_of(found))} kr in total.")



@grants_cli.command("pay")
@click.argument("key", metavar="SLUG/YEAR")
@click.option("--date", "on", type=DateType(),
              help="The day the grants were paid (default: the round's payment date).")
def pay(key: str, on: dt.date | None) -> None:
    """Mark every grant of the round paid, in full, on its payment date.

    Safe to run daily (from cron): before the round's payment date it changes nothing,
    and a grant paid once is never paid again. A date after today is refused.
    """
    found = find(key)
    try:
        result = payments.pay_round(found, payments.oslo_today(), on)
    except payments.PaymentError as error:
        fail(f"Error: {error}")
    if not result.due:
        click.echo(f"{found.key} is paid on {result.on.isoformat()}, which has not come: "
                   "nothing was marked paid.")
        return
    click.echo(f"{len(result.paid)} grants in {found.key} marked paid on "
               f"{result.on.isoformat()}, {result.total} kr in total; "
               f"{result.already_paid} were paid already.")


@grants_cli.command("payments")
@click.argument("key", metavar="SLUG/YEAR")
@click.argument("file", type=FILE)
def import_payments(key: str, file: Path) -> None:
    """Record the payments in FILE (CSV or XLSX: kommunenummer;amount;date). All or
    nothing; each grant is paid once, in full, on a day no later than today."""
    found = find(key)
    result = payments.import_payments(found, read(file, "nothing was marked paid"),
                                      file.name, payments.oslo_today())
    if result.errors:
        fail(*(f"{file.name}: {e}" for e in result.errors),
             f"{len(result.errors)} problem(s); nothing was marked paid.")
    click.echo(f"{len(result.paid)} grants in {found.key} marked paid, {result.total} kr in "
               f"total; {result.already_paid} rows were recorded already.")
