"""Cell safety, in one place for xlsx and CSV alike.

A spreadsheet treats a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a leading tab or carriage return can hide one (OWASP ASVS 5.0 1.2.10, "CSV
and formula injection"). Answers are typed by municipalities, so every text cell passes
through :func:`neutralise` before it is written: such text gets a leading apostrophe and
stays text. Numbers and dates are written as numbers, never as text, so a negative amount
is not touched.
"""

from __future__ import annotations

from typing import Final

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
_TRIGGERS: Final = frozenset(FORMULA_TRIGGERS)
PREFIX: Final = "'"

# xlsxwriter's Workbook options that keep it from turning text into something else:
# a formula, a hyperlink or a number. Every workbook in exports/ is made with these.
WORKBOOK_OPTIONS: Final = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def neutralise(text: str) -> str:
    """The text as a spreadsheet must show it: never the start of a formula."""
    if text and text[0] in _TRIGGERS:
        return PREFIX + text
    return text
