"""Norwegian payment identifiers and their check digits (pure).

* An account number (kontonummer) has 11 digits; the last is a MOD11 check digit over the
  first ten with the weights 5 4 3 2 7 6 5 4 3 2. A remainder that would give the check
  digit 10 makes no valid account number.
* A KID (kundeidentifikasjon) has 2 to 25 characters: digits and one check digit at the
  end, computed by MOD10 (the Luhn algorithm) or MOD11 (weights 2, 3, ..., 7 repeated from
  the right), as the payee's agreement with its bank says. With MOD11 a check value of 10
  is written "-" (Bits/Nets' KID specification), so a MOD11 KID can end in "-".
"""

from __future__ import annotations

import enum
import re

ACCOUNT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
KID_LENGTH = (2, 25)


class KidMethod(enum.StrEnum):
    MOD10 = "mod10"
    MOD11 = "mod11"


def _digits(text: str) -> str:
    """The digits of an identifier as written with spaces or dots (1234.56.78903)."""
    return re.sub(r"[\s.]", "", text)


def account_problem(text: str) -> str | None:
    """Why ``text`` is not a Norwegian account number (None: it is one)."""
    digits = _digits(text)
    if not re.fullmatch(r"\d{11}", digits):
        return f"account number {text!r} must have 11 digits"
    total = sum(int(d) * w for d, w in zip(digits[:10], ACCOUNT_WEIGHTS, strict=True))
    check = (11 - total % 11) % 11
    if check == 10 or check != int(digits[10]):
        return f"account number {text!r} has a wrong check digit (MOD11)"
    return None


def format_account(text: str) -> str:
    """``12345678903`` as it is written on a Norwegian invoice: ``1234 56 78903``."""
    digits = _digits(text)
    return f"{digits[:4]} {digits[4:6]} {digits[6:]}"


def mod10(body: str) -> str:
    """The Luhn check digit of a string of digits."""
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def mod11(body: str) -> str:
    """The MOD11 check digit of a KID body ("-" where the check value is 10)."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
    check = (11 - total % 11) % 11
    return "-" if check == 10 else str(check)


def kid(body: str, method: KidMethod) -> str:
    """A KID: ``body`` (digits) followed by its check digit."""
    if not body.isdigit() or not KID_LENGTH[0] - 1 <= len(body) <= KID_LENGTH[1] - 1:
        raise ValueError(f"a KID body must be 1-24 digits, not {body!r}")
    return body + (mod10(body) if method == KidMethod.MOD10 else mod11(body))


def kid_problem(text: str, method: KidMethod) -> str | None:
    """Why ``text`` is not a valid KID by ``method`` (None: it is one)."""
    low, high = KID_LENGTH
    if not (low <= len(text) <= high) or not text[:-1].isdigit():
        return f"KID {text!r} must be {low}-{high} digits"
    if kid(text[:-1], method) != text:
        return f"KID {text!r} has a wrong check digit ({method.value.upper()})"
    return None
