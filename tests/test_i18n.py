"""Bokmål by default; nynorsk and English on request, kept across pages."""

from __future__ import annotations

import pytest


def test_the_sign_in_page_is_in_bokmal_by_default(client):
    page = client.get("/logg-inn", headers={"Accept-Language": "en-US,en"})
    html = page.get_data(as_text=True)
    assert '<html lang="nb"' in html
    assert "<h1>Logg inn</h1>" in html
    assert "Tilgjengelighetserklæring" in html


@pytest.mark.parametrize(("language", "heading", "statement"), [
    ("nn", "<h1>Logg inn</h1>", "Tilgjengeerklæring"),
    ("en", "<h1>Sign in</h1>", "Accessibility statement"),
])
def test_switching_language_changes_the_text_and_sticks(client, language, heading, statement):
    response = client.post(f"/sprak/{language}", data={"next": "/logg-inn"})
    assert response.status_code == 302 and response.headers["Location"] == "/logg-inn"
    html = client.get("/logg-inn").get_data(as_text=True)
    assert f'<html lang="{language}"' in html
    assert heading in html and statement in html
    assert statement in client.get("/tilgjengelighet").get_data(as_text=True)


def test_nynorsk_is_real_nynorsk_on_a_signed_in_page(client, auth, users):
    client.post("/sprak/nn", data={"next": "/"})
    auth.login(users["reviewer_innlandet"])
    html = client.get("/gjennomgang").get_data(as_text=True)
    assert "46 kommunar" in html  # bokmål would say "kommuner"
    assert "Logg ut" in html


def test_an_unknown_language_or_a_foreign_next_is_refused(client):
    assert client.post("/sprak/de", data={"next": "/"}).status_code == 400
    response = client.post("/sprak/nn", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_every_catalogue_translates_every_message():
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "survey_app" / "translations"
    def catalogue_of(path: Path):
        with path.open("rb") as fh:
            return read_po(fh)

    template = {m.id for m in catalogue_of(root / "messages.pot") if m.id}
    for language in ("nb", "nn"):
        catalogue = catalogue_of(root / language / "LC_MESSAGES" / "messages.po")
        ids = {m.id for m in catalogue if m.id}
        assert ids == template, f"{language}: run pybabel update"
        untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
        assert untranslated == [], language
