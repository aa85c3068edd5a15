"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa
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


def test_the_outbox_queue_migration_keeps_what_each_mail_was_both_ways(empty_database):
    """`delivered` became `state`: sent mail stays sent, stored mail stays stored, and the
    downgrade gives the yes/no back."""
    app = create_app(make_config(empty_database))
    try:
        with app.app_context():
            flask_migrate.upgrade(revision="ee4f05055a04")
            db.session.execute(sa.text(
                "INSERT INTO outbox (created_at, \"to\", subject, body, kind, delivered) VALUES "
                "('2023-03-01 09:00:00', 'a@x.no', 'S', 'B', 'receipt', :yes), "
                "('2023-03-01 09:00:00', 'b@x.no', 'S', 'B', 'invitation', :no)"),
                {"yes": True, "no": False})
            db.session.commit()
            flask_migrate.upgrade()
            rows = db.session.execute(sa.text(
                "SELECT \"to\", state, attempts, sent_at IS NOT NULL FROM outbox ORDER BY 1")).all()
            assert [tuple(r) for r in rows] == [("a@x.no", "sent", 1, True),
                                                ("b@x.no", "stored", 0, False)]
            db.session.commit()  # PostgreSQL: the read's lock would block the ALTER TABLE
            flask_migrate.downgrade(revision="ee4f05055a04")
            rows = db.session.execute(sa.text(
                "SELECT \"to\", delivered FROM outbox ORDER BY 1")).all()
            assert [(to, bool(d)) for to, d in rows] == [("a@x.no", True), ("b@x.no", False)]
    finally:
        with app.app_context():
            db.engine.dispose()


def test_the_audit_log_and_the_page_saves_are_append_only_in_the_database(empty_database):
    app = create_app(make_config(empty_database))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.execute(sa.text(
            "INSERT INTO audit_events (actor, action, object_type, object_id, at) "
            "VALUES ('system', 'test.event', 'test', '1', CURRENT_TIMESTAMP)"))
        db.session.commit()
        for change in ("UPDATE audit_events SET action = 'forged'",
                       "DELETE FROM audit_events"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                db.session.execute(sa.text(change))
            db.session.rollback()
        assert db.session.scalar(sa.text("SELECT action FROM audit_events")) == "test.event"
        db.session.remove()
        db.engine.dispose()


def test_the_explicit_scope_migration_keeps_national_access_both_ways(empty_database):
    """A reviewer or auditor without an office had national scope; after the upgrade an
    empty office means none, so they are given `national` outright. Office reviewers and
    other roles are left as they were; the downgrade gives the empty office back."""
    app = create_app(make_config(empty_database))
    try:
        with app.app_context():
            flask_migrate.upgrade(revision="c7a1e5d0a005")
            db.session.execute(sa.text(
                "INSERT INTO users (email, name, role, office, active, created_at) VALUES "
                "('a@x.no', '', 'reviewer', NULL, :yes, '2026-01-01 09:00:00'), "
                "('b@x.no', '', 'auditor', NULL, :yes, '2026-01-01 09:00:00'), "
                "('c@x.no', '', 'reviewer', 'innlandet', :yes, '2026-01-01 09:00:00'), "
                "('d@x.no', '', 'admin', NULL, :yes, '2026-01-01 09:00:00'), "
                "('e@x.no', '', 'coordinator', NULL, :yes, '2026-01-01 09:00:00')"),
                {"yes": True})
            db.session.commit()

            def offices() -> list[tuple[str, str | None]]:
                rows = db.session.execute(sa.text(
                    "SELECT email, office FROM users ORDER BY email")).all()
                db.session.commit()  # PostgreSQL: the read's lock would block the migration
                return [tuple(r) for r in rows]

            flask_migrate.upgrade(revision="c7a1e5d0a006")
            assert offices() == [("a@x.no", "national"), ("b@x.no", "national"),
                                 ("c@x.no", "innlandet"), ("d@x.no", None), ("e@x.no", None)]
            flask_migrate.downgrade(revision="c7a1e5d0a005")
            assert offices() == [("a@x.no", None), ("b@x.no", None), ("c@x.no", "innlandet"),
                                 ("d@x.no", None), ("e@x.no", None)]
    finally:
        with app.app_context():
            db.engine.dispose()
