"""`check` over the files together: nynorsk in every text (with its visible opt-out),
names that come later, misspelt keys, the files against each other, the summary line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from forms.check import check_questionnaire_text, check_rules_text
from forms.messages import Msg
from forms.rules import answer_names
from survey_app.questionnaires import DEFAULT_DIRECTORY, check_paths
from tests.forms.test_loader import VALID, line_of

LAVTERSKEL = "lavterskel-psykisk-helse"


def codes(text: str) -> list[tuple[int, Msg]]:
    return [(p.line, p.code) for p in check_questionnaire_text(text, "x.yaml").problems]


def all_nynorsk(text: str) -> str:
    """VALID with every one-line bokmål text given a nynorsk one too."""
    text = re.sub(r"label: ([A-ZÆØÅ][^{}\n]*)(}?)$", r"label: {nb: \1, nn: \1}\2", text,
                  flags=re.MULTILINE)
    return text.replace("title: Økonomi", "title: {nb: Økonomi, nn: Økonomi}")


def test_every_shipped_file_has_every_text_in_nynorsk():
    result = check_paths([DEFAULT_DIRECTORY])
    assert result.problems == [], [p.text("en") for p in result.problems]


def test_a_text_without_nynorsk_is_an_error_at_its_line():
    text = all_nynorsk(VALID)
    assert codes(text) == []
    removed = text.replace("{nb: Hva ble styrket?, nn: Kva vart styrkt?}",
                           "{nb: Hva ble styrket?}", 1)
    assert codes(removed) == [(line_of(removed, "Hva ble styrket"), Msg.Q_MISSING_NN)]
    one_line = text.replace("label: {nb: Beskriv, nn: Beskriv}", "label: Beskriv", 1)
    assert codes(one_line) == [(line_of(one_line, "label: Beskriv"), Msg.Q_MISSING_NN)]
    empty = text.replace("{nb: For stort, nn: For stort}", "{nb: For stort, nn: ''}", 1)
    assert codes(empty) == [(line_of(empty, "For stort"), Msg.Q_MISSING_NN)]


def test_the_opt_out_is_a_visible_reason_at_the_top():
    exempt = "nynorsk_not_required: Ordningen gjelder bare Oslo.\n" + VALID
    checked = check_questionnaire_text(exempt, "x.yaml")
    assert checked.problems == [] and checked.nynorsk_exempt
    assert codes("nynorsk_not_required: ''\n" + VALID)[0] == (1, Msg.Q_NYNORSK_REASON)


def test_rules_texts_need_nynorsk_unless_their_questionnaire_is_exempt():
    path = DEFAULT_DIRECTORY / "rules" / f"{LAVTERSKEL}.yaml"
    forms = check_paths([DEFAULT_DIRECTORY]).questionnaires.questionnaires
    text = path.read_text("utf-8")
    removed = re.sub(r"\n\s+nn: [^\n]*", "", text, count=1)
    _, problems = check_rules_text(removed, "r.yaml", answer_names(forms))
    assert [p.code for p in problems] == [Msg.Q_MISSING_NN]
    _, problems = check_rules_text(removed, "r.yaml", answer_names(forms), [LAVTERSKEL])
    assert problems == []


def test_a_condition_naming_a_later_question_says_it_comes_later():
    text = VALID.replace("show_if: \"'other' in measures\"", "show_if: used_amount > 0", 1)
    problems = check_questionnaire_text(text, "x.yaml").problems
    assert [p.code for p in problems if p.code != Msg.Q_MISSING_NN] == [Msg.Q_LATER_QUESTION]
    later = next(p for p in problems if p.code == Msg.Q_LATER_QUESTION)
    assert later.text("en").endswith(
        f"The question 'used_amount' comes later in the form (line "
        f"{line_of(text, '- id: used_amount')}). An expression can only use answers to "
        "questions that come before it: move the question up, or the condition down.")
    unknown = VALID.replace("show_if: \"'other' in measures\"", "show_if: nowhere > 0", 1)
    assert Msg.EXPR_UNKNOWN_NAME in [c for _, c in codes(unknown)]


def test_a_misspelt_key_gets_did_you_mean():
    text = VALID.replace("        required: true\n", "        requird: true\n", 1)
    problem = next(p for p in check_questionnaire_text(text, "x.yaml").problems
                   if p.code == Msg.Q_UNKNOWN_KEY_SUGGEST)
    assert "Meinte du required?" in problem.text("nn")


def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_DIRECTORY, folder)
    return folder


def test_a_questionnaire_without_a_scheme_entry_and_an_entry_without_one(tmp_path):
    folder = copy(tmp_path)
    source = folder / f"{LAVTERSKEL}.v1.yaml"
    text = source.read_text("utf-8").replace(f"id: {LAVTERSKEL}", "id: ny-ordning", 1)
    (folder / "ny-ordning.v1.yaml").write_text(text, "utf-8")
    source.unlink()
    (folder / "rules" / f"{LAVTERSKEL}.yaml").unlink()  # rules for a form no longer there
    result = check_paths([folder])
    schemes = folder / "schemes" / "schemes.yaml"
    entry = line_of(schemes.read_text("utf-8"), f"slug: {LAVTERSKEL}")
    assert [(p.file, p.line, p.code) for p in result.problems] == [
        (str(folder / "ny-ordning.v1.yaml"), 1, Msg.X_NO_SCHEME_ENTRY),
        (str(schemes), entry, Msg.X_NO_QUESTIONNAIRE)]
    assert "slug: ny-ordning" in result.problems[0].text("en")


def test_a_scheme_without_rules_is_a_warning_and_check_still_passes(runner, tmp_path):
    folder = copy(tmp_path)
    (folder / "rules" / f"{LAVTERSKEL}.yaml").unlink()
    result = check_paths([folder])
    assert result.problems == []
    assert [p.code for p in result.warnings] == [Msg.X_NO_RULES]
    cli = runner.invoke(args=["questionnaires", "check", "--language", "nn", str(folder)])
    assert cli.exit_code == 0, cli.output
    assert f"Åtvaring: ordninga «{LAVTERSKEL}» har ingen tilbakebetalingsreglar" in cli.output
    assert "1 åtvaring(ar)." in cli.output
    assert "ordning(ar); ingen feil." in cli.output


def test_check_of_a_copy_with_one_nynorsk_text_removed_fails_naming_the_line(runner, tmp_path):
    folder = copy(tmp_path)
    path = folder / f"{LAVTERSKEL}.v1.yaml"
    text = path.read_text("utf-8")
    match = re.search(r"\n( +)nn: [^\n]*", text)
    assert match
    path.write_text(text[:match.start()] + text[match.end():], "utf-8")
    line = text[:match.start()].count("\n") + 1  # the text's nb line, where nn belonged
    result = runner.invoke(args=["questionnaires", "check", str(folder)])
    assert result.exit_code == 1
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: «\w+» mangler tekst på nynorsk \(nn\)",
                     result.output, flags=re.MULTILINE), result.output
    assert abs(int(result.output.split(":")[1]) - line) <= 1
    assert "1 feil i 13 fil(er)." in result.output
    english = runner.invoke(args=["questionnaires", "check", "--language", "en", str(folder)])
    assert "1 problem(s) in 13 file(s)." in english.output


def test_check_of_an_invalid_administration_lists_the_allowed_values(runner, tmp_path):
    folder = copy(tmp_path)
    schemes = folder / "schemes" / "schemes.yaml"
    text = schemes.read_text("utf-8")
    schemes.write_text(text.replace("administration: national", "administration: "
                                    "statsforvalteren", 1), "utf-8")
    line = line_of(schemes.read_text("utf-8"), "statsforvalteren")
    result = runner.invoke(args=["questionnaires", "check", "--language", "en", str(schemes)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{schemes}:{line}:19: 'statsforvalteren' cannot be used as administration. Allowed: "
        "national (Helsedirektoratet runs the scheme), offices (each Statsforvalter office "
        "runs it for its municipalities).")
