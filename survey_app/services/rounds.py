"""Schemes (from `questionnaires/schemes/schemes.yaml`) and their rounds, by `SLUG/YEAR`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import Grant, Municipality, Round, Scheme
from survey_app.questionnaires import DEFAULT_DIRECTORY, scheme_entries
from survey_app.services.scheme_rules import SchemeRules, YearRefusal, parse_rules

ROUND_KEY = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)/(?P<year>\d{4})$")


class RoundError(Exception):
    """A round that cannot be found or made, with a message for the person who asked."""


class RoundExists(RoundError):
    """The scheme has a round for that year already."""


class RoundYearRefused(RoundError):
    """The scheme has no round for that grant year (its rules say when it begins and ends);
    ``refusal`` carries the years so that a page can say it in the reader's language."""

    def __init__(self, refusal: YearRefusal) -> None:
        self.refusal = refusal
        super().__init__(refusal.text())


def schemes_file() -> Path:
    directory = current_app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY
    return Path(directory) / "schemes" / "schemes.yaml"


def _scheme_entries() -> list[dict[str, Any]]:
    return scheme_entries()  # the shipped file's, with the published ones over them


def scheme_rules(slug: str) -> SchemeRules:
    """The rules the schemes file gives the scheme (none when it has no entry or rules)."""
    entry = next((e for e in _scheme_entries() if e.get("slug") == slug), None)
    return parse_rules(slug, entry.get("rules") if entry else None)


def sync_schemes() -> int:
    """Creates or updates the schemes from the schemes file; returns how many changed.

    Each scheme's rules are read too, so that a mistake in them is found here and not
    when the first round is created.
    """
    entries = _scheme_entries()
    changed = 0
    for entry in entries:
        parse_rules(entry["slug"], entry.get("rules"))
        scheme = db.session.scalar(sa.select(Scheme).where(Scheme.slug == entry["slug"]))
        if scheme is None:
            scheme = Scheme(slug=entry["slug"])
            db.session.add(scheme)
        values = {
            "chapter_post": str(entry["chapter_post"]),
            "administration": entry["administration"],
            "questionnaire_id": entry.get("questionnaire", entry["slug"]),
            "name_nb": entry["name"]["nb"],
            "name_nn": entry["name"].get("nn") or entry["name"]["nb"],
            "name_en": entry["name"].get("en") or entry["name"]["nb"],
            "legal_basis_nb": entry.get("legal_basis", {}).get("nb", ""),
            "legal_basis_nn": entry.get("legal_basis", {}).get("nn", ""),
        }
        if any(getattr(scheme, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(scheme, key, value)
            changed += 1
    db.session.flush()
    return changed


def parse_round_key(key: str) -> tuple[str, int]:
    match = ROUND_KEY.match(key.strip())
    if match is None:
        raise RoundError(f"{key!r} is not a round: write SLUG/YEAR, for example "
                         "lavterskel-psykisk-helse/2022")
    return match["slug"], int(match["year"])


def find_scheme(slug: str) -> Scheme:
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.slug == slug))
    if scheme is None:
        known = ", ".join(db.session.scalars(sa.select(Scheme.slug).order_by(Scheme.slug)))
        raise RoundError(f"There is no scheme {slug!r}. Known schemes: {known or 'none'}.")
    return scheme


def find_round(key: str) -> Round:
    """The round `SLUG/YEAR`, or a RoundError that says what exists."""
    slug, year = parse_round_key(key)
    scheme = find_scheme(slug)
    found = db.session.scalar(sa.select(Round).where(Round.scheme_id == scheme.id,
                                                     Round.year == year))
    if found is None:
        years = ", ".join(str(r.year) for r in scheme.rounds) or "none"
        raise RoundError(f"There is no round {slug}/{year}. Rounds of {slug}: {years}. "
                         f"Create it with `flask --app wsgi rounds create {slug}/{year} ...`.")
    return found


@dataclass(frozen=True)
class RoundDates:
    opens_on: dt.date
    deadline: dt.date
    grace_days: int = 0
    opt_out_deadline: dt.date | None = None
    payment_date: dt.date | None = None


def create_round(key: str, dates: RoundDates, budget: int | None = None,
                 position_rates: dict[str, int] | None = None) -> Round:
    """A new round; refused when it exists, or when the scheme has no round that year."""
    slug, year = parse_round_key(key)
    scheme = find_scheme(slug)
    if db.session.scalar(sa.select(Round.id).where(Round.scheme_id == scheme.id,
                                                   Round.year == year)):
        raise RoundExists(f"The round {slug}/{year} exists already.")
    refusal = scheme_rules(slug).year_refusal(year)
    if refusal is not None:
        raise RoundYearRefused(refusal)
    if dates.deadline < dates.opens_on:
        raise RoundError("The reporting deadline is before reporting opens.")
    created = Round(scheme=scheme, year=year, budget=budget, opens_on=dates.opens_on,
                    deadline=dates.deadline, grace_days=dates.grace_days,
                    opt_out_deadline=dates.opt_out_deadline,
                    payment_date=dates.payment_date, position_rates=position_rates)
    db.session.add(created)
    db.session.flush()
    return created


def grant_context(grant: Grant, municipality: Municipality | None) -> dict[str, object]:
    """The figures a questionnaire may show and prefill for this grant (CONTEXT_NAMES)."""
    return {
        "grant.amount": Decimal(grant.amount),
        "grant.year": grant.round.year,
        "municipality.name": municipality.display_name if municipality else "",
        "municipality.number": grant.municipality_number,
        "round.year": grant.round.deadline.year,  # the reporting year
        "round.deadline": grant.round.deadline,
    }


def round_context(round_: Round) -> dict[str, object]:
    """The figures a questionnaire text may show where there is no one grant (a dashboard
    or an export over many municipalities): the round's; the grant's amount and the
    municipality are left out, and forms.builder.render_text says them in neutral words."""
    return {
        "grant.year": round_.year,
        "round.year": round_.deadline.year,
        "round.deadline": round_.deadline,
    }
