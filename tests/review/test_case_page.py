"""The reviewer's flag list and case page: only the municipalities in scope, every flag
explained, and a resubmission shown as a diff."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Flag
from tests.review.test_decisions import CASE, reported_round, reviewer_client
from tests.test_flags import report

FLAGS = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/flagg"
OSLO = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/0301"


def test_the_innlandet_reviewer_sees_only_innlandets_flags_and_cases(app, users, runner):
    reported_round(app, users, runner)
    client = reviewer_client(app, users, "reviewer_innlandet")
    page = client.get(FLAGS).get_data(as_text=True)
    assert "Lillehammer" in page and "Hamar" in page
    assert "Oslo" not in page and "5\xa0000\xa0000\xa0kr" not in page
    assert "2 av 2 flagg" in page
    assert client.get(OSLO).status_code == 404
    assert client.get(CASE).status_code == 200


def test_the_national_reviewer_sees_all_and_filters_by_status_rule_and_amount(
        app, users, runner):
    reported_round(app, users, runner)
    client = reviewer_client(app, users)
    page = client.get(FLAGS).get_data(as_text=True)
    assert "Oslo" in page and "3 av 3 flagg" in page
    assert client.get(OSLO).status_code == 200
    big = client.get(FLAGS, query_string={"min_amount": "1 000 000"}).get_data(as_text=True)
    assert "1 av 3 flagg" in big and "Oslo" in big
    unused = client.get(FLAGS, query_string={"rule": "unused-funds"}).get_data(as_text=True)
    assert "1 av 3 flagg" in unused and "20\xa0000\xa0kr" in unused
    innlandet = client.get(FLAGS, query_string={"county": "34"}).get_data(as_text=True)
    assert "2 av 3 flagg" in innlandet
    bad = client.get(FLAGS, query_string={"min_amount": "mange"}).get_data(as_text=True)
    assert 'class="error-summary"' in bad and 'aria-describedby="min_amount-error"' in bad


def test_the_case_page_explains_each_flag_with_its_figures_and_history(app, users, runner):
    reported_round(app, users, runner)
    page = reviewer_client(app, users).get(CASE).get_data(as_text=True)
    assert "Ubrukte midler" in page
    assert "<code>grant.amount - used_amount</code>" in page
    assert "<code>used_amount</code> = 80000.00" in page
    assert "2022-3405-LPH-1" in page and "versjon 1" in page
    assert "<th scope=\"row\">Opprettet</th>" in page  # the history, in words
    assert "Vakant stilling." in page  # the answers of the latest submission
    assert "Saksstatus" in page


def test_after_a_resubmission_the_case_page_shows_what_changed(app, users, runner):
    reporter = reported_round(app, users, runner)
    client = reviewer_client(app, users)
    assert client.post(f"{CASE}/retur", data={
        "return-question_1": "used_amount",
        "return-comment_1": "Stemmer dette?"}).status_code == 303
    assert "Endringer fra" not in client.get(CASE).get_data(as_text=True)
    report(reporter, "3405", {"received": "100 000", "used_amount": "90 000",
                           "unused_explanation": "Vakant stilling i en måned."})
    page = client.get(CASE).get_data(as_text=True)
    assert "Endringer fra 2022-3405-LPH-1 til 2022-3405-LPH-2" in page
    assert "80\xa0000\xa0kr" in page and "90\xa0000\xa0kr" in page
    assert "Vakant stilling i en måned." in page
    with app.app_context():  # the open flag followed the new answers
        assert db.session.scalar(sa.select(Flag.amount_ore).where(
            Flag.rule_id == "unused-funds")) == 1_000_000
