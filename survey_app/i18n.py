"""Language: bokmål by default, nynorsk and English on request (språklova § 14)."""

from __future__ import annotations

from flask import Flask, current_app, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    @app.context_processor
    def language_context() -> dict[str, object]:
        return {"current_language": str(get_locale()), "language_names": LANGUAGE_NAMES}
