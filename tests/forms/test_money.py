"""Amounts and numbers as respondents type them, and the message catalogue behind the
refusals: every accepted spelling, every refusal with its code, and properties that hold
for any text at all."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms import messages
from forms.messages import LANGUAGES, TEMPLATES, Msg, message, placeholders
from forms.money import (
    MAX_VALUE,
    AmountError,
    NumberError,
    format_amount,
    from_ore,
    parse_amount,
    parse_decimal,
    parse_integer,
    parse_percent,
    to_ore,
)

NBSP = "\u00a0"
NNBSP = "\u202f"
MINUS = "\u2212"


# ---- parse_amount: what Norwegians type ------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["1 234 567", "1 234 567,00", "1.234.567", "kr 1 234 567", "1 234 567,-"],
)
def test_the_five_usual_spellings_of_one_amount_agree(typed):
    assert parse_amount(typed) == Decimal("1234567.00")


@pytest.mark.parametrize(
    ("typed", "kroner"),
    [
        ("1 234 567", "1234567"),
        ("1 234 567,50", "1234567.50"),
        ("1.234.567", "1234567"),
        ("1.234.567,50", "1234567.50"),
        ("kr 250 000", "250000"),
        ("kr. 250 000", "250000"),
        ("Kr 250 000", "250000"),
        ("kr250000", "250000"),
        ("250 000 kr", "250000"),
        ("250 000,-", "250000"),
        ("250 000,–", "250000"),
        ("kr 250 000,-", "250000"),
        ("NOK 250000", "250000"),
        ("250000 NOK", "250000"),
        ("250 000 kroner", "250000"),
        ("1234567", "1234567"),
        ("0", "0"),
        ("0,5", "0.50"),
        ("1234.50", "1234.50"),
        ("1234.5", "1234.50"),
        ("1 234.50", "1234.50"),
        ("12.345", "12345"),  # a dot before three digits groups thousands
        (f"1{NBSP}234{NBSP}567", "1234567"),
        (f"1{NNBSP}234{NNBSP}567", "1234567"),
        (f"1{NBSP}234 567{NNBSP}kr", "1234567"),  # pasted from several sources
        ("  250 000  ", "250000"),
        (f"{NBSP}250 000\t\n", "250000"),
        ("1 000 000 000 000", "1000000000000"),  # the largest accepted amount
    ],
)
def test_accepted_amounts(typed, kroner):
    amount = parse_amount(typed)
    assert amount == Decimal(kroner)
    assert amount.as_tuple().exponent == -2  # always to the øre


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", Msg.AMOUNT_EMPTY),
        ("   ", Msg.AMOUNT_EMPTY),
        (NBSP, Msg.AMOUNT_EMPTY),
        ("-5", Msg.AMOUNT_NEGATIVE),
        ("- 5", Msg.AMOUNT_NEGATIVE),
        (f"{MINUS}5", Msg.AMOUNT_NEGATIVE),
        ("(5)", Msg.AMOUNT_NEGATIVE),
        ("kr -250 000", Msg.AMOUNT_NEGATIVE),
        ("-250 000,-", Msg.AMOUNT_NEGATIVE),
        ("12abc", Msg.AMOUNT_INVALID),
        ("1,2,3", Msg.AMOUNT_INVALID),
        ("abc", Msg.AMOUNT_INVALID),
        ("kr", Msg.AMOUNT_INVALID),
        ("-", Msg.AMOUNT_INVALID),
        ("- abc", Msg.AMOUNT_INVALID),  # a sign before garbage is garbage, not negative
        (",50", Msg.AMOUNT_INVALID),
        ("5,", Msg.AMOUNT_INVALID),
        ("+5", Msg.AMOUNT_INVALID),
        ("5e3", Msg.AMOUNT_INVALID),
        ("١٢٣", Msg.AMOUNT_INVALID),  # digits, but not ones anybody here types
        ("80 %", Msg.AMOUNT_INVALID),
        ("1.2.3", Msg.NUMBER_GROUPING),
        ("1 23 456", Msg.NUMBER_GROUPING),
        ("1234 567", Msg.NUMBER_GROUPING),
        ("1.234 567", Msg.NUMBER_GROUPING),  # one kind of separator throughout
        ("1  234", Msg.NUMBER_GROUPING),
        ("1.234.50", Msg.NUMBER_GROUPING),
        ("12,345", Msg.AMOUNT_DECIMALS),  # with a comma it is three decimals
        ("1 234,567", Msg.AMOUNT_DECIMALS),
        ("1" * 31, Msg.NUMBER_TOO_LONG),
        ("1 000 000 000 000,01", Msg.AMOUNT_TOO_LARGE),
        ("9" * 30, Msg.AMOUNT_TOO_LARGE),
    ],
)
def test_refused_amounts_carry_their_message_code(typed, code):
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert refused.value.code is code


def test_refusals_tell_the_respondent_what_to_type():
    with pytest.raises(AmountError) as refused:
        parse_amount("-5")
    assert refused.value.text() == (
        "Beløpet kan ikke være negativt. Skriv beløpet uten minustegn, for eksempel 250 000."
    )
    assert refused.value.text("nn").startswith("Beløpet kan ikkje vere negativt.")
    assert refused.value.text("en").startswith("The amount cannot be negative.")

    with pytest.raises(AmountError) as refused:
        parse_amount("")
    assert refused.value.text() == "Skriv beløpet i hele kroner, for eksempel 250 000."

    with pytest.raises(AmountError) as refused:
        parse_amount("12,345")
    assert refused.value.text().startswith("Bruk høyst to desimaler (øre)")


def test_the_refused_text_is_quoted_back_and_the_limit_is_shown_as_an_amount():
    with pytest.raises(AmountError) as refused:
        parse_amount("12abc")
    assert "«12abc»" in refused.value.text()
    with pytest.raises(AmountError) as refused:
        parse_amount("2 000 000 000 000")
    assert f"1{NBSP}000{NBSP}000{NBSP}000{NBSP}000{NBSP}kr" in refused.value.text()


def test_only_text_is_parsed():
    with pytest.raises(TypeError):
        parse_amount(1234)  # type: ignore[arg-type]


# ---- integers, decimals and percentages share the rules ----------------------------


@pytest.mark.parametrize(
    ("typed", "number"),
    [("12", 12), ("1 234", 1234), ("1.234", 1234), (f"1{NBSP}234", 1234), ("0", 0)],
)
def test_accepted_integers(typed, number):
    assert parse_integer(typed) == number


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", Msg.NUMBER_EMPTY),
        ("12,5", Msg.NUMBER_NOT_WHOLE),
        ("12.5", Msg.NUMBER_NOT_WHOLE),
        ("12,0", Msg.NUMBER_NOT_WHOLE),
        ("-3", Msg.NUMBER_NEGATIVE),
        ("1 23", Msg.NUMBER_GROUPING),
        ("tolv", Msg.NUMBER_INVALID),
        ("kr 12", Msg.NUMBER_INVALID),  # units belong to amounts only
        ("12 %", Msg.NUMBER_INVALID),
        ("1" * 14, Msg.NUMBER_TOO_LARGE),
        ("1" * 31, Msg.NUMBER_TOO_LONG),
    ],
)
def test_refused_integers(typed, code):
    with pytest.raises(NumberError) as refused:
        parse_integer(typed)
    assert refused.value.code is code
    assert not isinstance(refused.value, AmountError)


def test_integer_messages_give_an_integer_example():
    with pytest.raises(NumberError) as refused:
        parse_integer("12,5")
    assert refused.value.text() == "Skriv et helt tall uten desimaler, for eksempel 12."


@pytest.mark.parametrize(
    ("typed", "number"),
    [("0,5", "0.5"), ("1,25", "1.25"), ("1 234,5", "1234.5"), ("3", "3"), ("0.75", "0.75")],
)
def test_accepted_decimals(typed, number):
    assert parse_decimal(typed) == Decimal(number)


def test_decimals_keep_the_places_typed_and_the_limit_is_adjustable():
    assert str(parse_decimal("1,50")) == "1.50"
    assert parse_decimal("0,125", max_places=3) == Decimal("0.125")
    with pytest.raises(NumberError) as refused:
        parse_decimal("0,125")
    assert refused.value.code is Msg.NUMBER_DECIMALS
    assert refused.value.text() == "Bruk høyst 2 siffer etter komma, for eksempel 12,5."


@pytest.mark.parametrize(
    ("typed", "percent"),
    [
        ("80", "80"),
        ("80 %", "80"),
        ("80%", "80"),
        ("80,5 %", "80.5"),
        (f"80{NBSP}%", "80"),
        ("0", "0"),
        ("100", "100"),
        ("100,00 %", "100"),
    ],
)
def test_accepted_percentages(typed, percent):
    assert parse_percent(typed) == Decimal(percent)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", Msg.PERCENT_EMPTY),
        ("100,5", Msg.PERCENT_OVER_100),
        ("150 %", Msg.PERCENT_OVER_100),
        ("-5 %", Msg.NUMBER_NEGATIVE),
        ("80,555 %", Msg.NUMBER_DECIMALS),
        ("åtti", Msg.NUMBER_INVALID),
        ("% 80", Msg.NUMBER_INVALID),
    ],
)
def test_refused_percentages(typed, code):
    with pytest.raises(NumberError) as refused:
        parse_percent(typed)
    assert refused.value.code is code


def test_percentages_above_100_on_request():
    assert parse_percent("150 %", allow_over=True) == Decimal(150)


# ---- format_amount and storage ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234567"), f"1{NBSP}234{NBSP}567{NBSP}kr"),
        (1234567, f"1{NBSP}234{NBSP}567{NBSP}kr"),
        (Decimal("1234567.00"), f"1{NBSP}234{NBSP}567{NBSP}kr"),
        (Decimal("1234567.50"), f"1{NBSP}234{NBSP}567,50{NBSP}kr"),
        (Decimal("1234567.5"), f"1{NBSP}234{NBSP}567,50{NBSP}kr"),
        (Decimal("0.05"), f"0,05{NBSP}kr"),
        (0, f"0{NBSP}kr"),
        (999, f"999{NBSP}kr"),
        (-1234, f"{MINUS}1{NBSP}234{NBSP}kr"),
        (Decimal("-0.50"), f"{MINUS}0,50{NBSP}kr"),
        (Decimal("0.005"), f"0,01{NBSP}kr"),  # half up to the øre
        (Decimal("-0.001"), f"0{NBSP}kr"),  # no minus on something shown as zero
        (Decimal("1E+3"), f"1{NBSP}000{NBSP}kr"),
    ],
)
def test_format_amount(value, shown):
    assert format_amount(value) == shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_amounts_look_the_same_in_every_language(language):
    assert format_amount(Decimal("250000")) == format_amount(Decimal("250000"), language)


@pytest.mark.parametrize("value", [1.5, True, "12", Decimal("NaN"), Decimal("Infinity")])
def test_format_amount_refuses_what_is_not_exact_money(value):
    with pytest.raises((TypeError, ValueError)):
        format_amount(value)


def test_ore_storage_round_trip():
    assert to_ore(Decimal("1234567.50")) == 123456750
    assert to_ore(Decimal("0")) == 0
    assert to_ore(Decimal("12")) == 1200
    assert from_ore(123456750) == Decimal("1234567.50")
    assert str(from_ore(5)) == "0.05"
    assert from_ore(0).as_tuple().exponent == -2


def test_fractions_of_an_ore_are_never_stored_silently():
    with pytest.raises(ValueError):
        to_ore(Decimal("0.001"))
    with pytest.raises(TypeError):
        from_ore(1.5)  # type: ignore[arg-type]


# ---- the catalogue ------------------------------------------------------------------


@pytest.mark.parametrize("code", list(Msg))
def test_every_code_has_bokmal_nynorsk_and_english_with_the_same_placeholders(code):
    templates = TEMPLATES[code]
    assert all(templates.get(language) for language in LANGUAGES)
    assert len({placeholders(templates[language]) for language in LANGUAGES}) == 1


def test_missing_translations_fall_back_to_bokmal(monkeypatch):
    monkeypatch.setitem(TEMPLATES, Msg.AMOUNT_EMPTY, {"nb": "Bare bokmål."})
    assert message(Msg.AMOUNT_EMPTY, "nn") == "Bare bokmål."
    assert message(Msg.AMOUNT_EMPTY, "en") == "Bare bokmål."
    assert message(Msg.AMOUNT_EMPTY, "se") == "Bare bokmål."


def test_message_codes_as_parameters_are_rendered_in_the_same_language():
    rendered = message(Msg.EXPR_RESULT_TYPE, "nn", expected=Msg.TYPE_BOOL, actual=Msg.TYPE_NUMBER)
    assert rendered == "Uttrykket må gi sann/usann (true/false), men gir eit tal."


def test_a_missing_parameter_stays_visible_instead_of_failing():
    assert "{text}" in message(Msg.AMOUNT_INVALID)


def test_an_inconsistent_catalogue_is_refused_at_import(monkeypatch):
    monkeypatch.setitem(TEMPLATES, Msg.AMOUNT_EMPTY, {"nb": "{a}", "nn": "{b}"})
    with pytest.raises(RuntimeError, match=r"amount\.empty"):
        messages._check_catalogue()


# ---- properties ---------------------------------------------------------------------

AMOUNTISH = st.text(alphabet="0123456789 .,-−–()%krNOK\u00a0\u202f\t", max_size=35)


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=40), AMOUNTISH))
def test_any_text_gives_an_amount_to_the_ore_or_an_amount_error(text):
    try:
        amount = parse_amount(text)
    except AmountError as refused:
        assert refused.text("nb") and refused.text("nn")
    else:
        assert isinstance(amount, Decimal)
        assert amount.as_tuple().exponent == -2
        assert Decimal(0) <= amount <= MAX_VALUE


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=40), AMOUNTISH))
def test_other_parsers_only_ever_raise_number_errors(text):
    for parse in (parse_integer, parse_decimal, parse_percent):
        with contextlib.suppress(NumberError):
            parse(text)


@settings(max_examples=500)
@given(
    st.decimals(
        min_value=0,
        max_value=MAX_VALUE - Decimal("0.01"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_what_is_shown_reads_back_as_the_same_amount(amount):
    assert parse_amount(format_amount(amount)) == amount
    assert from_ore(to_ore(amount)) == amount
