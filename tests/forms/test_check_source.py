"""Bad input to `check` and the workspace: each refused with a clear message at its line,
never a traceback; YAML's syntax errors explained as what to do."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from forms.check import check_questionnaire_text
from forms.loader import load_files, load_text
from forms.messages import Msg
from forms.rules import load_rules_text
from forms.schemes_check import check_schemes_text
from forms.source import MAX_BYTES
from tests.forms.test_loader import VALID, line_of

BOMB = """id: eksempel
lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
lol2: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
lol3: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
lol4: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
lol5: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
lol6: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
lol7: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
lol8: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
lol9: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def found(text: str) -> list[tuple[int, int, Msg]]:
    _, problems = load_text(text, "x.yaml")
    return [(p.line, p.column, p.code) for p in problems]


def test_the_shipped_example_loads_as_before():
    assert found(VALID) == []


def test_a_yaml_bomb_is_refused_at_its_first_anchor_quickly():
    started = time.monotonic()
    problems = found(BOMB)
    assert time.monotonic() - started < 1
    assert problems == [(2, 6, Msg.Q_YAML_ANCHOR)]


def test_anchors_and_merge_keys_are_refused_in_rules_and_scheme_entries_too():
    text = "scheme: eksempel\nrules: &r []\nmore: *r\n"
    _, problems = load_rules_text(text, "r.yaml", {"eksempel": {}})
    assert [(p.line, p.code) for p in problems] == [(2, Msg.Q_YAML_ANCHOR)]
    schemes = check_schemes_text("- &s {slug: a}\n- <<: *s\n", "schemes.yaml")
    assert [p.code for p in schemes.problems] == [Msg.Q_YAML_ANCHOR]


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!!python/name:os.system",
                                 "!custom", "!!str"])
def test_tags_are_refused_with_their_line(tag):
    text = VALID.replace("scheme: \"762.60\"", f"scheme: {tag} \"762.60\"", 1)
    problems = check_questionnaire_text(text, "x.yaml").problems
    assert [(p.line, p.code) for p in problems] == [(3, Msg.Q_YAML_TAG)]
    assert tag in problems[0].text("en")


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e"])
def test_control_characters_in_an_id_or_a_text_are_refused_at_their_place(character):
    text = VALID.replace("id: measures_other", f"id: measures{character}other", 1)
    # counted in "\n" as editors do (str.splitlines would also break at U+0085)
    line = next(i for i, row in enumerate(text.split("\n"), 1) if "measures" + character in row)
    problems = found(text)
    expected = Msg.Q_BINARY if character == "\x00" else Msg.Q_CONTROL_CHARACTER
    assert problems == [(line, 21, expected)]


def test_a_text_over_the_size_limit_is_refused_without_being_read():
    text = VALID + "#" * (MAX_BYTES + 1)
    started = time.monotonic()
    problems = check_questionnaire_text(text, "x.yaml").problems
    assert time.monotonic() - started < 1
    assert [p.code for p in problems] == [Msg.Q_TOO_LARGE]
    assert "1,0 MB" in problems[0].text("nb")


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "x.v1.yaml"
    path.write_bytes(data)
    return path


def test_a_file_in_another_encoding_is_named_at_its_first_unreadable_byte(tmp_path):
    path = write(tmp_path, VALID.encode("latin-1"))
    result = load_files([path])
    line = line_of(VALID, "Døme")  # the first ø
    assert [(p.line, p.code) for p in result.problems] == [(line, Msg.Q_NOT_UTF8)]
    assert "UTF-8" in result.problems[0].text("nn")


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
                                  VALID.encode("utf-16")], ids=["png", "utf-16"])
def test_binary_data_is_not_a_text_file(tmp_path, data):
    result = load_files([write(tmp_path, data)])
    assert [p.code for p in result.problems] == [Msg.Q_BINARY]


def test_a_large_file_is_refused_before_it_is_read(tmp_path):
    path = write(tmp_path, b"#" * (10 * MAX_BYTES))
    result = load_files([path])
    assert [p.code for p in result.problems] == [Msg.Q_TOO_LARGE]
    assert "10,0 MB" in result.problems[0].text("en")


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    assert load_files([write(tmp_path, b"\xef\xbb\xbf" + VALID.encode())]).ok


# -- YAML syntax errors, in words --------------------------------------------------------

def message_at(text: str, language: str = "en") -> tuple[int, int, Msg, str]:
    _, problems = load_text(text, "x.yaml")
    assert len(problems) == 1, problems
    p = problems[0]
    return p.line, p.column, p.code, p.text(language)


def test_a_colon_in_a_one_line_text_says_to_quote_it():
    text = VALID.replace("label: Beskriv", "label: Beskriv: hva annet", 1)
    line, _, code, words = message_at(text)
    assert (line, code) == (line_of(text, "Beskriv: hva"), Msg.Q_YAML_COMMA)
    assert "must be in quotes or on its own line" in words
    assert "mapping values" not in words


