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
    result = runner.invoke(args=["questionnaires", "check"])
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
