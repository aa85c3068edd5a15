"""Exact Norwegian amounts and numbers: the one place that reads what people type.

Grant money is compared to the krone and repayment claims are legal decisions, so amounts
are `Decimal` kroner with exactly two places (øre), never binary floats. Respondents type
amounts the way they appear in grant letters and spreadsheets — `1 234 567`,
`1.234.567,50`, `kr 250 000`, `250 000,-` — and all of them must be understood, while
anything ambiguous is refused with a message that shows what to type instead.

Number rules shared by every parser here:

* Thousands are grouped by three with one ordinary space, no-break space (U+00A0), narrow
  no-break space (U+202F) or a dot, the same separator throughout: `1 234 567`,
  `1.234.567`. Ungrouped digits are fine too: `1234567`.
* A comma is the decimal mark: `1 234,50`. A single dot followed by one or two digits at
  the end is also read as a decimal mark (`1234.50`), because spreadsheets export that;
  a dot followed by three digits is always a thousands separator (`12.345` = 12345).
* Negative numbers are refused: nothing a respondent reports here can be below zero.
* At most 30 characters and at most 10^12 — a bigger number is a typing mistake.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal

from forms.messages import DEFAULT_LANGUAGE, Msg, message

MAX_INPUT_LENGTH = 30
MAX_VALUE = Decimal(10) ** 12
ORE = Decimal("0.01")
_WIDE = Context(prec=100)  # formatting and øre conversion must never round whole kroner

NBSP = "\u00a0"
MINUS = "\u2212"
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " "})

# Prefixes are matched at the start; suffixes are searched for and must end the text.
_CURRENCY_PREFIX = re.compile(r"(?:kroner|kr\.?|nok)\s*", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(r"\s*(?:kroner|kr\.?|nok)\Z", re.IGNORECASE)
_DASH_SUFFIX = re.compile(r",\s*[-–]\Z")  # "250 000,-": whole kroner, as on a price tag
_PERCENT_SUFFIX = re.compile(r"\s*%\Z")
_MINUS_PREFIX = re.compile(r"[-−–]\s*")
_PARENTHESES = re.compile(r"\((.*)\)")  # accountants' notation for a negative number

_DIGITS = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:([ .])[0-9]{3})(?:\1[0-9]{3})*")
_DOT_DECIMAL = re.compile(r"([0-9][0-9 ]*)\.([0-9]{1,2})")
_ONLY_DIGITS_AND_SEPARATORS = re.compile(r"[0-9 .]+")


class NumberError(Exception):
    """A typed number that cannot be accepted; carries a message code, not finished text,
    so the form can show it in bokmål, nynorsk or English."""

    def __init__(self, code: Msg, params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.params: dict[str, object] = dict(params or {})
        super().__init__(f"{code.value}: {self.text('en')}")

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The message for the respondent, in their language."""
        return message(self.code, language, **self.params)


class AmountError(NumberError):
    """An amount in kroner that cannot be accepted."""


@dataclass(frozen=True)
class _Kind:
    """What differs between amounts, integers, decimals and percentages: the rest is shared."""

    error: type[NumberError]
    example: str
    max_places: int
    empty: Msg
    invalid: Msg
    negative: Msg
    decimals: Msg
    too_large: Msg
    prefixes: tuple[re.Pattern[str], ...] = ()
    suffixes: tuple[re.Pattern[str], ...] = ()


_AMOUNT = _Kind(
    error=AmountError,
    example="250 000",
    max_places=2,
    empty=Msg.AMOUNT_EMPTY,
    invalid=Msg.AMOUNT_INVALID,
    negative=Msg.AMOUNT_NEGATIVE,
    decimals=Msg.AMOUNT_DECIMALS,
    too_large=Msg.AMOUNT_TOO_LARGE,
    prefixes=(_CURRENCY_PREFIX,),
    suffixes=(_CURRENCY_SUFFIX, _DASH_SUFFIX),
)
_INTEGER = _Kind(
    error=NumberError,
    example="12",
    max_places=0,
    empty=Msg.NUMBER_EMPTY,
    invalid=Msg.NUMBER_INVALID,
    negative=Msg.NUMBER_NEGATIVE,
    decimals=Msg.NUMBER_NOT_WHOLE,
    too_large=Msg.NUMBER_TOO_LARGE,
)
_DECIMAL = replace(_INTEGER, example="12,5", max_places=2, decimals=Msg.NUMBER_DECIMALS)
_PERCENT = replace(_DECIMAL, example="80,5 %", empty=Msg.PERCENT_EMPTY, suffixes=(_PERCENT_SUFFIX,))


# ---- parsing -----------------------------------------------------------------------


def parse_amount(text: str) -> Decimal:
    """Kroner as typed by a respondent, to the øre (exponent -2), or AmountError."""
    return _parse(text, _AMOUNT).quantize(ORE)


def parse_integer(text: str) -> int:
    """A count such as persons or positions; `1 234` and `1.234` are both 1234."""
    return int(_parse(text, _INTEGER))


def parse_decimal(text: str, *, max_places: int = 2) -> Decimal:
    """A non-negative number with a decimal comma, such as full-time equivalents (`0,5`).

    The value keeps the places that were typed (`1,50` gives Decimal("1.50")).
    """
    return _parse(text, replace(_DECIMAL, max_places=max_places))


