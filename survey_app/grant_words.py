"""A grant's history in words: why each amount or status changed, for the admin who reads it.

The grant_events table keeps the reason codes the services write (services.grants,
services.payments, services.decisions); the round page shows these sentences instead, in
the reader's language, and the code itself only for a reason this release does not know
(an older release's). A test checks every reason the services write has its words here.
"""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _

from survey_app.formatting import date

# What the services write (reason column, at most 80 characters).
_FIXED = {
    "allocated": lambda: _("Allocated by the round's key."),
    "imported": lambda: _("Imported from a grant list."),
    "positions": lambda: _("Granted for positions (per full-time equivalent)."),
    "approved": lambda: _("The report was approved."),
}
# services.grants.opt_out: "opt-out of 3405", with " (forced: <why it was late>)" when forced.
_OPT_OUT = re.compile(r"opt-out of (\d{4})(?: \(forced: (.*)\))?")
_NO_DEADLINE = "the round has no opt-out deadline"
_AFTER_DEADLINE = re.compile(r"after the opt-out deadline (\d{4}-\d{2}-\d{2})")
# services.payments._mark_paid: "paid 2022-04-29", with " (<payment file>)" from a file;
# cut at 80 characters, so a long file name may have lost its closing parenthesis.
_PAID = re.compile(r"paid (\d{4}-\d{2}-\d{2})(?: \((.*?)\)?)?")


def known_reason(reason: str) -> bool:
    """Whether the reason has words here (an unknown one is shown as a code on demand)."""
    return reason in _FIXED or bool(_OPT_OUT.fullmatch(reason) or _PAID.fullmatch(reason))


def history_reason(reason: str, number: str) -> str:
    """The reason a grant to ``number`` changed, as a sentence in the reader's language."""
    if reason in _FIXED:
        return _FIXED[reason]()
    opt_out = _OPT_OUT.fullmatch(reason)
    if opt_out:
        declined, forced = opt_out.groups()
        words = (_("%(number)s declined the grant.", number=declined) if declined == number
                 else _("Shared out again after %(number)s declined the grant.",
                        number=declined))
        return f"{words} {_forced(forced)}" if forced is not None else words
    paid = _PAID.fullmatch(reason)
    if paid:
        day, filename = _day(paid.group(1)), paid.group(2)
        if filename:
            return _("Paid out %(day)s (payment file %(file)s).", day=day, file=filename)
        return _("Paid out %(day)s.", day=day)
    return _("Another change.")


def _forced(late: str) -> str:
    if late == _NO_DEADLINE:
        return _("Recorded by override: the round has no opt-out deadline.")
    after = _AFTER_DEADLINE.fullmatch(late)
    if after:
        return _("Recorded by override after the opt-out deadline %(day)s.",
                 day=_day(after.group(1)))
    return _("Recorded by override.")


def _day(iso: str) -> str:
    try:
        return date(dt.date.fromisoformat(iso))
    except ValueError:  # a date the pattern let by but the calendar does not have
        return iso


def history_actor(actor: str) -> str:
    """A person by their address; the service's own jobs ("system", the demo data's
    "demo") as the service."""
    return actor if "@" in actor else _("The service, automatically")
