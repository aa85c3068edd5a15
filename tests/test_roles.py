"""Question roles (`role:`): what the economy report reads, found by role and never by id."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from forms.loader import load_directory, load_text, role_warnings
from forms.messages import Msg
from survey_app.questionnaires import DEFAULT_DIRECTORY
from tests.conftest import AuthActions
from tests.exports.helpers import submit
from tests.factories import make_round

ECONOMY_XLSX = "/eksport/lavterskel-psykisk-helse/2022/okonomi.xlsx"
LAVTERSKEL = "lavterskel-psykisk-helse"

FORM = """\
id: eksempel
version: 1
scheme: "762.60"
title: {nb: Eksempel, nn: Døme}
sections:
  - id: economy
    title: {nb: Økonomi, nn: Økonomi}
    questions:
      - id: mottatt
        type: amount
        role: amount_received
        label: {nb: Mottatt, nn: Motteke}
      - id: brukt
        type: amount
        role: amount_used
        label: {nb: Brukt, nn: Brukt}
      - id: ubrukt
        type: computed
        format: amount
        role: amount_unused
        expression: mottatt - brukt
        label: {nb: Ubrukt, nn: Ubrukt}
      - id: kommentar
        type: text
        label: {nb: Kommentar, nn: Kommentar}
"""


def loaded(text: str):
    questionnaire, problems = load_text(text, "skjema.yaml")
    return questionnaire, [(p.line, p.column, p.code) for p in problems], problems


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    rows = [i for i, row in enumerate(text.splitlines(), 1) if fragment in row]
    return rows[nth - 1]


def test_a_question_declares_its_role_and_the_questionnaire_finds_it_by_role():
    questionnaire, problems, _ = loaded(FORM)
    assert problems == []
    assert questionnaire.question_with_role("amount_used").id == "brukt"
    assert questionnaire.question_with_role("amount_received").id == "mottatt"
    assert questionnaire.question_with_role("amount_unused").id == "ubrukt"
    assert questionnaire.question("kommentar").role is None
    assert role_warnings(questionnaire) == []


def test_an_unknown_role_is_refused_at_its_value_with_the_allowed_roles():
    text = FORM.replace("role: amount_used", "role: amount_spent")
    questionnaire, problems, found = loaded(text)
    line = line_of(text, "role: amount_spent")
    assert questionnaire is None
    assert problems == [(line, 15, Msg.Q_UNKNOWN_ROLE)]
    assert found[0].text("nb") == (
        f"skjema.yaml:{line}:15: Ukjent rolle «amount_spent». Tillatt: amount_received, "
        "amount_used, amount_unused, applies, applied_positions, applied_amount, "
        "position_title, position_percent, position_first_year.")
    assert "Ukjend rolle" in found[0].text("nn")
    assert "Unknown role 'amount_spent'" in found[0].text("en")


def test_a_role_on_a_question_that_is_not_a_number_is_refused():
    text = FORM.replace("      - id: kommentar\n        type: text\n",
                        "      - id: kommentar\n        type: text\n        role: amount_used\n")
    text = text.replace("        role: amount_used\n        label: {nb: Brukt", "        label: "
                        "{nb: Brukt")
    _, problems, found = loaded(text)
    assert problems == [(line_of(text, "role: amount_used"), 15, Msg.Q_ROLE_TYPE)]
    assert "ikke på text" in found[0].text("nb") and "ikkje på text" in found[0].text("nn")


def test_a_role_inside_a_repeating_group_is_refused():
    group = ("      - id: positions\n        type: group\n        label: {nb: Stillinger, "
             "nn: Stillingar}\n        questions:\n          - id: salary\n"
             "            type: amount\n            role: amount_used\n"
             "            label: {nb: Lønn, nn: Løn}\n")
    text = FORM.replace("        role: amount_used\n", "").replace(
        "      - id: kommentar\n", group + "      - id: kommentar\n")
    _, problems, _ = loaded(text)
    assert problems == [(line_of(text, "role: amount_used"), 19, Msg.Q_ROLE_IN_GROUP)]


def test_a_role_given_twice_is_refused_naming_the_first_question():
    text = FORM.replace("role: amount_received", "role: amount_used")
    _, problems, found = loaded(text)
    first = line_of(text, "- id: mottatt")
    assert problems == [(line_of(text, "role: amount_used", 2), 15, Msg.Q_DUPLICATE_ROLE)]
    assert f"spørsmålet på linje {first}" in found[0].text("nb")


def test_a_questionnaire_asking_for_amounts_without_the_roles_is_warned_of():
    text = re.sub(r"\n        role: \w+", "", FORM)
    questionnaire, problems, _ = loaded(text)
    assert problems == []  # a warning: the service still starts and serves it
    warnings = role_warnings(questionnaire)
    assert [(w.line, w.code, w.params["role"]) for w in warnings] == [
        (line_of(text, "- id: mottatt"), Msg.Q_ROLE_MISSING, "amount_used"),
        (line_of(text, "- id: mottatt"), Msg.Q_ROLE_MISSING, "amount_unused")]
    assert "«Rapportert brukt» i økonomirapporten blir tom" in warnings[0].text("nb")
    assert "role: amount_used" in warnings[0].text("nn")
    assert "'Ubrukt' of the economy report stays empty" in warnings[1].text("en")


def test_unused_needs_no_role_of_its_own_where_received_and_used_have_theirs():
    questionnaire, _, _ = loaded(FORM.replace("        role: amount_unused\n", ""))
    assert role_warnings(questionnaire) == []  # unused = received - used


def test_a_questionnaire_that_asks_for_no_amount_needs_no_role():
    text = FORM.replace("type: amount", "type: integer").replace(
        "        format: amount\n", "").replace("        role: amount_unused\n", "")
    text = re.sub(r"\n        role: \w+", "", text)
    questionnaire, problems, _ = loaded(text)
    assert problems == [] and role_warnings(questionnaire) == []


def test_every_shipped_questionnaire_declares_the_roles_the_economy_report_reads():
    result = load_directory(DEFAULT_DIRECTORY)
    assert result.problems == [] and result.warnings == []
    for questionnaire in result.questionnaires:
        for role in ("amount_received", "amount_used", "amount_unused"):
            assert questionnaire.question_with_role(role) is not None, (questionnaire.id, role)


# ---- through the service: `check` and the economy export ------------------------------------


def brukt_copy(tmp_path: Path, *, with_role: bool = True) -> Path:
    """The shipped folder with lavterskel's used amount called `brukt` (in its rules too),
    declaring `role: amount_used` or not."""
    directory = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_DIRECTORY, directory)
    for path in (directory / f"{LAVTERSKEL}.v1.yaml", directory / "rules" / f"{LAVTERSKEL}.yaml"):
        text = re.sub(r"\bused_amount\b", "brukt", path.read_text("utf-8"))
        if not with_role:
            text = text.replace("        role: amount_used\n", "")
        path.write_text(text, "utf-8")
    assert "used_amount" not in (directory / f"{LAVTERSKEL}.v1.yaml").read_text("utf-8")
    return directory


def test_check_passes_a_used_amount_called_brukt_that_declares_its_role(runner, tmp_path):
    result = runner.invoke(args=["questionnaires", "check", str(brukt_copy(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "amount_used" not in result.output


def test_check_warns_of_a_used_amount_without_its_role_and_still_passes(runner, tmp_path):
    directory = brukt_copy(tmp_path, with_role=False)
    result = runner.invoke(args=["questionnaires", "check", "--language", "en", str(directory)])
    assert result.exit_code == 0, result.output
    path = directory / f"{LAVTERSKEL}.v1.yaml"
    line = line_of(path.read_text("utf-8"), "- id: received")
    assert (f"{path}:{line}:9: Warning: questionnaire {LAVTERSKEL} asks for amounts, but no "
            "question has 'role: amount_used'") in result.output


def economy_rows(client) -> dict[str, dict[str, object]]:
    response = client.get(ECONOMY_XLSX)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Økonomi"]
    header = [c.value for c in sheet[1]]
    rows = ({h: c.value for h, c in zip(header, row, strict=True)}
            for row in sheet.iter_rows(min_row=2))
    return {str(r["Kommunenummer"]): r for r in rows if r["Kommunenummer"] != "Sum"}


@pytest.mark.parametrize("with_role", [True, False], ids=["with-role", "without-role"])
def test_the_economy_export_fills_reported_used_from_the_role_not_the_id(
        app, users, make_app, tmp_path, with_role):
    served = make_app(QUESTIONNAIRES_DIR=str(brukt_copy(tmp_path, with_role=with_role)))
    with served.app_context():
        make_round()
    coordinator = served.test_client()
    AuthActions(coordinator).login(users["coordinator"])
    submit(coordinator, economy={"brukt": "1 000 000", "unused_explanation": "Sen start."})
    auditor = served.test_client()
    AuthActions(auditor).login(users["auditor"])
    lillehammer = economy_rows(auditor)["3405"]
    assert lillehammer["Ubrukt"] == 234_567  # role: amount_unused (received - brukt)
    if with_role:
        assert lillehammer["Rapportert brukt"] == 1_000_000
    else:
        assert lillehammer["Rapportert brukt"] is None  # and `check` warned of it
