"""How strong a chosen password must be: the one rule for every place a password is set.

The estimate is Dropbox's zxcvbn (PyPI `zxcvbn`), which knows lists of common passwords,
names and words, keyboard patterns, dates and repeats, and is told the person's e-mail
address and name so that a password made of those is refused too. Its feedback is in
English only (it calls the standard library's gettext, with no catalogue of ours): each
warning it can give is translated here, and one we do not know becomes a generic
"too easy to guess", so an English sentence never lands on a Norwegian page.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

# Our choices (no seed speaks of passwords; issue 13 asks for a strength check): at
# least 12 characters, so that a passphrase of a few words is the easy way to pass; at
# most 128, as every sign-in hashes the whole password (scrypt) and zxcvbn's work grows
# with its length.
MIN_LENGTH = 12
MAX_LENGTH = 128
# zxcvbn's score runs from 0 to 4; 3 is "safely unguessable" (about 10^10 guesses), the
# level its authors suggest for accounts that matter. Our choice.
MIN_SCORE = 3
# Words that belong to this service and its users' work: a password made of them is as
# guessable as one made of the user's own name (our choice of words).
SERVICE_WORDS = ("passord", "password", "helsedirektoratet", "helsedir", "statsforvalteren",
                 "statsforvalter", "kommune", "kommunen", "tilskudd", "tilskot", "rapport",
                 "rapportering", "postmottak")

# Every warning zxcvbn 4.5 gives (zxcvbn/feedback.py), in our catalogues.
_WARNINGS = {
    "Straight rows of keys are easy to guess.":
        _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.":
        _l("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    'Sequences like "abc" or "6543" are easy to guess.':
        _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "This is a top-10 common password.": _l("This is a top-10 common password."),
    "This is a top-100 common password.": _l("This is a top-100 common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.":
        _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.":
        _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.":
        _l("Common names and surnames are easy to guess."),
}


def user_inputs(email: str, name: str) -> list[str]:
    """What zxcvbn is told about the person: the address, its parts, the name and its
    words (it matches whole words, so "kari" in "kari.nordmann@…" must be given alone)."""
    email, name = email.strip().lower(), name.strip().lower()
    local, _at, domain = email.partition("@")
    pieces = [email, local, name, *re.split(r"[\W_]+", local), *domain.split("."),
              *re.split(r"\W+", name)]
    # In order, without repeats: zxcvbn ranks each input by its place in the list.
    return list(dict.fromkeys([p for p in pieces if len(p) >= 3] + list(SERVICE_WORDS)))


def problems(password: str, email: str = "", name: str = "") -> list[str]:
    """Why this password may not be chosen by the person with this address and name, in
    the current language; empty when it may."""
    if len(password) < MIN_LENGTH:
        return [_("The password must have at least 12 characters.")]
    if len(password) > MAX_LENGTH:
        return [_("The password can have at most 128 characters.")]
    estimate = zxcvbn(password, user_inputs=user_inputs(email, name), max_length=MAX_LENGTH)
    if estimate["score"] >= MIN_SCORE:
        return []
    found = [_("The password is too easy to guess. A few unrelated words make a good "
               "password.")]
    warning = _WARNINGS.get(estimate["feedback"]["warning"])
    if warning is not None:
        found.append(str(warning))
    return found
