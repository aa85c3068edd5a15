"""Forms from questionnaires, without HTTP: typed answers, conditions and messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from forms.builder import (
    FormData,
    build_form_class,
    parse_date,
    remove_row,
    render_text,
    row_count,
    validate_section,
)
from forms.loader import load_directory, load_text
from forms.messages import Msg, message

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = load_directory(ROOT / "questionnaires")
CONTEXT = {
    "grant.amount": Decimal("1234567"),
    "grant.year": 2022,
    "municipality.name": "Lillehammer",
    "round.deadline": dt.date(2023, 4, 1),
}

EXAMPLE = """
id: eksempel
version: 1
scheme: "762.60"
title: Eksempel
sections:
  - id: page
    title: Side
    questions:
      - id: measures
        type: multiple_choice
        required: true
        label: {nb: Hva ble styrket?, nn: Kva vart styrkt?}
        choices:
          - {code: staff, label: {nb: Økt bemanning, nn: Auka bemanning}}
          - {code: other, label: {nb: Annet, nn: Anna}}
          - {code: none, exclusive: true, label: {nb: Ingen av disse, nn: Ingen av desse}}
      - id: measures_other
        type: text
        show_if: "'other' in measures"
        required: true
        max_length: 10
        label: Beskriv hva annet
      - id: received
        type: amount
        label: Mottatt
      - id: used_amount
        type: amount
        label: Brukt
        validation:
          - rule: used_amount <= grant.amount
            message:
              nb: Brukt beløp kan ikke være større enn tilskuddet ({grant.amount}).
              nn: Brukt beløp kan ikkje vere større enn tilskotet ({grant.amount}).
      - id: unused
        type: computed
        format: amount
        expression: received - used_amount
        label: Ubrukt
      - id: started
        type: date
        label: Startdato
      - id: happy
        type: yes_no
        label: Fornøyd?
      - id: importance
        type: scale
        dont_know: true
        label: Viktig?
      - id: positions
        type: group
        min_rows: 1
        max_rows: 5
        label: Stillinger
        questions:
          - {id: title, type: text, required: true, label: Tittel}
          - {id: fte, type: percent, required: true, label: Stillingsprosent}
          - {id: cost, type: amount, label: Lønn}
      - id: total_cost
        type: computed
        format: amount
        expression: sum(positions.cost)
        label: Sum lønn
