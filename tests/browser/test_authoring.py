"""The questionnaire workspace in a real browser (issue 15), as an author uses it: upload a
new scheme's three files, see a problem beside its line, fix it in the text area, preview a
page in nynorsk, publish; axe and reflow on every page of the way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from survey_app.services.demo import DEMO_USERS
from tests.browser.test_pages import sign_in
from tests.factories import shipped_texts

AUTHOR = next(user for user in DEMO_USERS if user.role == "author")
NEW = "nettleser-psykisk-helse"


def test_an_author_uploads_checks_previews_and_publishes_a_new_scheme(
        page: Page, tmp_path: Path, assert_accessible: Callable[[Page], None]):
    texts = {part: text.replace("lavterskel-psykisk-helse", NEW)
             for part, text in shipped_texts("lavterskel-psykisk-helse").items()}
    # One nynorsk title missing: the check names it beside its line.
    broken = texts["questionnaire"].replace("\n  nn: Rapportering på tilskot", "\n  #", 1)
    assert broken != texts["questionnaire"]
    files = {}
    for part, text in {**texts, "questionnaire": broken}.items():
        files[part] = tmp_path / f"{part}.yaml"
        files[part].write_text(text, "utf-8")

    sign_in(page, AUTHOR.email, AUTHOR.password)
    page.goto("/skjema/arbeidsrom")
    expect(page.get_by_role("heading", level=1)).to_have_text("Arbeidsrom for skjemaer")
    assert_accessible(page)
    page.get_by_label("Tittel").fill("Nettleserordningen")
    page.get_by_label("Skjema (YAML)").set_input_files(files["questionnaire"])
    page.get_by_label("Ordningsoppføring (YAML)").set_input_files(files["scheme"])
    page.get_by_label("Tilbakebetalingsregler (YAML)").set_input_files(files["rules"])
    page.get_by_role("button", name="Opprett utkastet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nettleserordningen")

    page.get_by_role("button", name="Lagre og kontroller").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("nynorsk")
    assert page.title().startswith("Feil: ")
    marked = page.locator("li.has-problem")
    expect(marked.first).to_contain_text("title")
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert_accessible(page)  # the listing scrolls in its box; the page does not
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Teksten i skjema.yaml").fill(texts["questionnaire"])
    page.get_by_role("button", name="Lagre og kontroller").click()
    expect(page.get_by_text("Fant ingen feil.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Nynorsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page.locator(".questionnaire-title")).to_contain_text("Rapportering på tilskot")
    assert_accessible(page)
    page.get_by_role("link", name="Tilbake til utkastet").click()

    page.get_by_role("link", name="Publiser …").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publisere")
    assert_accessible(page)
    page.get_by_role("button", name="Publiser", exact=True).click()
    expect(page.get_by_text("Publisert. Alle servere viser den nye versjonen")).to_be_visible()
    expect(page.locator("table").last).to_contain_text(NEW)
    assert_accessible(page)
    page.goto("/skjema")
    expect(page.get_by_role("link", name="Rapportering på tilskudd").first).to_be_visible()
    expect(page.locator("code", has_text=NEW)).to_be_visible()
