"""Error pages in the user's language; a CSRF failure is explained, not a bare 400."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from survey_app.extensions import db


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
            429: _("Too many attempts"),
        }
        code = error.code or 500
        return render_template(
            "errors/error.html", code=code, title=titles.get(code, _("Something went wrong")),
            message=_("Check the address, or go back to the start page.") if code == 404
            else ""), code

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render_template(
            "errors/error.html", code=500, title=_("Something went wrong"),
            message=_("Nothing you sent was lost on our side. Try again in a moment.")), 500