def parse_percent(text: str, *, allow_over: bool = False) -> Decimal:
    """A percentage such as `80`, `80 %` or `80,5 %`, as the number before the sign.

    Above 100 is refused unless allow_over, because a share of something cannot exceed
    the whole; growth rates and the like pass allow_over=True.
    """
    value = _parse(text, _PERCENT)
    if value > 100 and not allow_over:
        raise _PERCENT.error(Msg.PERCENT_OVER_100, {"example": _PERCENT.example})
    return value


def _parse(text: str, kind: _Kind) -> Decimal:
    """The shared pipeline: tidy, strip units, refuse a sign, read digits, check size."""
    if not isinstance(text, str):
        raise TypeError(f"expected the typed text as str, got {type(text).__name__}")
    tidy = text.translate(_SPACES).strip()
    if len(tidy) > MAX_INPUT_LENGTH:
        raise _error(kind, Msg.NUMBER_TOO_LONG, max=MAX_INPUT_LENGTH)
    if not tidy:
        raise _error(kind, kind.empty)
    body = _strip_affixes(tidy, kind)
    negative, body = _split_sign(body)
    value = _read_number(body, kind, tidy)
    if negative:
        raise _error(kind, kind.negative)
    if value > MAX_VALUE:
        raise _error(kind, kind.too_large, max=_too_large_limit(kind))
    return value


def _error(kind: _Kind, code: Msg, **params: object) -> NumberError:
    return kind.error(code, {"example": kind.example, **params})


def _too_large_limit(kind: _Kind) -> str:
    if kind is _AMOUNT:
        return format_amount(MAX_VALUE)
    return _group_thousands(int(MAX_VALUE))


def _strip_affixes(text: str, kind: _Kind) -> str:
    """Remove the units people add around a number: `kr`, `NOK`, `,-`, `%`."""
    for prefix in kind.prefixes:
        match = prefix.match(text)
        if match:
            text = text[match.end() :]
    for suffix in kind.suffixes:
        match = suffix.search(text)
        if match:
            text = text[: match.start()]
    return text.strip()


def _split_sign(text: str) -> tuple[bool, str]:
    """Tell whether the number was written as negative (`-5`, `− 5`, `(5)`)."""
    match = _MINUS_PREFIX.match(text)
    if match:
        return True, text[match.end() :]
    match = _PARENTHESES.fullmatch(text)
    if match:
        return True, match.group(1).strip()
    return False, text


def _read_number(body: str, kind: _Kind, typed: str) -> Decimal:
    """Digits with optional grouping and decimals, checked against the kind's places."""
    whole, fraction = _split_fraction(body)
    if fraction is None or not whole:
        raise _error(kind, kind.invalid, text=typed)
    if len(fraction) > kind.max_places:
        raise _error(kind, kind.decimals, places=kind.max_places)
    digits = _whole_digits(whole, kind, typed)
    return Decimal(f"{digits}.{fraction}" if fraction else digits)


def _split_fraction(body: str) -> tuple[str, str | None]:
    """Split off the decimals; None as the fraction means they are not digits at all."""
    if "," in body:
        whole, _, fraction = body.partition(",")
        return whole, fraction if _DIGITS.fullmatch(fraction) else None
    match = _DOT_DECIMAL.fullmatch(body)
    if match:
        return match.group(1), match.group(2)
    return body, ""


def _whole_digits(whole: str, kind: _Kind, typed: str) -> str:
    """The digits of the whole part, after checking thousands groups are groups of three."""
    if _DIGITS.fullmatch(whole) or _GROUPED.fullmatch(whole):
        return whole.replace(" ", "").replace(".", "")
    if _ONLY_DIGITS_AND_SEPARATORS.fullmatch(whole):
        raise _error(kind, Msg.NUMBER_GROUPING)
    raise _error(kind, kind.invalid, text=typed)


# ---- formatting and storage ---------------------------------------------------------


def format_amount(value: Decimal | int, language: str = DEFAULT_LANGUAGE) -> str:
    """Display kroner as in Norwegian letters: `1 234 567 kr`, `1 234 567,50 kr`.

    No-break spaces keep an amount on one line. Øre are shown only when there are any;
    a negative difference (for example in a repayment calculation) gets a real minus
    sign, U+2212. The English pages use the same notation so that figures match the grant
    letters; `language` is accepted so callers need not change if that ever differs.
    Amounts with more than two places are rounded half up to the øre.
    """
    amount = _as_decimal(value).quantize(ORE, rounding=ROUND_HALF_UP, context=_WIDE)
    sign = MINUS if amount < 0 else ""
    whole, _, ore = f"{amount.copy_abs():f}".partition(".")
    text = _group_thousands(int(whole))
    if ore.strip("0"):
        text = f"{text},{ore}"
    return f"{sign}{text}{NBSP}kr"


def _group_thousands(number: int) -> str:
    return f"{number:,}".replace(",", NBSP)


def _as_decimal(value: Decimal | int) -> Decimal:
    """Refuse floats and bools loudly: either means money already went through a wrong type."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected Decimal or int kroner, got {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"not an amount: {value}")
    return Decimal(value)


def to_ore(value: Decimal) -> int:
    """Kroner to whole øre for integer storage; refuses fractions of an øre, which would
    otherwise be lost without anyone noticing."""
    ore = _as_decimal(value).scaleb(2, context=_WIDE)
    if ore != ore.to_integral_value():
        raise ValueError(f"{value} kr has fractions of an øre")
    return int(ore)


def from_ore(ore: int) -> Decimal:
    """Stored øre back to kroner with exactly two places."""
    if isinstance(ore, bool) or not isinstance(ore, int):
        raise TypeError(f"expected int øre, got {type(ore).__name__}")
    return Decimal(ore).scaleb(-2, context=_WIDE)
