"""Error pages in the user's language; a CSRF failure is explained, not a bare 400."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from survey_app.extensions import db


@event.listens_for(Session, "after_commit")
def _note_commit(_session: Any) -> None:
    # The 500 page must say whether anything of the failed request was kept: only a commit
    # before the error keeps anything, the rollback below drops the rest.
    if has_request_context():
        g.committed = True


def server_error_message() -> str:
    """What the 500 page says was kept of the request that failed."""
    if g.get("committed"):
        return _("Part of what you sent may have been saved before the error. Open the page "
                 "again and check it before you send anything again.")
    return _("Nothing of what you sent was saved. Go back and try again in a moment.")


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "errors/error.html", code=400, title=_("The form had expired"),
            message=_("For your security the form expires. Go back, reload the page and "
                      "send it again.")), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        titles = {
            404: _("Page not found"),
            405: _("Not allowed"),
            413: _("What you sent is too large"),
            429: _("Too many attempts"),
        }
        messages = {
            404: _("Check the address, or go back to the start page."),
            413: _("The page you sent was larger, or had more fields, than the service "
                   "accepts. Nothing of it was saved. Go back, shorten the longest answers "
                   "and send it again."),
        }
        code = error.code or 500
        return render_template(
            "errors/error.html", code=code, title=titles.get(code, _("Something went wrong")),
            message=messages.get(code, "")), code

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render_template(
            "errors/error.html", code=500, title=_("Something went wrong"),
            message=server_error_message()), 500
