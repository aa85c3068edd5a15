"""A flag on the case page reads as sentences: figures named by their question, the history
in the reader's language, the rule's machinery only under "Teknisk grunnlag"."""

from __future__ import annotations

import re

from tests.review.test_decisions import CASE, reported_round, reviewer_client

_DETAILS = re.compile(r'<details class="technical.*?</details>', re.S)


def _flag_sections(page: str) -> str:
    flags = page[page.index('id="flags"'):]
    return flags[:flags.index("</section>", flags.rindex('class="flag"'))]


def test_a_flag_shows_question_labels_and_keeps_the_rule_behind_a_disclosure(
        app, users, runner):
    reported_round(app, users, runner)
    page = reviewer_client(app, users).get(CASE).get_data(as_text=True)
    flags = _flag_sections(page)
    visible = _DETAILS.sub("", flags)
    assert "Teknisk grunnlag" in flags
    assert "grant.amount - used_amount" in flags and "grant.amount - used_amount" not in visible
    assert "unused-funds" not in visible and "<code>" not in visible
    assert "Tilskuddet: 100\xa0000\xa0kr" in visible  # grant.amount, named and in kroner
    assert "80\xa0000" in visible and "used_amount" not in visible
    assert "Rapporten 2022-3405-LPH-1" in visible


def test_the_history_says_what_the_service_did_in_norwegian(app, users, runner):
    reported_round(app, users, runner)
    page = reviewer_client(app, users).get(CASE).get_data(as_text=True)
    history = _DETAILS.sub("", _flag_sections(page))
    assert "answers of submission" not in history and "no report submitted" not in history
    assert "Svarene i rapport 2022-3405-LPH-1." in history


def test_nynorsk_reads_the_same_in_nynorsk(app, users, runner):
    reported_round(app, users, runner)
    client = reviewer_client(app, users)
    client.post("/sprak/nn", data={"next": CASE})
    visible = _DETAILS.sub("", _flag_sections(client.get(CASE).get_data(as_text=True)))
    assert "Teknisk grunnlag" in _flag_sections(client.get(CASE).get_data(as_text=True))
    assert "Tilskotet: 100\xa0000\xa0kr" in visible


def test_a_comment_on_a_question_names_the_question_not_its_id(app, users, runner):
    reported_round(app, users, runner)
    client = reviewer_client(app, users)
    assert client.post(f"{CASE}/retur", data={
        "return-question_1": "used_amount",
        "return-comment_1": "Stemmer dette?"}).status_code == 303
    page = client.get(CASE).get_data(as_text=True)
    comments = page[page.index("Stemmer dette?") - 400:page.index("Stemmer dette?")]
    assert "used_amount:" not in comments
    assert "brukt" in comments.lower()
