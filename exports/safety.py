"""Cell safety, in one place for xlsx and CSV alike.

A spreadsheet treats a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a leading tab or carriage return can hide one (OWASP ASVS 5.0 1.2.10, "CSV
and formula injection"). Answers are typed by municipalities, so:

* **xlsx**: text is written as a string cell (xlsxwriter's ``write_string``, with the
  WORKBOOK_OPTIONS below so nothing is ever converted), and a string cell is never a
  formula in Excel, LibreOffice or any reader. The cell holds exactly the stored text: no
  apostrophe is added (one would become part of the value every reader sees).
* **CSV** has no cell types, so whatever opens it decides what a cell is:
  :func:`neutralise` puts a leading apostrophe before text that starts with one of
  FORMULA_TRIGGERS, and the text stays text (FORMULA_RULE says so in words, for the
  metadata sheet and the README).

Both drop the characters an xlsx file cannot hold (:func:`representable`): XML 1.0 has
no C0 control character except tab, line feed and carriage return, no lone surrogate
and no U+FFFE/U+FFFF. xlsxwriter would write them as ``_xHHHH_`` escapes that readers
turn back into the character or show as the escape, and Excel cannot type or show them.
CSV drops the same ones so that both formats hold the same data (and the workbook's
checksum, defined on the CSV, is of what its cells hold).

Numbers and dates are written as numbers, never as text, so a negative amount is not
touched.
"""

from __future__ import annotations

import re
from typing import Final

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
_TRIGGERS: Final = frozenset(FORMULA_TRIGGERS)
PREFIX: Final = "'"

# The CSV rule as the metadata sheets and the README state it (bokmål: a data label).
FORMULA_RULE: Final = (
    "I CSV-filer får tekst som begynner med = + - @, tabulator eller vognretur en "
    "apostrof (') foran, så et regneark ikke leser den som en formel. I xlsx-filer står "
    "teksten nøyaktig som den ble lagret, uten apostrof: en tekstcelle er aldri en formel.")

# What XML 1.0 (and so xlsx) cannot hold: C0 controls but tab, LF and CR; lone UTF-16
# surrogates (JSON can carry them, UTF-8 cannot encode them); the noncharacters U+FFFE
# and U+FFFF. C1 controls and other noncharacters are valid XML and are kept.
_UNREPRESENTABLE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

REMOVED_RULE: Final = (
    "Tegn som en xlsx-fil ikke kan lagre, er fjernet fra tekstcellene i både xlsx og CSV: "
    "kontrolltegn U+0000–U+001F unntatt tabulator, linjeskift og vognretur, enslige "
    "surrogater (U+D800–U+DFFF) og U+FFFE/U+FFFF. Alle andre tegn står som de ble lagret.")

# xlsxwriter's Workbook options that keep it from turning text into something else:
# a formula, a hyperlink or a number. Every workbook in exports/ is made with these.
WORKBOOK_OPTIONS: Final = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def neutralise(text: str) -> str:
    """The text as a CSV cell must hold it: never the start of a formula."""
    if text and text[0] in _TRIGGERS:
        return PREFIX + text
    return text


# The first character of a text an xlsx file cannot hold, or None (a bound method: the
# xlsx writer's hot loop calls it for every text cell).
find_unrepresentable: Final = _UNREPRESENTABLE.search


def representable(text: str) -> str:
    """`text` without the characters an xlsx file cannot hold (the rest untouched)."""
    if _UNREPRESENTABLE.search(text) is None:  # the common case: no new string
        return text
    return _UNREPRESENTABLE.sub("", text)


def csv_text(text: str) -> str:
    """A text cell of a CSV file: representable and neutralised."""
    return neutralise(representable(text))


class Cleaner:
    """:func:`representable` that counts what it removed, for a workbook's metadata."""

    def __init__(self) -> None:
        self.removed = 0  # characters removed so far

    def __call__(self, text: str) -> str:
        if _UNREPRESENTABLE.search(text) is None:
            return text
        cleaned, count = _UNREPRESENTABLE.subn("", text)
        self.removed += count
        return cleaned
