"""`questionnaires check`, and the service refusing to start with a broken questionnaire."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from survey_app import create_app
from survey_app.config import ConfigError
from survey_app.questionnaires import DEFAULT_DIRECTORY
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parent.parent
SHOWCASE = DEFAULT_DIRECTORY / "lavterskel-psykisk-helse.v1.yaml"


def broken_copy(tmp_path: Path) -> tuple[Path, int]:
    """The showcase questionnaire with one unknown type; returns the file and its line."""
    text = SHOWCASE.read_text("utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1)
                if "type: multiple_choice" in row)
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    path = folder / SHOWCASE.name
    path.write_text(text.replace("type: multiple_choice", "type: multi_choice", 1), "utf-8")
    return path, line


def test_every_shipped_questionnaire_passes_check(runner):
    result = runner.invoke(args=["questionnaires", "check", "--language", "en"])
    assert result.exit_code == 0, result.output
    shipped = len(list(DEFAULT_DIRECTORY.glob("*.yaml")))
    assert f"{shipped} file(s) checked: {shipped} questionnaire(s)" in result.output
    assert "no problems" in result.output


def test_check_names_file_line_and_column_and_fails(runner, tmp_path):
    path, line = broken_copy(tmp_path)
    result = runner.invoke(args=["questionnaires", "check", str(path)])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert re.fullmatch(rf"{re.escape(str(path))}:{line}:\d+: Ukjent spørsmålstype "
                        r"«multi_choice»\. .*", first)
    nynorsk = runner.invoke(args=["questionnaires", "check", "--language", "nn", str(path)])
    assert "Ukjend spørsmålstype" in nynorsk.output


def test_the_app_refuses_to_start_and_names_the_broken_file(tmp_path):
    path, _ = broken_copy(tmp_path)
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        create_app(make_config("sqlite://", QUESTIONNAIRES_DIR=str(path.parent)))


def test_gunicorns_app_module_exits_naming_the_file(tmp_path):
    path, _ = broken_copy(tmp_path)
    env = {**os.environ, "APP_ENV": "development", "INSTANCE_PATH": str(tmp_path),
           "QUESTIONNAIRES_DIR": str(path.parent), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 4
    assert f"invalid questionnaire file(s): {path}" in result.stderr


def test_the_cli_still_loads_with_a_broken_file_so_it_can_be_checked(tmp_path):
    path, _ = broken_copy(tmp_path)
    shutil.copy(DEFAULT_DIRECTORY / "README.md", path.parent / "README.md")
    env = {**os.environ, "APP_ENV": "development", "INSTANCE_PATH": str(tmp_path),
           "QUESTIONNAIRES_DIR": str(path.parent)}
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "wsgi", "questionnaires", "check"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Warning: invalid questionnaire file(s)" in result.stderr
    assert f"{path}:" in result.stdout


BROKEN_RULES = """scheme: lavterskel-psykisk-helse
rules:
  - id: unused-funds
    title: {nb: Ubrukte midler, nn: Ubrukte midlar}
    evaluated: on_submit
    condition: "grant.amount - used_amont > 0"
    amount: "used_for_mapping"
    severity: huge
    explanation: {nb: Forklaring, nn: Forklaring}
    reclaims: unused
  - id: unused-funds
    title: {nb: To ganger, nn: To gonger}
    evaluated: whenever
    condition: "true"
    amount: "0"
    severity: review
    explanation: {nb: Forklaring, nn: Forklaring}
    reclaims: everything
"""


def rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_DIRECTORY, folder)
    (folder / "rules" / "lavterskel-psykisk-helse.yaml").write_text(BROKEN_RULES, "utf-8")
    return folder


def test_a_broken_rules_file_gets_every_problem_at_its_line_and_column(runner, tmp_path):
    folder = rules_copy(tmp_path)
    result = runner.invoke(args=["questionnaires", "check", str(folder)])
    assert result.exit_code == 1
    path = folder / "rules" / "lavterskel-psykisk-helse.yaml"
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    # the column points into the expression: at the unknown name, 16 characters in
    assert lines == [
        f"{path}:6:32: Ukjent navn «used_amont»: det er ikke et spørsmål før dette eller et "
        "kjent felt som grant.amount. Mente du used_amount, transferred_amount?",
        f"{path}:7:14: Uttrykket må gi et tall, men gir sann/usann (true/false).",
        f"{path}:8:15: «huge» kan ikke brukes som severity. Tillatt: repayment, review, "
        "clarification.",
        f"{path}:13:16: «whenever» kan ikke brukes som evaluated. Tillatt: on_submit, "
        "after_deadline.",
        f"{path}:18:15: «everything» kan ikke brukes som reclaims. Tillatt: whole, unused, "
        "moved, misused, position-cut, none.",
    ], result.output


def test_the_service_will_not_start_with_a_broken_rules_file(tmp_path):
    folder = rules_copy(tmp_path)
    with pytest.raises(ConfigError, match=r"rules/lavterskel-psykisk-helse\.yaml"):
        create_app(make_config("sqlite://", QUESTIONNAIRES_DIR=str(folder)))
