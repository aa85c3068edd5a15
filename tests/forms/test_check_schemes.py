"""Scheme entries checked key by key (forms/schemes_check.py), at their lines."""

from __future__ import annotations

import pytest

from forms.messages import Msg
from forms.schemes_check import ADMINISTRATIONS, check_schemes_text
from survey_app.models import Administration
from survey_app.questionnaires import DEFAULT_DIRECTORY
from survey_app.services.scheme_rules import SchemeRulesError, parse_rules

SHIPPED = DEFAULT_DIRECTORY / "schemes" / "schemes.yaml"
ENTRY = """\
- slug: eksempel-ordning
  chapter_post: "762.60"
  administration: national
  name:
    nb: Eksempelordning
    nn: Dømeordning
  rules:
    first_year: 2022
    last_year: 2024
    recipients_of_year: 2022
    continuing_positions_only: true
    position_rates:
      2023: {1: 660000, 2: 550000}
      2024: {any: 330000}
"""


def problems(text: str) -> list[tuple[int, int, Msg]]:
    return [(p.line, p.column, p.code) for p in check_schemes_text(text, "s.yaml").problems]


def test_the_shipped_schemes_pass():
    result = check_schemes_text(SHIPPED.read_text("utf-8"), str(SHIPPED))
    assert result.ok, [p.text("en") for p in result.problems]
    assert len(result.entries) == 6


def test_the_allowed_administrations_are_the_databases():
    assert tuple(a.value for a in Administration) == ADMINISTRATIONS


def test_a_sound_entry_and_one_entry_alone_as_the_workspace_edits_it():
    assert problems(ENTRY) == []
    alone = "\n".join(line[2:] for line in ENTRY.splitlines())
    result = check_schemes_text(alone, "entry.yaml")
    assert result.ok and [e.slug for e in result.entries] == ["eksempel-ordning"]


def test_an_unknown_administration_lists_the_allowed_values_in_words():
    result = check_schemes_text(ENTRY.replace("national", "statsforvalteren"), "s.yaml")
    assert [(p.line, p.column, p.code) for p in result.problems] == [
        (3, 19, Msg.R_NOT_ONE_OF)]
    assert result.problems[0].text("nb") == (
        "s.yaml:3:19: «statsforvalteren» kan ikke brukes som administration. Tillatt: "
        "national (Helsedirektoratet forvalter ordningen), offices (hvert "
        "statsforvalterembete forvalter den for sine kommuner).")


def test_an_unquoted_chapter_post_is_refused_with_the_fix():
    result = check_schemes_text(ENTRY.replace('"762.60"', "0621.21"), "s.yaml")
    assert [p.text("en") for p in result.problems] == [
        's.yaml:2:17: chapter_post: 0621.21 has no quotes and is then read as the number '
        '621.21. Write it in quotes: chapter_post: "0621.21".']


@pytest.mark.parametrize("value", ['"762,60"', '"762"', '"kap 762"'])
def test_a_chapter_post_must_look_like_one(value):
    assert problems(ENTRY.replace('"762.60"', value)) == [(2, 17, Msg.S_CHAPTER_POST)]


def test_a_misspelt_key_gets_did_you_mean_and_the_required_ones_are_named():
    text = ENTRY.replace("  administration: national\n", "  administraton: national\n")
    result = check_schemes_text(text, "s.yaml")
    words = [p.text("en") for p in result.problems]
    assert any("Unknown key 'administraton'" in w and "Did you mean administration?" in w
               for w in words), words
    assert any("'administration' is missing" in w for w in words), words


def test_a_scheme_name_needs_nynorsk():
    text = ENTRY.replace("    nn: Dømeordning\n", "")
    assert problems(text) == [(4, 3, Msg.Q_MISSING_NN)]
    exempt = text.replace("  name:", "  nynorsk_not_required: Berre for bokmål.\n  name:")
    assert problems(exempt) == []


def test_two_entries_with_one_slug():
    assert problems(ENTRY + ENTRY.replace("762.60", "765.60")) == [(15, 9, Msg.S_DUPLICATE_SLUG)]


@pytest.mark.parametrize(("old", "new", "code"), [
    ("first_year: 2022", "first_year: 2025", Msg.S_FIRST_AFTER_LAST),
    ("first_year: 2022", "first_year: '2022'", Msg.S_NOT_YEAR),
    ("    recipients_of_year: 2022\n", "", Msg.S_CONTINUING_NEEDS_RECIPIENTS),
    ("continuing_positions_only: true", "continuing_positions_only: yes please", Msg.Q_NOT_BOOL),
    ("2023: {1: 660000", "2021: {1: 660000", Msg.S_RATE_YEAR_OUTSIDE),
    ("{1: 660000, 2: 550000}", "{1: 660000, 5: 550000}", Msg.R_NOT_ONE_OF),
    ("{1: 660000, 2: 550000}", "{1: 660000, 2: 550 000 kr}", Msg.S_NOT_KRONER),
    ("{any: 330000}", "{any: 330000, 1: 660000}", Msg.S_RATE_ANY_ALONE),
    ("last_year: 2024", "last_yaer: 2024", Msg.Q_UNKNOWN_KEY_SUGGEST),
])
def test_the_rules_of_an_entry_are_checked_as_the_service_reads_them(old, new, code):
    text = ENTRY.replace(old, new, 1)
    assert text != ENTRY
    assert code in [c for _, _, c in problems(text)], problems(text)
    # what `check` refuses, the service refuses too (and what it passes, it reads)
    from ruamel.yaml import YAML

    entry = YAML(typ="safe").load(text)[0]
    with pytest.raises(SchemeRulesError):
        parse_rules(entry["slug"], entry["rules"])
    parse_rules("eksempel-ordning", YAML(typ="safe").load(ENTRY)[0]["rules"])


def test_not_a_list_of_entries():
    assert problems("just a line\n") == [(1, 1, Msg.S_NOT_LIST)]
