"""HTTP hardening: security headers, unreadable input refused at the door, one address per
number in URLs, safe redirects and the sign-in rate limit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, ValidationError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'{providers}; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def content_security_policy(config: Mapping[str, Any]) -> str:
    """The pages' CSP. Forms post to this site only, except that signing out of a session
    from an OpenID Connect provider redirects to that provider's end-session endpoint,
    which a browser checks against form-action too."""
    origins = sorted({f"{urlsplit(p['issuer']).scheme}://{urlsplit(p['issuer']).netloc}"
                      for p in (config.get("OIDC_PROVIDERS") or {}).values()
                      if p.get("issuer")})
    return CSP.format(providers="".join(f" {origin}" for origin in origins))


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = current_app.config["CONTENT_SECURITY_POLICY"]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["APP_ENV"] == "production":
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if response.mimetype == "text/html" or (request.endpoint != "static"
                                            and current_user.is_authenticated):
        # Pages, PDFs, spreadsheets and JSON for a signed-in user may hold answers about a
        # municipality: kept out of every cache, the browser's too.
        response.headers["Cache-Control"] = "no-store"
    return response


# C0 controls, DEL and C1 controls. Nobody types them; NUL cannot be stored in PostgreSQL
# text at all, and the others end up in exports and letters that cannot hold them.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# In form bodies only NUL is refused (it cannot be stored in PostgreSQL). Other controls
# arrive in pasted text (Word's manual line break is a vertical tab): refusing the page
# would send its answers back for one invisible character, so they are kept as typed;
# the exports remove what a spreadsheet cannot hold and say how many (exports.safety).
FORM_CONTROL = re.compile(r"\x00")
# The largest value of PostgreSQL's `integer`, the type of every id and year in the schema.
MAX_DB_INT = 2**31 - 1


class AddressNumber(IntegerConverter):
    """``<int:...>`` in every URL rule: ASCII digits without leading zeros, within the
    database's integer range. Werkzeug's own converter matches any Unicode digit (so
    `/…/٢٠٢٢/…` was a second address of 2022) and any size (an id beyond 64 bits reached
    the database and failed there); here both are simply not an address: 404."""

    regex = r"0|[1-9][0-9]*"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_DB_INT:
            raise ValidationError()
        return number


def _pairs_readable(raw: bytes, control: re.Pattern[str]) -> bool:
    """Whether every name and value of a ``a=b&c=d`` string is UTF-8 without ``control``
    characters once percent-decoded (split as Werkzeug splits it, on ``&``)."""
    for pair in raw.split(b"&"):
        try:
            text = unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return False
        if control.search(text):
            return False
    return True


def _path_readable() -> bool:
    # PATH_INFO is the decoded path's bytes as latin-1 (PEP 3333); Werkzeug itself would
    # replace bytes that are not UTF-8 with U+FFFD and carry on.
    try:
        path = request.environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
    except UnicodeError:
        return False
    return not CONTROL.search(path)


def _body_readable() -> bool:
    if request.mimetype == "application/x-www-form-urlencoded":
        # Cached, so the form is parsed from these same bytes afterwards.
        return _pairs_readable(request.get_data(cache=True), FORM_CONTROL)
    if request.mimetype == "multipart/form-data":
        # Werkzeug has decoded the parts already (bytes that are not UTF-8 became U+FFFD,
        # which is harmless); what is left to refuse is control characters.
        return not any(FORM_CONTROL.search(text) for key, value in request.form.items(multi=True)
                       for text in (key, value))
    return True


def input_readable() -> bool:
    """Whether the request's path, query and form are text this service can store: UTF-8,
    with no control characters (tab, LF and CR are allowed in a form's values)."""
    return (_path_readable() and _pairs_readable(request.query_string, CONTROL)
            and _body_readable())


def _refuse_unreadable() -> tuple[str, int] | None:
    if input_readable():
        return None
    return render_template(
        "errors/error.html", code=400, title=_("The address or form could not be read"),
        message=_("It contained control characters (such as a null character) or bytes that "
                  "are not text. Nothing was saved. Go back, remove them and try again.")), 400


def install_converters(app: Flask) -> None:
    """Before the blueprints: a rule takes its converter when it is added."""
    app.url_map.converters["int"] = AddressNumber


def init_app(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # The client's address and scheme as the last `proxies` proxies report them (the
        # sign-in throttle counts per address); with none, a forwarded-for header is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app,  # type: ignore[method-assign]
                                x_for=proxies, x_proto=proxies)
    # First of all hooks, so the CSRF check and the views read only checked input.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unreadable)
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app.config)
    app.after_request(_headers)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or CONTROL.search(target)):  # CR/LF would split the Location header
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
