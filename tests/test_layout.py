"""The layout shows the architecture: forms/ stands alone; exports/ knows no web or database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(("package", "forbidden"), [
    ("forms", {"survey_app"}),
    ("exports", {"survey_app", "flask", "flask_sqlalchemy", "sqlalchemy"}),
])
def test_package_does_not_import(package, forbidden):
    assert imported_modules(package) & forbidden == set()
