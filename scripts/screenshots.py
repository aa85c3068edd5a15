"""A screenshot of every page type, in bokmål and nynorsk at 375 px (and bokmål at 1 280 px),
so that a person can look at them all: `make screenshots` (or `python scripts/screenshots.py
[OUT]`). It seeds a throwaway demo instance, serves it on loopback and drives Debian's
Chromium with Playwright; it writes `OUT/index.html` listing every image with its address.

It also prints every page that scrolls sideways (WCAG 1.4.10), which the browser tests
assert too; this script only looks.
"""

from __future__ import annotations

import datetime as dt
import html
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from waitress.server import create_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app import create_app  # noqa: E402
from survey_app.extensions import db  # noqa: E402
from survey_app.services import demo  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LAVTERSKEL = "lavterskel-psykisk-helse/2022"
OPEN_ROUND = f"langvarige-sammensatte-voksne/{dt.date.today().year - 1}"

# (a file name, the role that opens it, the path)
PAGES = [
    ("sign-in", None, "/logg-inn"),
    ("accessibility", None, "/tilgjengelighet"),
    ("my-reports", "coordinator", "/mine-rapporter"),
    ("report-overview", "coordinator", f"/rapporter/{OPEN_ROUND}/1577"),
    ("report-page", "coordinator", f"/rapporter/{OPEN_ROUND}/1577/side/measures"),
    ("report-summary", "coordinator", f"/rapporter/{OPEN_ROUND}/1577/oppsummering"),
    ("report-submitted", "coordinator", f"/rapporter/{LAVTERSKEL}/1577"),
    ("receipt", "coordinator", f"/rapporter/{LAVTERSKEL}/1577/kvittering/1"),
    ("review-home", "reviewer", "/gjennomgang"),
    ("review-rounds", "reviewer", "/gjennomgang/runder"),
    ("review-round", "reviewer", f"/gjennomgang/runder/{LAVTERSKEL}"),
    ("flags", "reviewer", f"/gjennomgang/runder/{LAVTERSKEL}/flagg"),
    ("case", "reviewer", f"/gjennomgang/runder/{LAVTERSKEL}/1101"),
    ("dashboard", "reviewer", f"/gjennomgang/runder/{LAVTERSKEL}/dashbord"),
    ("preview", "reviewer", "/skjema"),
    ("register", "reviewer", "/register"),
    ("exports", "reviewer", "/eksport"),
    ("audit-home", "auditor", "/revisjon"),
    ("audit-log", "auditor", "/logg"),
    ("admin-home", "admin", "/admin"),
    ("admin-users", "admin", "/admin/brukere"),
    ("admin-rounds", "admin", "/admin/runder"),
    ("outbox", "admin", "/admin/utboks"),
    ("workspace", "author", "/skjema/arbeidsrom"),
    # Draft 1 is the demo seed's example; 2 and 3 are made below (`_drafts`).
    ("author-draft", "author", "/skjema/arbeidsrom/2?kontroller=1"),
    ("author-draft-problems", "author", "/skjema/arbeidsrom/3?kontroller=1"),
    ("author-preview", "author", "/skjema/arbeidsrom/2/forhandsvis/economy?sprak=nn"),
    ("author-publish", "author", "/skjema/arbeidsrom/2/publiser"),
]
SIZES = [("nb", 375), ("nn", 375), ("nb", 1280)]


def demo_app(directory: Path):  # type: ignore[no-untyped-def]
    app = create_app({"APP_ENV": "development", "SECRET_KEY": "screenshots",
                      "DATABASE_URL": f"sqlite:///{directory}/screenshots.db",
                      "SMTP_HOST": "127.0.0.1", "SMTP_PORT": 9, "PASSWORD_SIGN_IN": "all",
                      "TOTP_REQUIRED": False})
    with app.app_context():
        db.create_all()
        demo.seed()
        _drafts()
    return app


def _drafts() -> None:
    """Two drafts in the authors' workspace: the shipped lavterskel scheme as a new scheme
    (no problems), and the same with its first nynorsk text missing (a problem shown)."""
    from survey_app.models import AuthorDraft
    from tests.factories import shipped_texts

    texts = {part: text.replace("lavterskel-psykisk-helse", "ny-psykisk-helse")
             for part, text in shipped_texts("lavterskel-psykisk-helse").items()}
    broken = texts["questionnaire"].replace("\n  nn: Rapportering på tilskot", "\n  #", 1)
    for title, questionnaire in (("Ny ordning", texts["questionnaire"]),
                                 ("Ny ordning med feil", broken)):
        db.session.add(AuthorDraft(
            title=title, questionnaire_text=questionnaire, scheme_text=texts["scheme"],
            rules_text=texts["rules"], created_by="skjema@demo.helsedir.no",
            updated_by="skjema@demo.helsedir.no"))
    db.session.commit()


def sign_in(page: Page, base: str, role: str) -> None:
    user = next(u for u in demo.DEMO_USERS if u.role == role)
    page.goto(f"{base}/logg-inn")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", user.password)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")


def choose_language(page: Page, base: str, language: str) -> None:
    page.goto(f"{base}/tilgjengelighet")
    with page.expect_navigation():
        page.click(f"form[action$='/sprak/{language}'] button")


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rows: list[str] = []
    sideways: list[str] = []
    with tempfile.TemporaryDirectory() as directory:
        app = demo_app(Path(directory))
        server = create_server(app, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://localhost:{server.effective_port}"  # type: ignore[union-attr]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            for language, width in SIZES:
                contexts = {}
                for name, role, path in PAGES:
                    if role not in contexts:
                        context = browser.new_context(viewport={"width": width, "height": 812},
                                                      locale="nb-NO")
                        page = context.new_page()
                        if role:
                            sign_in(page, base, role)
                        choose_language(page, base, language)
                        contexts[role] = page
                    page = contexts[role]
                    answer = page.goto(base + path)
                    status = answer.status if answer else 0
                    file = f"{name}-{language}-{width}.png"
                    page.screenshot(path=str(out / file), full_page=True)
                    over = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                    if over > 0:
                        sideways.append(f"{path} ({language}, {width} px): {over} px too wide")
                    rows.append(f"<figure><figcaption>{html.escape(path)} — {role or 'anonym'}"
                                f", {language}, {width} px, HTTP {status}</figcaption>"
                                f'<img src="{file}" alt="" width="{min(width, 640)}"></figure>')
                for page in contexts.values():
                    page.context.close()
            browser.close()
        server.close()
    (out / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>Skjermbilder</title>"
        "<style>figure{display:inline-block;vertical-align:top;margin:1em}</style>"
        + "".join(rows), encoding="utf-8")
    print(f"{len(rows)} screenshots in {out}/index.html")
    for line in sideways:
        print("scrolls sideways:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots"))
