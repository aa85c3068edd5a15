"""The web service: application factory and the register_* steps it is made of."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from survey_app import config as settings
from survey_app import questionnaires, security
from survey_app.extensions import babel, csrf, db, login_manager, migrate
from survey_app.services import letter_config

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # INSTANCE_PATH: where instance/config.py, the SQLite file and uploaded files live.
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get("INSTANCE_PATH") or None)
    app.config.update(settings.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(settings.from_environment(os.environ))
    else:
        app.config.update(test_config)
    settings.finalise(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    questionnaires.init_app(app)
    register_extensions(app)
    letter_config.init_app(app)  # the letters' legal texts and payment details
    security.install_converters(app)  # before the blueprints add their rules
    register_blueprints(app)
    register_hooks(app)
    register_commands(app)
    if app.config["APP_ENV"] == "production":
        compile_templates(app)
    return app


def compile_templates(app: Flask) -> None:
    """Compile every template once, before the first request (production only: a test
    app would pay it for templates it never renders).

    Jinja compiles a template at its first use and caches it, but with no lock: under
    gunicorn's threads each worker's first requests compiled the same templates on every
    thread at once (the big questionnaire macro file 16 times for 4 workers × 4 threads),
    seconds of CPU at the busiest moment; measured on deadline day (docs/benchmarks.md).
    """
    for name in app.jinja_env.list_templates(extensions=("html", "txt")):
        app.jinja_env.get_template(name)


def register_extensions(app: Flask) -> None:
    from survey_app import i18n, sessions

    db.init_app(app)
    sessions.init_app(app)  # server-side sessions in the database (Flask-Session)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page says it itself
    login_manager.session_protection = "basic"

    # Every signed-in request: the user, its municipalities and this session's sign-in
    # record in one query; an ended session or a deactivated account signs nobody in.
    login_manager.user_loader(sessions.signed_in_user)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite: enforce foreign keys, let readers and a writer work side by side (WAL).
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    from survey_app.admin.views import bp as admin_bp
    from survey_app.auth import oidc
    from survey_app.auth.password_views import bp as passwords_bp
    from survey_app.auth.totp_views import bp as totp_bp
    from survey_app.auth.views import bp as auth_bp
    from survey_app.authoring.views import bp as authoring_bp
    from survey_app.downloads.views import bp as downloads_bp
    from survey_app.drafts.views import bp as drafts_bp
    from survey_app.main.views import bp as main_bp
    from survey_app.preview.views import bp as preview_bp
    from survey_app.report.views import bp as report_bp
    from survey_app.review.views import bp as review_bp

    for bp in (auth_bp, passwords_bp, oidc.bp, main_bp, admin_bp, preview_bp, report_bp, review_bp,
               downloads_bp, drafts_bp, totp_bp, authoring_bp):
        app.register_blueprint(bp)
    # The Excel economy report and the files uploaded into a report (issue 16, item 4).
    from survey_app.report.files import bp as report_files_bp
    from survey_app.report.workbook import bp as report_workbook_bp

    app.register_blueprint(report_workbook_bp)
    app.register_blueprint(report_files_bp)
    # Applications for next year's grant, in the report or alone (issue 16, item 2).
    from survey_app.applications.views import bp as applications_bp

    app.register_blueprint(applications_bp)
    oidc.init_app(app)


def register_hooks(app: Flask) -> None:
    from survey_app import errors, formatting, i18n, limits, security
    from survey_app.auth.signin import expire_idle_sign_in
    from survey_app.report import resume

    limits.init_app(app)
    security.init_app(app)
    app.before_request(expire_idle_sign_in)
    resume.init_app()
    formatting.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from survey_app import cli

    cli.init_app(app)
