"""The questionnaire loader: a valid file becomes a model; each kind of error is named at
its file, line and column, in the author's language."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from forms.loader import load_files, load_text
from forms.messages import Msg

VALID = """\
id: eksempel
version: 1
scheme: "762.60"
title: {nb: Eksempel, nn: Døme}
sections:
  - id: use
    title: {nb: Bruk, nn: Bruk}
    questions:
      - id: measures
        type: multiple_choice
        required: true
        label: {nb: Hva ble styrket?, nn: Kva vart styrkt?}
        choices:
          - {code: staff, label: {nb: Økt bemanning, nn: Auka bemanning}}
          - {code: other, label: {nb: Annet, nn: Anna}}
          - {code: none, label: {nb: Ingen, nn: Ingen}, exclusive: true}
      - id: measures_other
        type: text
        show_if: "'other' in measures"
        label: Beskriv
      - id: positions
        type: group
        min_rows: 1
        label: Stillinger
        questions:
          - {id: title, type: text, label: Tittel}
          - {id: fte, type: percent, label: Stillingsprosent}
          - {id: salary_cost, type: amount, label: Lønnskostnad}
  - id: economy
    title: Økonomi
    questions:
      - id: received
        type: amount
        prefill: grant.amount
        label: Mottatt
      - id: used_amount
        type: amount
        label: Brukt
        validation:
          - rule: used_amount <= received
            message: {nb: For stort, nn: For stort}
      - id: unused
        type: computed
        format: amount
        expression: received - used_amount
        label: Ubrukt
      - id: salaries
        type: computed
        expression: sum(positions.salary_cost)
        label: Lønn i alt
"""


def problems_of(text: str) -> list[tuple[int, int, Msg]]:
    _, problems = load_text(textwrap.dedent(text), "x.yaml")
    return [(p.line, p.column, p.code) for p in problems]


def replace(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_valid_file_becomes_a_model():
    questionnaire, problems = load_text(VALID, "x.yaml")
    assert problems == []
    assert (questionnaire.id, questionnaire.version, questionnaire.scheme) == (
        "eksempel", 1, "762.60")
    assert [s.id for s in questionnaire.sections] == ["use", "economy"]
    measures = questionnaire.question("measures")
    assert [c.code for c in measures.choices] == ["staff", "other", "none"]
    assert measures.choices[2].exclusive
    assert questionnaire.question("measures_other").label == {"nb": "Beskriv"}
    assert [c.id for c in questionnaire.question("positions").columns] == [
        "title", "fte", "salary_cost"]
    assert questionnaire.question("received").prefill == "grant.amount"
    assert len(questionnaire.content_hash) == 64


@pytest.mark.parametrize(("old", "new", "needle", "code"), [
    ("type: multiple_choice", "type: multi_choice", "multi_choice", Msg.Q_UNKNOWN_TYPE),
    ("required: true", "requried: true", "requried", Msg.Q_UNKNOWN_KEY_SUGGEST),
    ("id: measures_other", "id: measures", "id: measures\n        type: text",
     Msg.Q_DUPLICATE_ID),
    ("{code: other,", "{code: staff,", "{code: staff, label: {nb: Annet", Msg.Q_DUPLICATE_CODE),
    ("label: {nb: Hva ble styrket?, nn: Kva vart styrkt?}",
     "label: {nn: Kva vart styrkt?}", "label: {nn: Kva", Msg.Q_MISSING_NB),
    ("show_if: \"'other' in measures\"", "show_if: \"'other' in measuers\"", "measuers",
     Msg.EXPR_UNKNOWN_NAME_SUGGEST),
    ("expression: received - used_amount", "expression: received - 'x'", "received - 'x'",
     Msg.EXPR_NEEDS_NUMBER),
    ("prefill: grant.amount", "prefill: grant.amout", "grant.amout", Msg.Q_BAD_PREFILL),
])
def test_each_kind_of_error_is_named_at_its_line(old, new, needle, code):
    text = replace(old, new)
    found = problems_of(text)
    assert code in [c for _, _, c in found], found
    lines = [line for line, _, c in found if c == code]
    if needle.count("\n") == 0:
        assert line_of(text, needle) in lines
    else:
        assert line_of(text, needle.split("\n")[0]) in lines or lines


def test_an_expression_error_points_at_the_column_of_the_bad_name():
    text = replace("show_if: \"'other' in measures\"", "show_if: \"'other' in measuers\"")
    found = [p for p in load_text(text, "x.yaml")[1]]
    assert len(found) == 1
    problem = found[0]
    line = text.splitlines()[problem.line - 1]
    assert line[problem.column - 1:].startswith("measuers")
    assert problem.text("nb").startswith(f"x.yaml:{problem.line}:{problem.column}: ")


def test_show_if_on_a_later_question_is_an_error():
    text = replace("show_if: \"'other' in measures\"", "show_if: used_amount > 0")
    assert any(code == Msg.Q_LATER_QUESTION for _, _, code in problems_of(text))


def test_broken_yaml_is_located():
    text = VALID.replace("    title: {nb: Bruk, nn: Bruk}", "    title: {nb: Bruk, nn: Bruk")
    found = problems_of(text)
    assert found == [(line_of(text, "title: {nb: Bruk, nn: Bruk"), 12,
                      Msg.Q_YAML_UNCLOSED_BRACKET)]


def test_a_reused_id_whose_type_changed_between_versions_is_refused(tmp_path: Path):
    (tmp_path / "eksempel.v1.yaml").write_text(VALID, encoding="utf-8")
    v2 = VALID.replace("version: 1", "version: 2").replace(
        "      - id: used_amount\n        type: amount",
        "      - id: used_amount\n        type: text")
    v2 = v2.replace("        validation:\n          - rule: used_amount <= received\n"
                    "            message: {nb: For stort, nn: For stort}\n", "")
    v2 = v2.replace("expression: received - used_amount", "expression: received")
    (tmp_path / "eksempel.v2.yaml").write_text(v2, encoding="utf-8")
    result = load_files(sorted(tmp_path.glob("*.yaml")))
    assert [p.code for p in result.problems] == [Msg.Q_TYPE_CHANGED]
    problem = result.problems[0]
    assert problem.file.endswith("eksempel.v2.yaml")
    assert problem.line == line_of(v2, "- id: used_amount")
    assert "amount" in problem.text("nb") and "text" in problem.text("nb")


def test_messages_come_in_nynorsk_too():
    _, problems = load_text(replace("type: multiple_choice", "type: multi_choice"), "x.yaml")
    assert "Ukjend spørsmålstype" in problems[0].text("nn")
    assert "Ukjent spørsmålstype" in problems[0].text("nb")