"""
QUESTIONNAIRE, PROBLEMS = load_text(EXAMPLE, "eksempel.v1.yaml")


def check(data: dict, language: str = "nb", previous: dict | None = None):
    assert not PROBLEMS, PROBLEMS
    return validate_section(QUESTIONNAIRE, "page", MultiDict(data), CONTEXT, previous or {},
                            language)


def base(**extra: object) -> dict:
    data = {"measures": "staff", "positions-0-title": "Rådgiver", "positions-0-fte": "50"}
    data.update(extra)
    return data


def test_the_shipped_questionnaires_load():
    assert SHIPPED.ok and len(SHIPPED.questionnaires) == 6


@pytest.mark.parametrize("typed", ["1 234 567", "1.234.567", "kr 1 234 567",
                                   "1 234 567,-", "1234567,00"])
def test_the_norwegian_ways_of_writing_an_amount_store_the_same_decimal(typed):
    result = check(base(received=typed))
    assert result.answers["received"] == Decimal("1234567.00")
    assert isinstance(result.answers["received"], Decimal)
    assert "received" not in result.errors


@pytest.mark.parametrize(("typed", "code", "params"), [
    ("-5", Msg.AMOUNT_NEGATIVE, {"example": "250 000"}),
    ("12abc", Msg.AMOUNT_INVALID, {"text": "12abc", "example": "250 000"}),
    ("1,2,3", Msg.AMOUNT_INVALID, {"text": "1,2,3", "example": "250 000"}),
])
def test_a_wrong_amount_gets_the_catalogues_message(typed, code, params):
    result = check(base(received=typed))
    assert result.errors["received"] == [message(code, "nb", **params)]
    assert result.answers["received"] is None


def test_messages_are_in_nynorsk_when_asked():
    result = check(base(received="-5", measures=""), language="nn")
    assert result.errors["received"] == [message(Msg.AMOUNT_NEGATIVE, "nn", example="250 000")]
    assert result.errors["measures"] == ["Svar på dette spørsmålet."]
    assert "ikkje" in result.errors["received"][0]


def test_a_hidden_questions_posted_value_is_dropped():
    result = check(base(measures_other="Noe annet"))
    assert "measures_other" in result.hidden
    assert "measures_other" not in result.answers
    shown = check(base(measures=["staff", "other"], measures_other="Kurs"))
    assert shown.answers["measures_other"] == "Kurs"


def test_required_but_hidden_is_not_an_error():
    result = check(base())
    assert "measures_other" not in result.errors
    assert check(base(measures="other")).errors["measures_other"] == ["Svar på dette spørsmålet."]


def test_none_of_these_cannot_be_combined():
    result = check(base(measures=["staff", "none"]))
    assert result.errors["measures"] == [
        "«Ingen av disse» kan ikke kombineres med andre valg."
        " Fjern enten «Ingen av disse» eller de andre kryssene."]
    assert check(base(measures="none")).answers["measures"] == ["none"]


def test_an_unknown_choice_code_is_refused():
    assert check(base(measures=["staff", "hacked"])).errors["measures"] == [
        message(Msg.CHOICE_UNKNOWN)]
    assert check(base(happy="maybe")).errors["happy"] == [message(Msg.CHOICE_UNKNOWN)]


def test_a_group_of_three_rows_gives_three_typed_dicts():
    data = base()
    data.update({"positions-1-title": "Psykolog", "positions-1-fte": "100 %",
                 "positions-1-cost": "800 000", "positions-2-title": "Sekretær",
                 "positions-2-fte": "20,5", "positions-2-cost": ""})
    result = check(data)
    assert result.answers["positions"] == [
        {"title": "Rådgiver", "fte": Decimal("50"), "cost": None},
        {"title": "Psykolog", "fte": Decimal("100"), "cost": Decimal("800000.00")},
        {"title": "Sekretær", "fte": Decimal("20.5"), "cost": None},
    ]
    assert result.answers["total_cost"] == Decimal("800000.00")
    assert result.ok, result.errors


def test_errors_in_a_row_are_keyed_by_group_index_and_column():
    result = check({"measures": "staff", "positions-0-title": "Rådgiver",
                    "positions-0-fte": "150", "positions-1-cost": "5"})
    assert result.errors["positions-0-fte"] == [message(Msg.PERCENT_OVER_100,
                                                        example="80,5 %")]
    assert result.errors["positions-1-title"] == ["Svar på dette spørsmålet."]
    assert result.anchors["positions-1-title"] == "positions-1-title"


def test_too_few_rows_is_an_error_and_empty_rows_do_not_count():
    result = check({"measures": "staff", "positions-0-title": " ", "positions-0-fte": ""})
    assert result.errors["positions"] == [message(Msg.GROUP_TOO_FEW, min=1)]
    assert result.answers["positions"] == []


def test_a_validation_rule_message_appears_with_the_figures_filled_in():
    result = check(base(used_amount="2 000 000"))
    assert result.errors["used_amount"] == [
        "Brukt beløp kan ikke være større enn tilskuddet (1\u00a0234\u00a0567\u00a0kr)."]
    nn = check(base(used_amount="2 000 000"), language="nn")
    assert nn.errors["used_amount"][0].startswith("Brukt beløp kan ikkje")


def test_a_rule_is_not_checked_on_an_unanswered_question():
    assert "used_amount" not in check(base()).errors


def test_computed_values_and_typed_values():
    result = check(base(received="1 000 000", used_amount="750 000,50", started="1.4.2023",
                        happy="yes", importance="dont_know"))
    assert result.answers["unused"] == Decimal("249999.50")
    assert result.answers["started"] == dt.date(2023, 4, 1)
    assert result.answers["happy"] is True
    assert result.answers["importance"] == "dont_know"
    assert check(base(importance="4")).answers["importance"] == 4
    assert "importance" in check(base(importance="9")).errors
    assert "started" in check(base(started="31.02.2023")).errors


def test_text_longer_than_max_length_is_refused():
    result = check(base(measures="other", measures_other="x" * 11))
    assert result.errors["measures_other"] == [message(Msg.TEXT_TOO_LONG, length=11, max=10)]


def test_render_text_picks_the_language_and_fills_in_figures():
    text = {"nb": "Kommunen fikk {grant.amount} i {grant.year}, frist {round.deadline}.",
            "nn": "Kommunen fekk {grant.amount} i {grant.year}, frist {round.deadline}."}
    assert render_text(text, "nb", CONTEXT) == (
        "Kommunen fikk 1\u00a0234\u00a0567\u00a0kr i 2022, frist 01.04.2023.")
    assert render_text(text, "nn", CONTEXT).startswith("Kommunen fekk")
    assert render_text({"nb": "Hei {municipality.name}"}, "en", CONTEXT) == "Hei Lillehammer"
    assert render_text({"nb": "{unknown.name}"}, "nb", CONTEXT) == "{unknown.name}"


def test_the_form_class_is_cached_per_section_and_has_a_field_per_input():
    form_class = build_form_class(QUESTIONNAIRE, "page")
    assert build_form_class(QUESTIONNAIRE, "page") is form_class
    form = form_class(FormData({"received": "5"}), meta={"csrf": False})
    names = {f.name for f in form}
    assert "unused" not in names and {"received", "positions", "measures"} <= names
    assert form["q_received"].data == Decimal("5.00")


def test_removing_a_row_moves_the_later_rows_up():
    data = FormData({"positions-0-title": "A", "positions-1-title": "B",
                     "positions-2-title": "C", "measures": "staff"})
    group = QUESTIONNAIRE.question("positions")
    after = remove_row(group, data, 1)
    assert row_count(group, after) == 2
    assert after.first("positions-1-title") == "C" and after.first("measures") == "staff"


def test_parse_date():
    assert parse_date("01.04.2023") == dt.date(2023, 4, 1)
    assert parse_date("2023-04-01") is None


def _sections():
    return [(q, s) for q in SHIPPED.questionnaires for s in q.sections]


def _input_names(section) -> list[str]:
    names = []
    for question in section.questions:
        if question.type == "group":
            names += [f"{question.id}-{i}-{c.id}" for i in (0, 1) for c in question.columns]
        elif question.type == "matrix":
            names += [f"{question.id}-{row.code}" for row in question.rows]
        elif question.answered:
            names.append(question.id)
    return names


@pytest.mark.parametrize(("questionnaire", "section"), _sections(),
                         ids=lambda value: getattr(value, "id", ""))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_text_in_any_field_gives_messages_not_exceptions(questionnaire, section, data):
    names = _input_names(section)
    posted = MultiDict([(name, data.draw(st.text(max_size=40), label=name)) for name in names])
    result = validate_section(questionnaire, section.id, posted, CONTEXT, {}, "nb")
    assert all(isinstance(text, str) for texts in result.errors.values() for text in texts)


COLUMN_CONDITION = """id: kolonne
version: 1
scheme: "765.62"
title: {nb: Stillinger}
sections:
  - id: positions
    title: {nb: Stillinger}
    questions:
      - id: positions
        type: group
        label: {nb: Stillinger}
        questions:
          - {id: fte, type: percent, required: true, label: {nb: Stillingsprosent}}
          - id: why_part_time
            type: text
            required: true
            show_if: "fte < 100"
            label: {nb: Hvorfor deltid?}
