"""Columns and their kinds: what every writer in exports/ needs to know about a cell.

Rows are plain tuples in column order (no dicts, no DataFrames): the writers loop over
hundreds of thousands of them and a tuple is the cheapest thing to index. A value is
``None`` (an empty cell), ``str``, ``int``, ``Decimal``, ``date`` or ``datetime`` as the
column's kind says (a date column may hold ``str`` too: a stored answer that is not an ISO
date, kept as it was typed); money is never a float until the very cell write
(xlsxwriter stores numbers as IEEE doubles, which is exact for whole kroner and for øre
amounts below 2**53 øre).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    KRONER = "kroner"  # whole kroner (int): `# ##0 kr`
    NOK = "nok"  # kroner with øre (Decimal): `# ##0,00 kr`
    DECIMAL = "decimal"  # a number that is not money (Decimal)
    FLAG = "flag"  # 0/1 (int), one column per option of a multiple choice
    DATETIME = "datetime"  # naive UTC, whole seconds (xlsx cells: Norwegian time)
    DATE = "date"  # a calendar date (date), or the stored text when it is not one


@dataclass(frozen=True)
class Column:
    key: str  # stable code: a question id, `question__option`, or a fixed field
    header: str  # what the sheet's first row says (bokmål data label or the code)
    kind: Kind = Kind.TEXT
