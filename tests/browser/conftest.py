"""A live server with the demo data, one chromium per session, a fresh context per test,
screenshots of failures and an axe-core scan of WCAG 2.1 A/AA.

Playwright's own browser download is not used: Debian's chromium is launched directly.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from waitress.server import create_server

from survey_app import create_app
from survey_app.extensions import db
from survey_app.services import demo
from tests.conftest import make_config, missing

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_SCRIPT = (resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")
AXE_RUN = (
    "() => axe.run(document, {runOnly: {type: 'tag', values: " + json.dumps(WCAG_TAGS) + "},"
    " resultTypes: ['violations']}).then(results => results.violations)"
)


# --- marking and screenshots ---------------------------------------------------------------

def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A session-wide hook: it sees every item, so mark only those in this folder.
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _failed(node: pytest.Item) -> bool:
    return any(getattr(getattr(node, f"rep_{when}", None), "failed", False)
               for when in ("setup", "call"))


def _artifact_name(node: pytest.Item) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node.name).strip("_")


# --- the live server -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on a fresh SQLite file with the register and the five demo users.

    CSRF is on, unlike the other tests: a real browser posts the tokens.
    """
    tmpdir = tmp_path_factory.mktemp("browser")
    app = create_app(make_config(f"sqlite:///{tmpdir}/browser.db", WTF_CSRF_ENABLED=True))
    with app.app_context():
        db.create_all()
        demo.seed()
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def serving(app: Flask, port: int = 0, threads: int = 8) -> Iterator[str]:
    """The app behind waitress on loopback (its address), stopped after.

    waitress is a production WSGI server that closes each response (running its
    call_on_close work: the receipt mail, the flags after a submit) once it is written,
    as gunicorn does. Werkzeug's development server closes it only after draining the
    socket, and skips the close when the browser resets the connection meanwhile."""
    server = create_server(app, host="127.0.0.1", port=port, threads=threads,
                           clear_untrusted_proxy_headers=True)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown()

        def close_all() -> None:  # in the server's own thread: its loop then ends
            for channel in list(server._map.values()):
                channel.close()

        server.trigger.pull_trigger(close_all)
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as address:
        yield address


# --- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        missing("chromium", "apt-get install chromium")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser: Browser, live_server: str,
             request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """Pages in fresh contexts (bokmål locale, the live server as base URL); every page the
    test opened is photographed if it fails, then every context is closed."""
    opened: list[Page] = []

    def make(**context_options: Any) -> Page:
        options: dict[str, Any] = {"locale": "nb-NO", "base_url": live_server}
        options.update(context_options)
        page = browser.new_context(**options).new_page()
        opened.append(page)
        return page

    yield make
    if _failed(request.node):
        ARTIFACTS.mkdir(exist_ok=True)
        name = _artifact_name(request.node)
        for number, page in enumerate(opened, start=1):
            suffix = "" if number == 1 else f"-{number}"
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
            except Exception as error:  # a crashed page must not hide the real failure
                print(f"no screenshot of {page.url}: {error}")
    for page in opened:
        page.context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


# --- axe-core --------------------------------------------------------------------------------

def run_axe(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe-core finds on the page as it is now.

    page.evaluate runs through the DevTools protocol, which the page's CSP
    (script-src 'self') does not govern, so no bypass_csp is needed.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate(AXE_RUN)


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
                     f"\n    {violation.get('helpUrl', '')}")
        for node in violation["nodes"]:
            lines.append(f"    target {node['target']}: {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_no_violations(page: Page) -> None:
    """axe-core finds nothing, and the page reflows (WCAG 1.4.10, which axe does not test)."""
    violations = run_axe(page)
    assert not violations, (
        f"{len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:\n"
        + describe_violations(violations))
    assert_reflows(page)


# --- reflow (WCAG 1.4.10) ----------------------------------------------------------------------

# 320 CSS px is the width 1.4.10 names (1 280 px at 400 % zoom); 1 280 px a desktop window.
REFLOW_WIDTHS = (320, 1280)
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"
# The outermost elements that stick out on the right, to say what to fix.
WIDE_ELEMENTS = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !(e.parentElement && e.parentElement.getBoundingClientRect().right
                    > window.innerWidth + 1))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                   + ' ' + Math.round(e.getBoundingClientRect().width) + 'px')"""


def assert_reflows(page: Page) -> None:
    """No sideways scroll of the page at 320 and 1 280 CSS px (a table may scroll inside
    its own box); the viewport is given back as it was."""
    original = page.viewport_size or {"width": 1280, "height": 900}
    try:
        for width in REFLOW_WIDTHS:
            page.set_viewport_size({"width": width, "height": original["height"]})
            over = page.evaluate(SIDEWAYS)
            assert over <= 0, (f"{page.url} scrolls sideways by {over} px at {width} px: "
                               f"{page.evaluate(WIDE_ELEMENTS)}")
    finally:
        page.set_viewport_size(original)


@pytest.fixture
def axe() -> Callable[[Page], list[dict[str, Any]]]:
    return run_axe


@pytest.fixture
def assert_accessible() -> Callable[[Page], None]:
    return assert_no_violations