"""


def test_a_column_condition_hides_the_cell_in_its_row_only_and_drops_its_answer():
    from forms.builder import hidden_keys, validate_section

    questionnaire, problems = load_text(COLUMN_CONDITION, "kolonne.v1.yaml")
    assert problems == []
    posted = {"positions-0-fte": "100", "positions-0-why_part_time": "skrevet før",
              "positions-1-fte": "50", "positions-1-why_part_time": "Delt stilling"}
    result = validate_section(questionnaire, "positions", posted, {}, {})
    assert result.errors == {}
    assert result.answers["positions"] == [
        {"fte": Decimal("100")}, {"fte": Decimal("50"), "why_part_time": "Delt stilling"}]
    assert hidden_keys(questionnaire, "positions", posted, {}, {}) == [
        "positions-0-why_part_time"]
    # required only where shown: an empty reason in the part-time row is an error
    result = validate_section(questionnaire, "positions", {**posted,
                              "positions-1-why_part_time": ""}, {}, {})
    assert list(result.errors) == ["positions-1-why_part_time"]


def test_whole_numbers_show_without_decimals_and_decimals_with_theirs():
    from forms.builder import format_answer

    count = QUESTIONNAIRE.question("used_amount")
    assert format_answer(count, 1234567) == "1\xa0234\xa0567\xa0kr"
    integer = next(q for q in QUESTIONNAIRE.questions() if q.type in ("integer", "scale"))
    assert format_answer(integer, 220) == "220"
    assert format_answer(integer, 12000) == "12\xa0000"
