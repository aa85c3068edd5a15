"""The words a reader sees (issue 14 item 5): "Sendt inn" as a status in bokmål and nynorsk,
plural forms from the catalogue, years without digit grouping, scale answers with their
words, and times as Norwegian clocks show them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa

from forms.builder import format_answer
from forms.loader import load_directory
from survey_app.extensions import db
from survey_app.formatting import oslo_date, oslo_time
from survey_app.models import User
from tests.report.test_flow import REPORT, save
from tests.report.test_receipt import one_line, pdf_text, submit

SCALE_4 = "4 på skalaen 1–5, der 1 er «I svært liten grad» og 5 er «I svært stor grad»"


def _question(slug_part: str, question_id: str):
    result = load_directory(Path("questionnaires"))

    def walk(questions):
        for q in questions:
            yield q
            yield from walk(getattr(q, "columns", None) or [])

    for questionnaire in result.questionnaires:
        for section in questionnaire.sections:
            for q in walk(section.questions):
                if q.id == question_id and slug_part in questionnaire.id:
                    return q
    raise AssertionError(question_id)


def test_the_receipt_says_sendt_inn_and_gives_scale_answers_their_words_in_nb_and_nn(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    receipt = submit(client)
    for language in ("nb", "nn"):
        client.post(f"/sprak/{language}", data={"next": "/"})
        page = one_line(client.get(receipt).get_data(as_text=True))
        text = pdf_text(client.get(receipt + ".pdf").data)
        overview = one_line(client.get(REPORT).get_data(as_text=True))
        for shown in (page, text):
            assert "Sendt inn av" in shown and "Send inn av" not in shown, language
            assert SCALE_4 in shown, language
        assert "Sendt inn " in overview and "Send inn " not in overview, language
    client.post("/sprak/en", data={"next": "/"})
    page = one_line(client.get(receipt).get_data(as_text=True))
    assert "4 on the scale 1–5, where 1 is “To a very small extent”" in page


def test_a_scale_end_shows_its_own_label_and_a_year_has_no_digit_grouping():
    scale = _question("lavterskel", "importance_capacity")
    assert format_answer(scale, 5, "nb") == "5 – I svært stor grad"
    assert format_answer(scale, 1, "nn") == "1 – I svært liten grad"
    year = _question("overgang", "funded_from_year")
    assert format_answer(year, 2018, "nb") == "2018"
    count = _question("lavterskel", "youth_count")
    assert format_answer(count, 1200, "nb") == "1\u00a0200"  # other numbers keep grouping


def test_one_answer_to_correct_is_singular_in_english_and_right_in_nb_and_nn(
        client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    save(client, "importance", {"importance_capacity": "4"})  # the second one left out
    shown = {}
    for language in ("en", "nb", "nn"):
        client.post(f"/sprak/{language}", data={"next": "/"})
        shown[language] = one_line(client.get(f"{REPORT}/oppsummering").get_data(as_text=True))
    assert re.search(r": 1 answer needs correcting<", shown["en"])
    assert "1 answers" not in shown["en"]
    assert re.search(r": 1 svar må rettes<", shown["nb"])
    assert re.search(r": 1 svar må rettast<", shown["nn"])


def test_stored_utc_times_are_shown_as_oslo_clocks_in_summer_and_winter():
    assert oslo_time(dt.datetime(2023, 6, 1, 10, 0)) == "01.06.2023 kl. 12:00"
    assert oslo_time(dt.datetime(2023, 1, 15, 23, 30, 5), seconds=True) == \
        "16.01.2023 kl. 00:30:05"
    assert oslo_time("2023-06-01T10:00:00") == "01.06.2023 kl. 12:00"  # a draft's JSON
    assert oslo_date(dt.datetime(2023, 12, 31, 23, 30)) == "01.01.2024"
    assert oslo_time(None) == "" and oslo_date(None) == ""


def test_the_admin_user_page_shows_oslo_time_without_utc_labels_in_nb_and_nn(
        app, client, auth, users):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == users["coordinator"]))
        user.created_at = dt.datetime(2023, 6, 1, 10, 0)
        db.session.commit()
        user_id = user.id
    auth.login(users["admin"])
    for language, created in (("nb", "Opprettet"), ("nn", "Oppretta")):
        client.post(f"/sprak/{language}", data={"next": "/"})
        page = one_line(client.get(f"/admin/brukere/{user_id}").get_data(as_text=True))
        assert f"<dt>{created}</dt><dd>01.06.2023 kl. 12:00</dd>" in page, language
        assert "(UTC)" not in page, language


def test_a_claim_paid_back_in_full_has_the_status_betalt_in_nb_and_nn(app, client, auth, users):
    from tests.test_payments import CASE, claim_on_lillehammer, pay_back

    claim_id = claim_on_lillehammer(app)
    auth.login(users["reviewer_national"])
    pay_back(client, claim_id, "100 000,50", "01.06.2023")
    for language in ("nb", "nn"):
        client.post(f"/sprak/{language}", data={"next": "/"})
        case = one_line(client.get(CASE).get_data(as_text=True))
        claims = case[case.index('id="claims"'):]
        row = claims[claims.index("TB-2022-3405-1"):]
        row = row[:row.index("</tr>")]
        assert "<td>Betalt</td>" in row and "Utbetalt" not in row, language


def test_a_returned_report_reads_as_a_status_not_a_command_in_nynorsk(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("nn"):
        assert gettext("Returned for correction") == "Sendt tilbake for retting"
        assert gettext("Submitted") == "Sendt inn"
        assert gettext("Submit the report") == "Send inn rapporten"  # the button stays a verb


def test_switching_language_after_a_failed_post_returns_to_the_form_page_not_a_405(
        app, client, auth, users):
    from tests.factories import make_round
    from tests.test_payments import CASE

    with app.app_context():
        make_round()
    auth.login(users["reviewer_national"])
    failed = client.post(f"{CASE}/retur", data={}, headers={"Referer": f"http://localhost{CASE}"})
    assert failed.status_code in (400, 422), failed.status_code
    back = re.search(r'name="next" value="([^"]+)"', failed.get_data(as_text=True)).group(1)
    assert back == CASE
    switched = client.post("/sprak/nn", data={"next": back}, follow_redirects=True)
    assert switched.status_code == 200
    assert '<html lang="nn"' in switched.get_data(as_text=True)[:200]
    # without a usable referrer: the start page, still never the post-only address
    failed = client.post(f"{CASE}/retur", data={})
    back = re.search(r'name="next" value="([^"]+)"', failed.get_data(as_text=True)).group(1)
    assert back == "/"
