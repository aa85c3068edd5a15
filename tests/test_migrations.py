"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from survey_app import create_app
from survey_app.extensions import db
from tests.conftest import make_config


def drift(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def test_upgrade_on_a_fresh_sqlite_database_matches_the_models(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'fresh.db'}"))
    with app.app_context():
        flask_migrate.upgrade()
    assert drift(app) == []
    with app.app_context():
        flask_migrate.downgrade(revision="base")
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.mark.postgres
def test_the_postgresql_test_schema_came_from_the_migrations_and_matches(pg_url):
    app = create_app(make_config(pg_url))
    try:
        assert drift(app) == []
    finally:
        with app.app_context():
            db.engine.dispose()
