"""Language: bokmål by default, nynorsk and English on request (språklova § 14)."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}


def N_(msgid: str) -> str:
    """Marks a msgid for extraction (`pybabel -k N_`) without translating it here."""
    return msgid


# The fixed interface strings of base.html, nav.html and preview/section.html, by msgid.
# The catalogues stay the one source: `ui_texts` only looks them up once per language.
UI_STRINGS = (
    # base.html, nav.html
    N_("Grant reporting"), N_("Skip to main content"), N_("Language"), N_("Main menu"),
    N_("Sign out"),
    N_("A service from the Norwegian Directorate of Health and the county governors."),
    N_("Accessibility statement"), N_("My reports"), N_("Review"), N_("Audit"),
    N_("Administration"), N_("Users"),
    N_("Municipality register"), N_("Questionnaires"), N_("Audit log"),
    # preview/section.html
    N_("Preview"), N_("All questionnaires"),
    N_("Preview with a demo municipality: nothing you enter here is stored."),
    N_("Page %(number)d of %(total)d"), N_("There is a problem"),
    N_("The answers on this page are valid"),
    N_("This is what would be stored. Nothing has been saved."),
    N_("This page is shown only when:"), N_("not the case for the demo municipality"),
    N_("Check the answers"), N_("Pages in the questionnaire"), N_("Pages"), N_("this page"),
    N_("Previous page"), N_("Next page"),
)


@functools.lru_cache(maxsize=8)
def ui_texts(language: str) -> dict[str, Markup]:
    """`UI_STRINGS` translated once per language, as Markup like Jinja's `_()` gives them
    (translator-controlled text, never user input). A string with placeholders stays a
    format string: `ui["Page %(number)d of %(total)d"] % {...}` escapes the values."""
    with force_locale(language):
        # Markup as Jinja's newstyle `_()` makes it: the catalogue's text, not user input.
        return {msgid: Markup(gettext(msgid)) for msgid in UI_STRINGS}  # noqa: S704


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _opens_with_get(path: str) -> bool:
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path, method="GET")
    except HTTPException:  # MethodNotAllowed (a form's post address), NotFound, a redirect
        return False
    return True


def language_next() -> str:
    """Where the language switch returns to: this page. A page shown in answer to a post
    whose address only takes posts (a form with an error) returns to the page the form was
    on, never to an address that answers 405."""
    here = request.full_path if request.query_string else request.path
    if request.method in ("GET", "HEAD") or _opens_with_get(request.path):
        return here
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path and _opens_with_get(referrer.path):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("main.home")


def init_app(app: Flask) -> None:
    @app.context_processor
    def language_context() -> dict[str, object]:
        language = str(get_locale())
        return {"current_language": language, "language_names": LANGUAGE_NAMES,
                "ui": ui_texts(language), "language_next": language_next}
