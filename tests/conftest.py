"""Fixtures: the app on SQLite and on a throwaway PostgreSQL, a client, a CLI runner,
and signed-in users of every role."""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from survey_app import create_app
from survey_app.extensions import db
from survey_app.services import register
from tests.factories import PASSWORD
from tests.pgserver import PostgresServer, find_bindir

IN_CI = os.environ.get("CI") == "true"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def missing(what: str, install: str) -> None:
    """In CI a missing part fails the run; on a laptop the test is skipped with the fix."""
    message = f"{what} is not installed ({install}; `make test` does it as root)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _closed_port() -> int:
    """A loopback port nobody listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Mail the tests did not mean to send is refused at once, never handed to a mail server
# the machine may run on port 25; the mail tests point at their own aiosmtpd server.
NO_SMTP_PORT = _closed_port()


def make_config(database_url: str, **overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": NO_SMTP_PORT,
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production uses scrypt
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    if find_bindir() is None:
        missing("The PostgreSQL server", "apt-get install postgresql")
    server = PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server: PostgresServer) -> str:
    """A database whose schema is made by the migrations, as in production."""
    import flask_migrate

    url = pg_server.create_database("survey_test")
    app = create_app(make_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgresql":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def empty_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty SQLite file, or a new database on the session's throwaway PostgreSQL: for
    tests that migrate it themselves (migrations, load and fault tests)."""
    if backend == "postgresql":
        server = request.getfixturevalue("pg_server")
        return str(server.create_database(f"empty_{secrets.token_hex(6)}"))
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def app(database_url: str, backend: str) -> Iterator[Flask]:
    """The app with an empty schema plus the shipped 2024 register."""
    # No app context is held during the test: each request and CLI call gets its own, as
    # in production (a held one would share ``g`` and the session across requests).
    app = create_app(make_config(database_url))
    with app.app_context():
        if backend == "sqlite":
            db.create_all()
        result = register.import_register(
            register.SHIPPED_REGISTER.read_text("utf-8"), source="test")
        assert not result.errors
    yield app
    with app.app_context():
        if backend == "postgresql":
            _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for a test that reads the database itself (not through the client)."""
    with app.app_context():
        yield


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Another app on the same database with other settings; its engine is closed after."""
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        made.append(create_app(make_config(database_url, **overrides)))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_token_in(page: str) -> str:
    """The CSRF token of a page's first form (for apps made with WTF_CSRF_ENABLED=True)."""
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in_with_csrf(client: FlaskClient, email: str) -> object:
    """Sign in the way a browser does: fetch the form, post it back with its token."""
    token = csrf_token_in(client.get("/logg-inn").get_data(as_text=True))
    return client.post("/logg-inn", data={"email": email, "password": PASSWORD,
                                          "csrf_token": token})


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD) -> object:
        return self._client.post("/logg-inn", data={"email": email, "password": password})

    def logout(self) -> object:
        return self._client.post("/logg-ut")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def users(app: Flask) -> dict[str, str]:
    """E-mail addresses of one account per role and scope; password "correct horse battery"."""
    from tests.factories import make_users

    with app.app_context():
        return {key: user.email for key, user in make_users().items()}


@pytest.fixture
def lavterskel(app: Flask) -> str:
    """The round `lavterskel-psykisk-helse/2022` with grants to 3405 and 0301 (its key)."""
    from tests.factories import make_round

    with app.app_context():
        return make_round().key


T = TypeVar("T")


def at_once(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """Runs the jobs in threads released together (two servers running a cron job at the
    same moment); returns their results, or raises the first error a thread met."""
    start = threading.Barrier(len(jobs))
    results: list[T] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], T]) -> None:
        try:
            start.wait(timeout=30)
            results.append(job())
        except BaseException as error:  # raised below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    assert len(results) == len(jobs), "a job did not finish in 120 s"
    return results
