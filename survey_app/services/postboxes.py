"""The municipalities' official post boxes (postmottak), where the decision letters,
receipts and claim letters go: ``flask --app wsgi municipalities postboxes import FILE``.

The file is ``kommunenummer;e-post`` (or ``,``-separated), read by ``survey_app.tabular``
like every import (UTF-8 with or without BOM, the same control-character, quoting and
delimiter rules), with caps of its own (``LIMITS``). An import is all or nothing: every bad
row is named with its line and reason and nothing changes. A good file sets the post box
of every number it lists (new or changed) and leaves every other post box as it is, with
one audit event for the change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from survey_app import audit, tabular
from survey_app.extensions import db
from survey_app.models import Mailbox, Municipality

# Accepted header names (lower case), the first one canonical, as in services.grants.
COLUMNS = {
    "kommunenummer": ("kommunenummer", "kommunenr", "knr"),
    "e-post": ("e-post", "epost", "e-postadresse", "email", "e-mail", "postmottak"),
}
# The project's choice (no seed names a size): the register holds some 700 numbers over
# both numberings, so 2 000 rows and 1 MB are generous and still stop a wrong file early.
LIMITS = tabular.Limits(max_bytes=1 * tabular.MB, max_rows=2_000, max_columns=20)
EMAIL_LENGTH = 254  # Mailbox.email's column, and RFC 5321's limit on a path
LOCAL_LENGTH = 64  # RFC 5321 § 4.5.3.1.1
# A plausible address, not all of RFC 5322: dot-atom local part and a domain of LDH
# labels with a letter-only top-level label (so no quoted local parts, IP literals or
# spaces). ASCII only: a municipality's post box is, and an internationalised domain is
# written in its xn-- form (SMTP without SMTPUTF8 takes nothing else).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")
# Anything below U+0020, DEL and the C1 range: tabular refuses most of them in the file,
# but a quoted value may still hold a line break or a tab.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
ACTION = "mailbox.import"


@dataclass
class ImportResult:
    """What an import did, or every reason it did nothing."""

    errors: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)  # kommunenummer
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{len(self.new)} new, {len(self.changed)} changed, "
                f"{len(self.unchanged)} unchanged post boxes.")


def check_email(text: str) -> tuple[str, str | None]:
    """The address as stored (lower case), and the reason it cannot be used (None when it
    can); a pure function."""
    found = _CONTROL.search(text)
    if found is not None:
        what = {"\r": "a carriage return (CR)", "\n": "a line break (LF)",
                "\x00": "a NUL byte", "\t": "a tab"}.get(found.group(), "a control character")
        return text, f"the e-mail address contains {what} (U+{ord(found.group()):04X})"
    if not text:
        return text, "the e-mail address is empty"
    if len(text) > EMAIL_LENGTH:
        return text, (f"the e-mail address is {len(text)} characters long, more than "
                      f"{EMAIL_LENGTH}")
    if not text.isascii():
        return text, (f"the e-mail address {text!r} has characters outside ASCII; write an "
                      "internationalised domain in its xn-- form")
    # The project's choice: addresses are kept in lower case, as accounts' are
    # (services.users), so one post box is not listed twice in two spellings.
    address = text.lower()
    if not _EMAIL.fullmatch(address) or len(address.split("@")[0]) > LOCAL_LENGTH:
        return text, f"{text!r} is not a plausible e-mail address (name@domain.no)"
    return address, None


def check_number(text: str, known: set[str]) -> tuple[str, str | None]:
    """The kommunenummer, and the reason it cannot be used (None when it can)."""
    # Excel drops a leading 0 (301 for 0301), as services.grants.Numbering.check allows.
    number = text.zfill(4) if tabular.ascii_digits(text) and len(text) == 3 else text
    if not tabular.KOMMUNENUMMER.fullmatch(number):
        return number, f"kommunenummer {text!r} must be four digits (0-9)"
    if number not in known:
        return number, (f"kommunenummer {number} is not a municipality in the register "
                        "(flask --app wsgi municipalities list --year YYYY lists them)")
    return number, None


def parse(records: Sequence[tabular.Record], known: set[str]) -> tuple[dict[str, str],
                                                                        list[str]]:
    """Number → address for every good row, and every bad row's ``line N: reason``."""
    boxes: dict[str, str] = {}
    lines: dict[str, int] = {}
    errors: list[str] = []
    for record in records:
        number, number_problem = check_number(record.values["kommunenummer"], known)
        address, address_problem = check_email(record.values["e-post"])
        problems = [p for p in (number_problem, address_problem) if p]
        if number in lines:
            problems.append(f"duplicate of line {lines[number]} (kommunenummer {number})")
        else:
            lines[number] = record.line
        errors.extend(f"line {record.line}: {p}" for p in problems)
        if not problems:
            boxes[number] = address
    return boxes, errors


def register_numbers() -> set[str]:
    """Every kommunenummer of the loaded register, in any of its numberings: a round of an
    earlier year writes to the post boxes of that year's numbers (3001 Halden in 2022)."""
    return set(db.session.scalars(sa.select(Municipality.number).distinct()))


def import_postboxes(data: str | bytes, filename: str, *, source: str | None = None
                     ) -> ImportResult:
    """Set the post boxes a file lists, all or nothing, and commit with one audit event
    (none when nothing changed)."""
    result = ImportResult()
    try:
        records = tabular.read_records(data, filename, COLUMNS, limits=LIMITS)
    except tabular.TableError as refused:
        result.errors.extend(refused.problems)
        return result
    known = register_numbers()
    if not known:
        result.errors.append("the municipality register is empty; run "
                             "`flask --app wsgi municipalities import` first")
        return result
    boxes, result.errors = parse(records, known)
    if result.errors:
        return result
    existing = {box.number: box for box in db.session.scalars(
        sa.select(Mailbox).where(Mailbox.number.in_(sorted(boxes))))}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for number, address in sorted(boxes.items()):
        box = existing.get(number)
        if box is None:
            db.session.add(Mailbox(number=number, email=address))
            result.new.append(number)
            after[number] = address
        elif box.email != address:
            before[number], after[number] = box.email, address
            box.email = address
            result.changed.append(number)
        else:
            result.unchanged.append(number)
    if not after:
        return result  # nothing to record: a second run of the same file changes nothing
    audit.record(ACTION, "mailboxes", source or filename, before=before or None,
                 after={"post_boxes": after, "new": len(result.new),
                        "changed": len(result.changed),
                        "unchanged": len(result.unchanged)})
    try:
        db.session.commit()
    except IntegrityError:  # another import added one of the numbers a moment ago
        db.session.rollback()
        return ImportResult(errors=["another import changed the post boxes at the same "
                                    "time; nothing was imported, run the command again"])
    return result


def all_postboxes() -> list[tuple[str, str]]:
    """Every registered post box as (kommunenummer, address), by number."""
    return [(number, email) for number, email in db.session.execute(
        sa.select(Mailbox.number, Mailbox.email).order_by(Mailbox.number))]
