"""The coordinator's report through the web: pages saved, resumed, summarised, submitted."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Grant, Response, Submission
from tests.conftest import AuthActions, csrf_token_in

REPORT = "/rapporter/lavterskel-psykisk-helse/2022/3405"

# A complete, valid report for the shipped lavterskel questionnaire, page by page.
PAGES: dict[str, dict[str, object]] = {
    "services": {"services_strengthened": ["more_staff", "outreach"],
                 "service_areas": ["mental_health_service"],
                 "services_description": "Lengre åpningstid og oppsøkende team."},
    "users": {"target_groups": ["youth", "adults"], "youth_number_known": "yes",
              "youth_count": "120", "adults_number_known": "no",
              "counts_basis": "registered"},
    "importance": {"importance_capacity": "4", "importance_competence": "3"},
    "economy": {"received": "1 234 567", "used_amount": "1 234 567"},
    "conditions": {"used_for_mapping": "no", "transferred_to_next_year": "no"},
    "declaration": {"declaration_confirmed": "yes", "respondent_name": "Kari Nordmann",
                    "respondent_role": "Kommunalsjef"},
}


def version_in(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "the page form carries its version"
    return match.group(1)


def save(client, section: str, answers: dict[str, object], go: str = "next",
         version: str | None = None, report: str = REPORT):
    page = client.get(f"{report}/side/{section}").get_data(as_text=True)
    data = {"csrf_token": csrf_token_in(page), "version": version or version_in(page),
            "go": go, **answers}
    return client.post(f"{report}/side/{section}", data=data)


def response_row(app) -> Response | None:
    with app.app_context():
        return db.session.scalar(sa.select(Response))


def test_a_coordinator_fills_two_pages_leaves_comes_back_and_submits(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    overview = client.get(REPORT).get_data(as_text=True)
    assert "1\xa0234\xa0567\xa0kr" in overview and "01.04.2023" in overview
    assert "Ikke påbegynt" in overview  # not started

    answer = save(client, "services", PAGES["services"])
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/side/users")
    assert save(client, "users", PAGES["users"]).status_code == 302
    auth.logout()  # the browser is closed; the answers are on the server

    auth.login(users["coordinator"])
    overview = client.get(REPORT).get_data(as_text=True)
    # continue at the first page not completed yet (report.tasks)
    assert f'id="continue" href="{REPORT}/side/importance"' in overview
    page = client.get(f"{REPORT}/side/services").get_data(as_text=True)
    assert "Lengre åpningstid og oppsøkende team." in page
    assert 'value="outreach" checked' in page

    for section in ("importance", "economy", "conditions", "declaration"):
        assert save(client, section, PAGES[section]).status_code == 302, section
    summary = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    assert "Kari Nordmann" in summary and "120" in summary
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    sent = client.post(f"{REPORT}/send", data={"csrf_token": csrf_token_in(summary),
                                               "key": key})
    assert sent.status_code == 303
    receipt = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Kvittering 2022-3405-LPH-1" in receipt
    assert "Kari Nordmann" in receipt and "1\xa0234\xa0567\xa0kr" in receipt

    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        assert submission.answers["used_amount"] == "1234567.00"  # exact, to the øre
        assert submission.answers["youth_count"] == 120
        assert submission.answers["services_strengthened"] == ["more_staff", "outreach"]
        assert submission.late  # the 2022 round's deadline, 1 April 2023, has passed
        assert db.session.scalar(sa.select(Grant.status).where(
            Grant.municipality_number == "3405")) == "reported"
    # after submit the report is read-only
    assert client.get(f"{REPORT}/side/economy").status_code == 302


def fill_all(client) -> str:
    for section, answers in PAGES.items():
        assert save(client, section, answers).status_code == 302, section
    return client.get(f"{REPORT}/oppsummering").get_data(as_text=True)


def test_a_double_click_or_replay_gives_one_submission_and_the_same_receipt(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    summary = fill_all(client)
    data = {"csrf_token": csrf_token_in(summary),
            "key": re.search(r'name="key" value="([^"]+)"', summary).group(1)}
    first = client.post(f"{REPORT}/send", data=data)
    second = client.post(f"{REPORT}/send", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    # another tab's summary with another key: still the one submission
    other = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    assert "Send inn rapporten" not in other  # read-only now: no submit button
    third = client.post(f"{REPORT}/send", data={**data, "key": "another-key-of-16-chars"})
    assert third.headers["Location"] == first.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "response.submit")) == 1


def test_the_same_key_with_other_answers_is_refused_plainly(app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    summary = fill_all(client)
    data = {"csrf_token": csrf_token_in(summary),
            "key": re.search(r'name="key" value="([^"]+)"', summary).group(1)}
    client.post(f"{REPORT}/send", data=data)
    with app.app_context():  # a reviewer returns it for correction (issue 5 makes the button)
        db.session.execute(sa.update(Response).values(status="returned"))
        db.session.commit()
    assert save(client, "economy", {"received": "1 234 567", "used_amount": "1 000 000",
                                    "unused_explanation": "Ansatt sent."}).status_code == 302
    refused = client.post(f"{REPORT}/send", data=data)
    assert refused.status_code == 409
    assert "andre svar" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1


def test_an_older_version_saving_gets_a_conflict_and_nothing_is_overwritten(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    save(client, "economy", PAGES["economy"])
    other = app.test_client()  # a second tab or a colleague
    AuthActions(other).login(users["coordinator"])
    mine = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
    theirs = other.get(f"{REPORT}/side/economy").get_data(as_text=True)
    assert save(other, "economy", {"received": "1 234 567", "used_amount": "1 200 000",
                                   "unused_explanation": "Vakanse."},
                version=version_in(theirs)).status_code == 302
    conflict = client.post(f"{REPORT}/side/economy", data={
        "csrf_token": csrf_token_in(mine), "version": version_in(mine), "go": "next",
        "received": "1 234 567", "used_amount": "1 100 000", "unused_explanation": "Sykdom."})
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Noen andre lagret denne siden" in html
    assert "1\xa0200\xa0000\xa0kr" in html  # theirs, shown
    assert 'value="1 100 000"' in html  # mine, still in the form
    stored = response_row(app).pages["economy"]["data"]
    assert stored["used_amount"] == ["1 200 000"]
    # saving again from the conflict page keeps mine, knowingly
    again = client.post(f"{REPORT}/side/economy", data={
        "csrf_token": csrf_token_in(html), "version": version_in(html), "go": "next",
        "received": "1 234 567", "used_amount": "1 100 000", "unused_explanation": "Sykdom."})
    assert again.status_code == 302
    assert response_row(app).pages["economy"]["data"]["used_amount"] == ["1 100 000"]


def test_saves_of_different_pages_from_two_tabs_both_stay(app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    services = client.get(f"{REPORT}/side/services").get_data(as_text=True)
    economy = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
    save(client, "services", PAGES["services"], version=version_in(services))
    assert save(client, "economy", PAGES["economy"],
                version=version_in(economy)).status_code == 302
    assert set(response_row(app).pages) == {"services", "economy"}


def test_an_invalid_page_is_saved_anyway_and_the_problems_are_shown(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    answer = save(client, "economy", {"received": "1 234 567", "used_amount": "12abc"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'class="error-summary"' in html and "lagret" in html
    assert response_row(app).pages["economy"]["data"]["used_amount"] == ["12abc"]


def test_answers_to_hidden_questions_are_not_stored(app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    save(client, "conditions", {"used_for_mapping": "no", "mapping_description": "Kartlegging",
                                "mapping_amount": "5 000", "transferred_to_next_year": "no"})
    stored = response_row(app).pages["conditions"]["data"]
    assert "mapping_description" not in stored and "mapping_amount" not in stored
    assert stored["used_for_mapping"] == ["no"]


@pytest.mark.parametrize("url", [
    "/rapporter/lavterskel-psykisk-helse/2022/0301",
    "/rapporter/lavterskel-psykisk-helse/2022/0301/side/economy",
    "/rapporter/lavterskel-psykisk-helse/2022/0301/oppsummering",
])
def test_another_municipalitys_report_is_404(client, auth, users, lavterskel, url):
    auth.login(users["coordinator"])
    assert client.get(url).status_code == 404


def test_posting_into_another_municipalitys_report_changes_nothing(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    page = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
    answer = client.post("/rapporter/lavterskel-psykisk-helse/2022/0301/side/economy", data={
        "csrf_token": csrf_token_in(page), "version": "0", "used_amount": "1"})
    assert answer.status_code == 404
    assert response_row(app) is None


def test_a_key_used_on_another_report_is_refused_and_that_report_is_untouched(
        app, client, auth, users, lavterskel):
    """The key is checked against the report's own submissions first; one that a submit of
    another report used is refused by the database's unique index, never taken as a repeat."""
    from tests.factories import UserFactory

    auth.login(users["coordinator"])
    summary = fill_all(client)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    first = client.post(f"{REPORT}/send", data={"csrf_token": csrf_token_in(summary),
                                                 "key": key})
    assert first.status_code == 303
    with app.app_context():
        UserFactory(email="koord@oslo.kommune.no", numbers=["0301"])
        db.session.commit()
    auth.logout()
    auth.login("koord@oslo.kommune.no")
    oslo = REPORT.replace("/3405", "/0301")
    for section, answers in PAGES.items():
        assert save(client, section, answers, report=oslo).status_code == 302, section
    other = client.get(f"{oslo}/oppsummering").get_data(as_text=True)
    refused = client.post(f"{oslo}/send", data={"csrf_token": csrf_token_in(other),
                                                "key": key})
    assert refused.status_code == 409
    assert "andre svar" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1
        oslo_status = db.session.scalar(
            sa.select(Grant.status).where(Grant.municipality_number == "0301"))
        assert oslo_status != "reported"
