"""The error summary of a questionnaire page (issue 14): one line per problem naming the
question (in a table its row and column), a link to the input, and "Feil:" in the title."""

from __future__ import annotations

import html
import re

from tests.report.test_flow import REPORT, save


def _summary(page: str) -> list[tuple[str, str]]:
    match = re.search(r'<div class="error-summary[^"]*"[^>]*>(.*?)</div>', page, re.S)
    assert match, "the page has an error summary"
    return [(anchor, html.unescape(text))
            for anchor, text in re.findall(r'<a href="#([^"]+)">([^<]*)</a>', match.group(1))]


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match
    return html.unescape(match.group(1)).strip()


def test_two_empty_required_questions_are_both_named_and_the_title_says_feil(
        client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    answer = save(client, "declaration", {"declaration_confirmed": "yes"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert _summary(page) == [
        ("respondent_name", "Navn på den som har fylt ut skjemaet: Svar på dette spørsmålet."),
        ("respondent_role", "Stilling eller rolle i kommunen: Svar på dette spørsmålet."),
    ]
    assert _title(page).startswith("Feil: ")
    assert "autofocus" in re.search(r'<div class="error-summary[^>]*>', page).group(0)
    # A page without problems has no "Feil:" in its title.
    assert not _title(client.get(f"{REPORT}/side/declaration").get_data(as_text=True)) \
        .startswith("Feil")


def test_an_error_in_a_table_names_its_row_and_column(client, auth, users):
    auth.login(users["reviewer_national"])
    page = client.post("/skjema/kommunalt-rusarbeid-ny/v1/positions_section", data={
        "positions-0-position_title": "Rådgiver", "positions-0-fte_percent": "50",
        "positions-0-salary_cost": "300 000",
        "positions-1-position_title": "Miljøterapeut", "positions-1-salary_cost": "200 000",
        "other_costs": "0"}).get_data(as_text=True)
    assert _summary(page) == [(
        "positions-1-fte_percent",
        "Stillinger som er helt eller delvis finansiert med tilskuddet, rad 2, "
        "Stillingsprosent: Svar på dette spørsmålet.")]
    assert _title(page).startswith("Feil: ")


def test_a_follow_up_revealed_by_a_post_without_javascript_is_new_not_an_error(
        client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    page = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
    was_hidden = re.search(r'name="was_hidden" value="([^"]*)"', page).group(1)
    assert "unused_explanation" in was_hidden.split()  # asked only when money is left
    answer = save(client, "economy", {"received": "1 234 567", "used_amount": "1 000 000",
                                      "was_hidden": was_hidden})
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 200  # stays on the page to ask the new question
    assert 'id="revealed"' in shown and 'class="error-summary"' not in shown
    assert not _title(shown).startswith("Feil")
    assert 'name="unused_explanation"' in shown and 'aria-invalid' not in shown
    # Posted again still empty, the question was seen: now it is an error.
    again = save(client, "economy", {"received": "1 234 567", "used_amount": "1 000 000",
                                     "was_hidden": ""}).get_data(as_text=True)
    assert [a for a, _ in _summary(again)] == ["unused_explanation"]


def test_change_on_the_summary_opens_the_page_and_saving_returns_to_the_summary(
        client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    save(client, "economy", {"received": "1 234 567", "used_amount": "1 234 567"})
    summary = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    change = f"{REPORT}/side/economy?tilbake=oppsummering#used_amount"
    assert f'href="{change}">Endre<span class="visually-hidden"> ' in summary
    page = client.get(change.split("#")[0]).get_data(as_text=True)
    assert 'name="tilbake" value="oppsummering"' in page
    assert "Lagre og gå til oppsummeringen" in page
    answer = client.post(f"{REPORT}/side/economy", data={
        "csrf_token": "", "version": re.search(r'name="version" value="(\d+)"', page).group(1),
        "go": "next", "tilbake": "oppsummering", "received": "1 234 567",
        "used_amount": "1 234 567"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/oppsummering")
    # Without the parameter the same save goes on to the next page, and any other
    # value is ignored.
    plain = save(client, "economy", {"received": "1 234 567", "used_amount": "1 234 567",
                                     "tilbake": "https://evil.example"})
    assert plain.headers["Location"].endswith("/side/conditions")