def test_a_comma_that_makes_a_duplicate_key_says_to_quote_the_text():
    text = VALID.replace("{nb: Annet, nn: Anna}", "{nb: For alle, alle, alle, nn: Anna}", 1)
    line, _, code, words = message_at(text, "nb")
    assert (line, code) == (line_of(text, "For alle"), Msg.Q_YAML_COMMA)
    assert "må stå i anførselstegn eller på en egen linje" in words
    assert "duplicate" not in words


def test_a_comma_that_splits_a_text_names_the_part_read_as_a_language():
    text = VALID.replace("{nb: Annet, nn: Anna}", "{nb: Annet, eller noe nytt, nn: Anna}", 1)
    line, _, code, words = message_at(text)
    assert (line, code) == (line_of(text, "eller noe nytt"), Msg.Q_TEXT_COMMA)
    assert "'eller noe nytt'" in words


def test_a_comma_after_a_one_line_mapping_says_to_quote():
    text = VALID.replace("title: {nb: Bruk, nn: Bruk}", "title: {nb: Bruk, nn: Bruk}, mer", 1)
    _, _, code, _ = message_at(text)
    assert code == Msg.Q_YAML_COMMA


def test_a_tab_says_use_spaces():
    text = VALID.replace("        required: true\n", "\trequired: true\n", 1)
    line, column, code, words = message_at(text, "nn")
    assert (line, column, code) == (line_of(text, "\trequired"), 1, Msg.Q_YAML_TAB)
    assert words.endswith("Eit tabulatorteikn: bruk mellomrom til innrykk, ikkje tabulator.")


def test_a_line_indented_too_little_names_the_key_it_belongs_under():
    text = "label:\n  nb: Hva\n nn: Kva\n"
    assert message_at(text) == (
        3, 2, Msg.Q_YAML_INDENT_UNDER,
        "x.yaml:3:2: Indentation: this line must start right under 'nb:' (line 2, column 3)"
        " to belong to 'label:'.")


def test_a_line_indented_too_far_names_the_key_it_belongs_under():
    text = VALID.replace("        required: true\n", "          required: true\n", 1)
    line, _, code, words = message_at(text, "nb")
    assert (line, code) == (line_of(text, "required: true"), Msg.Q_YAML_INDENT_UNDER)
    assert "rett under «type:»" in words and "«- id:»" not in words


def test_a_list_item_out_of_line_names_the_item_above():
    text = VALID.replace("      - id: positions", "     - id: positions", 1)
    line, _, code, words = message_at(text)
    assert (line, code) == (line_of(text, "- id: positions"), Msg.Q_YAML_INDENT_UNDER)
    assert "right under '- id:'" in words


def test_an_unclosed_quote_is_named_where_it_starts():
    text = VALID.replace('show_if: "\'other\' in measures"', 'show_if: "\'other\' in measures',
                         1)
    line, column, code, _ = message_at(text)
    assert (line, column, code) == (line_of(text, "show_if"), 18, Msg.Q_YAML_UNCLOSED_QUOTE)


def test_a_key_given_twice_names_its_first_line():
    twice = "        required: true\n        required: false\n"
    text = VALID.replace("        required: true\n", twice, 1)
    line, _, code, words = message_at(text)
    assert code == Msg.Q_YAML_DUPLICATE_KEY
    assert f"(first on line {line - 1})" in words


def test_a_placeholder_in_a_one_line_text_says_to_quote_it():
    text = VALID.replace("label: {nb: Hva ble styrket?, nn: Kva vart styrkt?}",
                         "label: {nb: Styrket i {grant.year}?, nn: Styrkt i {grant.year}?}", 1)
    line, _, code, words = message_at(text)
    assert (line, code) == (line_of(text, "Styrket i"), Msg.Q_YAML_COMMA)
    assert "{…}" in words
    quoted = text.replace("{nb: Styrket i {grant.year}?, nn: Styrkt i {grant.year}?}",
                          '{nb: "Styrket i {grant.year}?", nn: "Styrkt i {grant.year}?"}')
    assert found(quoted) == []


@pytest.mark.parametrize("text", [
    "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "a: " + "{b: " * 5_000 + "}" * 5_000 + "\n",
    "a:\n" + "".join("  " * depth + "k:\n" for depth in range(1, 400)),
], ids=["brackets", "braces", "indentation"])
def test_nesting_deeper_than_any_form_needs_is_refused_quickly(text):
    started = time.monotonic()
    problems = found(text)
    assert time.monotonic() - started < 1
    assert [code for _, _, code in problems] == [Msg.Q_TOO_DEEP]
