"""The admin forms' error summary names each field ("Label: message"), links to it, and
shows a refusal that names no field as is: the questionnaire's error summary, reused."""

from __future__ import annotations

import html as htmllib
import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import User


def summary_lines(page: str) -> list[tuple[str | None, str]]:
    """(link target or None, text) of each line of the page's error summary."""
    match = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert match, "the page has an error summary"
    lines = []
    for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S):
        link = re.fullmatch(r'<a href="#([^"]+)">(.*)</a>', item.strip(), re.S)
        lines.append((link.group(1), htmllib.unescape(link.group(2))) if link
                     else (None, htmllib.unescape(item.strip())))
    return lines


def test_a_failed_new_account_names_its_fields_and_links_to_them(client, auth, users):
    auth.login(users["admin"])
    answer = client.post("/admin/brukere/ny", data={"email": "", "role": "coordinator",
                                                    "municipalities": "34x"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    lines = summary_lines(page)
    assert ("email", "E-postadresse: Skriv e-postadressen.") in lines
    assert any(anchor == "municipalities" and text.startswith("Kommunenummer (koordinatorer): ")
               for anchor, text in lines), lines
    for anchor, _text in lines:
        assert f'id="{anchor}"' in page  # every link has its field on the page


def test_a_failed_new_round_names_the_year(client, auth, users):
    auth.login(users["admin"])
    answer = client.post("/admin/runder", data={"scheme": "lavterskel-psykisk-helse",
                                                "year": "1800", "opens_on": "2023-01-01",
                                                "deadline": "2023-04-01", "grace_days": "0"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    lines = summary_lines(page)
    assert ("year", "Tilskuddsår: Skriv et år fra 2000 til 2100.") in lines
    assert 'id="year"' in page


def test_a_field_without_a_label_of_its_own_is_not_named_in_english(client, auth, users):
    auth.login(users["admin"])
    with client.application.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(
            User.email == users["coordinator"]))
    answer = client.post(f"/admin/brukere/{user_id}/aktiv", data={})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    lines = summary_lines(page)
    assert ("active-confirm", "Kryss av for å bekrefte.") in lines
    assert "Confirm:" not in page and 'id="active-confirm"' in page
