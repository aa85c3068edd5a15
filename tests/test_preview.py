"""The questionnaire preview through the web service: every section renders, posts are
validated and nothing hidden shows up in what would be stored."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from forms.loader import load_directory
from tests.conftest import csrf_token_in, sign_in_with_csrf

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = load_directory(ROOT / "questionnaires").questionnaires
ECONOMY = "/skjema/lavterskel-psykisk-helse/v1/economy"


def _first_label(section) -> str:
    return next(q.label["nb"] for q in section.questions if "{" not in q.label["nb"])


def _answers(page: str) -> str:
    match = re.search(r'<dl class="facts answers" id="answers">(.*?)</dl>', page, re.S)
    assert match, "no answers shown"
    return html.unescape(match.group(1))


@pytest.fixture
def reviewer(client, auth, users):
    auth.login(users["reviewer_national"])
    return client


def test_a_reviewer_opens_every_section_of_every_questionnaire(reviewer):
    listing = reviewer.get("/skjema")
    assert listing.status_code == 200
    listing_page = html.unescape(listing.get_data(as_text=True))
    for questionnaire in SHIPPED:
        assert questionnaire.title["nb"] in listing_page
        total = len(questionnaire.sections)
        for number, section in enumerate(questionnaire.sections, start=1):
            url = f"/skjema/{questionnaire.id}/v{questionnaire.version}/{section.id}"
            response = reviewer.get(url)
            assert response.status_code == 200, url
            page = html.unescape(response.get_data(as_text=True))
            assert _first_label(section) in page, url
            assert f"Side {number} av {total}" in page
            assert 'aria-current="step"' in page


def test_demo_figures_and_prefill_are_filled_in(reviewer):
    page = reviewer.get(ECONOMY).get_data(as_text=True)
    assert 'value="1\u00a0234\u00a0567"' in page  # received is prefilled from grant.amount
    first = reviewer.get("/skjema/lavterskel-psykisk-helse/v1/services").get_data(as_text=True)
    assert "Kommunen fikk 1\u00a0234\u00a0567\u00a0kr i 2022. Fristen er 01.04.2023." in first


def test_an_invalid_amount_shows_the_error_summary_linking_to_the_field(reviewer):
    response = reviewer.post(ECONOMY, data={"received": "12abc", "used_amount": "100"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error-summary" role="alert"' in page
    assert "Det er et problem" in page
    assert "<a href=\"#received\">Mottatt tilskudd: «12abc» er ikke et beløp." in page
    assert 'id="received" name="received" type="text" value="12abc"' in page
    assert 'aria-invalid="true"' in page


def test_a_hidden_questions_posted_value_is_not_in_the_answers(reviewer):
    # unused_explanation shows only when used_amount < received: here they are equal.
    response = reviewer.post(ECONOMY, data={
        "received": "1 000 000", "used_amount": "1 000 000",
        "unused_explanation": "Dette skal ikke lagres"})
    page = response.get_data(as_text=True)
    answers = _answers(page)
    assert "used_amount" in answers and "unused" in answers
    assert "unused_explanation" not in answers
    assert "Dette skal ikke lagres" not in page


def test_a_valid_post_shows_typed_answers_and_stores_nothing(reviewer):
    response = reviewer.post(ECONOMY, data={"received": "kr 1 000 000",
                                            "used_amount": "750 000,50",
                                            "unused_explanation": "Forsinket oppstart"})
    answers = _answers(response.get_data(as_text=True))
    assert '"1000000.00"' in answers and '"249999.50"' in answers
    assert "249\u00a0999,50\u00a0kr" in answers


def test_rows_are_added_and_removed_without_javascript(reviewer):
    url = "/skjema/kommunalt-rusarbeid-ny/v1/positions_section"
    page = reviewer.get(url).get_data(as_text=True)
    assert 'name="positions-0-position_title"' in page
    assert 'name="positions-1-position_title"' not in page
    added = reviewer.post(url, data={"positions-0-position_title": "Rådgiver",
                                     "add_row": "positions"}).get_data(as_text=True)
    assert 'name="positions-1-position_title"' in added and "error-summary" not in added
    removed = reviewer.post(url, data={"positions-0-position_title": "A",
                                       "positions-1-position_title": "B",
                                       "remove_row": "positions:0"}).get_data(as_text=True)
    assert 'name="positions-0-position_title" type="text" value="B"' in removed
    assert 'name="positions-1-position_title"' not in removed


def test_nynorsk_interface_gives_nynorsk_form_texts_and_messages(client, auth, users):
    client.post("/sprak/nn", data={"next": "/"})
    auth.login(users["reviewer_national"])
    page = client.post(ECONOMY, data={"received": "-5"}).get_data(as_text=True)
    assert "Motteke tilskot" in page
    assert "Beløpet kan ikkje vere negativt" in page
    assert "Side 4 av 6" in page


def test_an_unknown_questionnaire_or_section_is_404(reviewer):
    assert reviewer.get("/skjema/lavterskel-psykisk-helse/v9/economy").status_code == 404
    assert reviewer.get("/skjema/lavterskel-psykisk-helse/v1/nope").status_code == 404


def test_a_coordinator_gets_404(client, auth, users):
    auth.login(users["coordinator"])
    assert client.get("/skjema").status_code == 404
    assert client.get(ECONOMY).status_code == 404
    assert client.post(ECONOMY, data={"received": "1"}).status_code == 404


SERVICES = "/skjema/lavterskel-psykisk-helse/v1/services"
VISIBILITY = SERVICES + "/synlighet"


def test_the_visibility_endpoint_follows_the_answers(reviewer):
    # The script sends the form as it is; the server alone evaluates the conditions.
    response = reviewer.post(VISIBILITY, data={"services_strengthened": ["more_staff"]})
    assert response.status_code == 200
    assert response.is_json
    hidden = response.get_json()["hidden"]
    assert "services_strengthened_other" in hidden
    assert "services_strengthened" not in hidden
    ticked = reviewer.post(VISIBILITY, data={"services_strengthened": ["more_staff", "other"]})
    assert "services_strengthened_other" not in ticked.get_json()["hidden"]
    # JSON for a signed-in user is kept out of every cache, as pages are (issue 13 item 9)
    assert response.headers["Cache-Control"] == "no-store"
    with reviewer.get("/static/css/app.css") as stylesheet:  # the same for everybody
        assert stylesheet.headers.get("Cache-Control") != "no-store"


def test_the_visibility_endpoint_is_for_previewers_only(client, auth, users):
    auth.login(users["coordinator"])
    assert client.post(VISIBILITY, data={}).status_code == 404
    assert client.post("/skjema/nope/v1/services/synlighet", data={}).status_code == 404


def test_the_visibility_endpoint_needs_the_csrf_header(make_app, users):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    assert sign_in_with_csrf(client, users["reviewer_national"]).status_code == 302
    # Signing in starts a new session, and with it a new token: take the page's.
    token = csrf_token_in(client.get(SERVICES).get_data(as_text=True))
    assert client.post(VISIBILITY, data={"services_strengthened": "other"}).status_code == 400
    response = client.post(VISIBILITY, data={"services_strengthened": "other"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert "services_strengthened_other" not in response.get_json()["hidden"]


def test_a_page_marks_its_questions_and_loads_the_script(reviewer):
    page = reviewer.get(SERVICES).get_data(as_text=True)
    assert f'data-visibility-url="{VISIBILITY}"' in page
    assert 'data-question="services_strengthened_other"' in page
    assert '<script src="/static/js/conditions.js" defer></script>' in page
    with reviewer.get("/static/js/conditions.js") as script:
        assert script.status_code == 200
        assert "X-CSRFToken" in script.get_data(as_text=True)


def test_an_unticked_others_text_is_dropped_but_the_question_stays_for_the_script(reviewer):
    response = reviewer.post(SERVICES, data={
        "services_strengthened": ["more_staff"],
        "services_strengthened_other": "Skal ikke beholdes",
        "service_areas": ["nav"], "services_description": "Flere ansatte."})
    page = response.get_data(as_text=True)
    assert "services_strengthened_other" not in _answers(page)
    assert "Skal ikke beholdes" not in page
    # Rendered but hidden, so that ticking "Annet" can show it again without a post.
    assert '<div class="question" data-question="services_strengthened_other" hidden>' in page


def test_a_cell_hidden_by_its_column_condition_is_hidden_on_the_page_and_for_the_script(
        make_app, users, tmp_path):
    from tests.forms.test_builder import COLUMN_CONDITION

    (tmp_path / "kolonne.v1.yaml").write_text(COLUMN_CONDITION, "utf-8")
    client = make_app(QUESTIONNAIRES_DIR=str(tmp_path)).test_client()
    client.post("/logg-inn", data={"email": users["reviewer_national"],
                                   "password": "correct horse battery"})
    posted = {"positions-0-fte": "100", "positions-1-fte": "50"}
    page = client.post("/skjema/kolonne/v1/positions", data=posted).get_data(as_text=True)
    assert '<div data-question="positions-0-why_part_time" hidden>' in page
    assert '<div data-question="positions-1-why_part_time">' in page
    answer = client.post("/skjema/kolonne/v1/positions/synlighet", data=posted)
    assert answer.get_json() == {"hidden": ["positions-0-why_part_time"]}
