"""Designsystemet as the visual layer (issue 14): the vendored CSS is linked from every
page in its order, exists, is served as CSS by the app itself (no Node at run time), and
its NOTICE names the version design/package.json pins."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "survey_app" / "static"
VENDOR = STATIC / "vendor" / "designsystemet"
PACKAGE = "@digdir/designsystemet-css"
# The order matters: tokens, components, the Directorate's token overrides, our own CSS.
STYLESHEETS = ["vendor/designsystemet/theme.css", "vendor/designsystemet/index.css",
               "css/helsedir.css", "css/app.css"]


def linked_stylesheets(page: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="/static/([^"?]+)', page)


def test_every_page_links_the_vendored_css_in_order_and_the_app_serves_it(client):
    page = client.get("/logg-inn").get_data(as_text=True)
    assert linked_stylesheets(page) == STYLESHEETS
    assert re.search(r'<html [^>]*data-color-scheme="light"', page)
    for name in STYLESHEETS:
        assert (STATIC / name).is_file(), name
        with client.get(f"/static/{name}") as response:
            assert response.status_code == 200, name
            assert response.mimetype == "text/css", name
            assert response.get_data() == (STATIC / name).read_bytes(), name


def test_the_vendored_files_are_designsystemets_with_licence_and_notice():
    assert ".ds-button" in (VENDOR / "index.css").read_text("utf-8")
    assert "--ds-color-accent-base-default" in (VENDOR / "theme.css").read_text("utf-8")
    assert "Permission is hereby granted, free of charge" in (VENDOR / "LICENSE").read_text("utf-8")
    # The Directorate's accent overrides the system's default one.
    assert "--ds-color-accent-base-default: #025169" in (
        STATIC / "css" / "helsedir.css").read_text("utf-8")


def test_the_notice_names_the_pinned_and_locked_version():
    pinned = json.loads((ROOT / "design" / "package.json").read_text("utf-8"))
    version = pinned["dependencies"][PACKAGE]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "pin an exact version"
    lock = json.loads((ROOT / "design" / "package-lock.json").read_text("utf-8"))
    assert lock["packages"][f"node_modules/{PACKAGE}"]["version"] == version
    notice = (VENDOR / "NOTICE.md").read_text("utf-8")
    assert f"`{PACKAGE}`" in notice
    assert re.findall(r"^- Version: (\S+)$", notice, re.M) == [version]
