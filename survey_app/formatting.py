"""Display formats (Norwegian conventions), registered as Jinja filters."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from forms.money import format_amount

NBSP = "\u00a0"


def thousands(value: int) -> str:
    """``1234567`` → ``1 234 567`` with non-breaking spaces, as nb_NO writes numbers."""
    return f"{value:,}".replace(",", NBSP)


def kroner(value: int) -> str:
    """Whole kroner as in the grant letters: ``1 234 567 kr`` (one money format: forms.money)."""
    return format_amount(value)


def date(value: Any) -> str:
    """``dd.mm.åååå``, as Norwegian letters write a date."""
    return value.strftime("%d.%m.%Y") if value is not None else ""


OSLO = ZoneInfo("Europe/Oslo")


def _in_oslo(value: dt.datetime | str) -> dt.datetime:
    """Stored times are naive UTC (models.utcnow), or ISO text of one in a draft's JSON; an
    aware one is converted as it is."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(OSLO)


def oslo_time(value: dt.datetime | str | None, seconds: bool = False) -> str:
    """A stored time as Norwegian clocks showed it: ``dd.mm.åååå kl. tt:mm`` (summer time
    included), with ``:ss`` where the order of events within a minute matters (logs)."""
    if value is None:
        return ""
    return _in_oslo(value).strftime("%d.%m.%Y kl. %H:%M" + (":%S" if seconds else ""))


def oslo_date(value: dt.datetime | None) -> str:
    """A stored time as the Norwegian calendar day it happened on: ``dd.mm.åååå``."""
    return _in_oslo(value).strftime("%d.%m.%Y") if value is not None else ""


def reject_key(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


def init_app(app: Flask) -> None:
    app.add_template_filter(thousands)
    app.add_template_filter(reject_key)
    app.add_template_filter(kroner)
    app.add_template_filter(date)
    app.add_template_filter(oslo_time)
    app.add_template_filter(oslo_date)
