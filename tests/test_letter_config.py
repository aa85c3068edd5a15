"""The letters file (questionnaires/schemes/letters.yaml): every scheme has its legal basis
and statement on appeal in both written standards, and a payment detail whose check digit
does not hold stops the service with the file's name and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from survey_app import create_app
from survey_app.config import ConfigError
from survey_app.rules.check_digits import KidMethod, account_problem, kid, kid_problem
from survey_app.services.letter_config import LetterConfigError, load
from tests.conftest import make_config

QUESTIONNAIRES = Path(__file__).resolve().parents[1] / "questionnaires"
LETTERS = QUESTIONNAIRES / "schemes" / "letters.yaml"
SCHEMES = ["lavterskel-psykisk-helse", "kommunalt-rusarbeid-overgang", "kommunalt-rusarbeid-ny",
           "langvarige-sammensatte-voksne", "langvarige-sammensatte-barn-unge",
           "rask-psykisk-helsehjelp"]


def test_all_six_schemes_have_a_legal_basis_and_an_appeal_text_in_both_standards():
    config = load(LETTERS)
    assert sorted(config.schemes) == sorted(SCHEMES)
    for texts in config.schemes.values():
        assert set(texts.legal_basis) == set(texts.appeal) == {"nb", "nn"}
    lavterskel = config.schemes["lavterskel-psykisk-helse"]
    # Seed 000 (000_e952fe7e3e27f553.txt), word for word.
    assert lavterskel.appeal["nb"] == ("Dere har ikke klagerett på avgjørelsen. Dette følger av "
                                       "forvaltningsloven § 28.")
    assert "ikkje klagerett" in lavterskel.appeal["nn"]
    assert config.response_days == 21 and config.payment_days == 30


def test_every_authority_has_valid_payment_details():
    config = load(LETTERS)
    assert len(config.authorities) == 11  # the Directorate and the ten offices
    for authority in config.authorities.values():
        assert account_problem(authority.account) is None


def folder_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, folder)
    letters = folder / "schemes" / "letters.yaml"
    text = letters.read_text("utf-8")
    assert old in text
    letters.write_text(text.replace(old, new, 1), "utf-8")
    return folder


@pytest.mark.parametrize(("old", "new", "reason"), [
    ('account: "1234 56 78903"', 'account: "1234 56 78904"',
     "authorities.helsedirektoratet: account number '1234 56 78904' has a wrong check digit"),
    ('account: "8601 11 17947"', 'account: "8601 11 1794"',
     "authorities.agder: account number '8601 11 1794' must have 11 digits"),
    ("kid: mod10", "kid: mod12", "kid must be mod10 or mod11, not 'mod12'"),
    ("response_days: 21", "response_days: 0", "process.response_days must be a whole number"),
    ("      nn: De har ikkje klagerett på avgjerda. Dette følgjer av forvaltningsloven § 28.\n",
     "", "schemes.lavterskel-psykisk-helse: appeal has no text in nn"),
])
def test_a_bad_letters_file_stops_the_service_with_the_file_and_the_reason(
        tmp_path, old, new, reason):
    folder = folder_with(tmp_path, old, new)
    with pytest.raises(ConfigError) as refused:
        create_app(make_config("sqlite://", QUESTIONNAIRES_DIR=str(folder)))
    assert isinstance(refused.value, LetterConfigError)
    assert str(folder / "schemes" / "letters.yaml") in str(refused.value)
    assert reason in str(refused.value)


@pytest.mark.parametrize(("number", "problem"), [
    ("12345678903", None), ("1234.56.78903", None), ("1234 56 78903", None),
    ("12345678904", "wrong check digit"), ("1234567890", "must have 11 digits"),
    ("1234567890a", "must have 11 digits"),
    ("12345678910", "wrong check digit"),  # check value 10: no valid account number
])
def test_account_numbers_are_checked_by_mod11(number, problem):
    found = account_problem(number)
    assert (found is None) if problem is None else (problem in found)


def test_kids_carry_a_mod10_or_mod11_check_digit():
    assert kid("7992739871", KidMethod.MOD10) == "79927398713"  # the Luhn example
    assert kid("12345678", KidMethod.MOD11) == "123456785"
    assert kid_problem("79927398713", KidMethod.MOD10) is None
    assert "wrong check digit (MOD10)" in kid_problem("79927398710", KidMethod.MOD10)
    assert "wrong check digit (MOD11)" in kid_problem("123456784", KidMethod.MOD11)
    assert "must be 2-25 digits" in kid_problem("1", KidMethod.MOD10)
    # MOD11's check value 10 is written "-" (Bits/Nets' KID specification).
    body = next(b for b in (f"{n:06d}" for n in range(1000)) if
                kid(b, KidMethod.MOD11).endswith("-"))
    assert kid_problem(kid(body, KidMethod.MOD11), KidMethod.MOD11) is None
