"""The offices' frames from the command line: ``flask --app wsgi applications COMMAND``.

``applications frame 765.62/2023 innlandet 25000000 [--transitional-cap N]`` sets an
office's frame as Helsedirektoratet does on the frames page (services.application_decisions,
audit-logged with the actor "system"); ``applications frames 765.62/2023`` lists them.
Exits 1 with the reason when refused, and changes nothing then.
"""

from __future__ import annotations

import re
import sys

import click
from flask.cli import AppGroup

from forms.money import NumberError, parse_amount
from survey_app.extensions import db
from survey_app.offices import OFFICES
from survey_app.services import application_decisions
from survey_app.services.decisions import DecisionError

applications_cli = AppGroup("applications", help="Applications and the offices' frames.")
FRAME_KEY = re.compile(r"(?P<chapter_post>[0-9]{3,4}\.[0-9]{2})/(?P<year>20[0-9]{2})")


def _key(text: str) -> tuple[str, int]:
    match = FRAME_KEY.fullmatch(text.strip())
    if match is None:
        raise click.BadParameter(f"{text!r}: write CHAPTER.POST/YEAR, for example 765.62/2023")
    return match["chapter_post"], int(match["year"])


def _kroner(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    try:
        value = parse_amount(text)
    except NumberError as error:
        raise click.BadParameter(f"{what} {text!r}: {error.text('en')}") from error
    if value != value.to_integral_value():
        raise click.BadParameter(f"{what} {text!r}: whole kroner, without øre")
    return int(value)


@applications_cli.command("frame")
@click.argument("key", metavar="CHAPTER.POST/YEAR")
@click.argument("office", type=click.Choice(sorted(OFFICES)))
@click.argument("amount")
@click.option("--transitional-cap", "cap", metavar="KRONER",
              help="The most of the frame the transitional scheme's decisions may take.")
def frame_command(key: str, office: str, amount: str, cap: str | None) -> None:
    """Set an office's frame for a chapter/post and year (kroner)."""
    chapter_post, year = _key(key)
    kroner, cap_kroner = _kroner(amount, "amount"), _kroner(cap, "--transitional-cap")
    try:
        _frame, changed = application_decisions.set_frame(chapter_post, year, office, kroner,
                                                          cap_kroner, None)
    except DecisionError as error:
        db.session.rollback()
        click.echo(f"Refused: {error}", err=True)
        sys.exit(1)
    kr = application_decisions.kr
    cap_text = "" if cap_kroner is None else f", transitional cap {kr(cap_kroner)}"
    click.echo(f"{chapter_post}/{year} {office}: frame {kr(kroner or 0)}{cap_text}"
               + ("" if changed else " (unchanged)"))


@applications_cli.command("frames")
@click.argument("key", metavar="CHAPTER.POST/YEAR")
def frames_command(key: str) -> None:
    """The ten offices' frames and what their decisions take: office;frame;cap;decided;proposed."""
    chapter_post, year = _key(key)
    click.echo("office;frame;transitional_cap;decided;proposed")
    for row in application_decisions.frames_overview(chapter_post, year):
        frame = row.frame
        click.echo(";".join(str(v) for v in (
            row.office, frame.amount if frame else "",
            "" if frame is None or frame.transitional_cap is None else frame.transitional_cap,
            row.usage.approved, row.usage.proposed)))
