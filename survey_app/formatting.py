"""Display formats (Norwegian conventions), registered as Jinja filters."""

from __future__ import annotations

from typing import Any

from flask import Flask

NBSP = "\u00a0"


def thousands(value: int) -> str:
    """``1234567`` → ``1 234 567`` with non-breaking spaces, as nb_NO writes numbers."""
    return f"{value:,}".replace(",", NBSP)


def reject_key(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


def init_app(app: Flask) -> None:
    app.add_template_filter(thousands)
    app.add_template_filter(reject_key)
