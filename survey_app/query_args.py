"""Reading numbers and dates from a query string: the one place list pages do it.

A query string is typed by hand, kept in bookmarks and edited by the curious, so every
value is read strictly (ASCII digits only, an ISO date) and kept within what the database
and Python's dates can hold; what cannot be read is reported, never a server error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

_DIGITS = re.compile(r"[0-9]{1,9}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Pages beyond this are empty anyway; the bound keeps OFFSET within a 64-bit integer.
MAX_PAGE = 1_000_000
# Our choice, no seed says: the service's records start in this century, and a day is
# added to the "to" date (dt.date.max + 1 day does not exist).
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def page_arg(args: Mapping[str, str], name: str = "page") -> int:
    """The page number asked for, 1 when it is absent or cannot be read (``٢``, ``-1``,
    ``2**63``); a number beyond :data:`MAX_PAGE` is that last page."""
    raw = (args.get(name) or "").strip()
    if not _DIGITS.fullmatch(raw):
        return MAX_PAGE if raw.isascii() and raw.isdigit() else 1
    return min(max(int(raw), 1), MAX_PAGE)


def date_arg(args: Mapping[str, str], name: str) -> tuple[dt.date | None, bool]:
    """(the date, whether it was readable): an absent value is (None, True); a value that
    is not a YYYY-MM-DD date between :data:`FIRST_DATE` and :data:`LAST_DATE` is
    (None, False), for the page to say so."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None, True
    if not _ISO_DATE.fullmatch(raw):
        return None, False
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        return None, False
    if not FIRST_DATE <= value <= LAST_DATE:
        return None, False
    return value, True
