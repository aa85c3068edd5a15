"""A fresh, empty database per load test: the harness migrates and seeds it itself."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest


@pytest.fixture
def empty_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty SQLite file, or a new database on the session's throwaway PostgreSQL."""
    if backend == "postgresql":
        server = request.getfixturevalue("pg_server")
        return str(server.create_database(f"load_{secrets.token_hex(6)}"))
    return f"sqlite:///{tmp_path / 'load.db'}"
