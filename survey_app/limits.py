"""Limits on what one request may carry: too large or too many fields is a 413 page.

Flask refuses a body over MAX_CONTENT_LENGTH and multipart posts over MAX_FORM_PARTS
parts or MAX_FORM_MEMORY_SIZE per field; an urlencoded post has no field count in
Werkzeug, so MAX_FORM_FIELDS is checked here, before any view sees the post.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _check_form_size() -> None:
    if request.method not in ("POST", "PUT", "PATCH") or request.mimetype not in FORM_TYPES:
        return
    fields = sum(len(values) for _, values in request.form.lists())
    if fields > current_app.config["MAX_FORM_FIELDS"]:
        abort(413)


def init_app(app: Flask) -> None:
    app.before_request(_check_form_size)
