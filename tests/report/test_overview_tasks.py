"""The report's overview as a task list (issue 14): a status tag per page, "x av y
fullført", and "Fortsett" to the first page not completed; a returned report leads with
what to correct; the receipt says what happens next and shows the checksum only to
readers."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Submission
from tests.report.test_flow import PAGES, REPORT, save
from tests.report.test_receipt import one_line, pdf_text, submit
from tests.report.test_returned import submit_and_return


def overview(client) -> str:
    return one_line(client.get(REPORT).get_data(as_text=True))


def continue_link(page: str) -> str:
    return re.search(r'<a [^>]*id="continue" href="([^"]+)"', page).group(1)


def tag(page: str, section: str) -> str:
    return re.search(rf'id="task-{section}-status">([^<]*)</span>', page).group(1).strip()


def test_a_new_report_has_every_page_not_started_and_starts_at_the_first(
        client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    page = overview(client)
    assert "0 av 6 fullført" in page
    assert {tag(page, section) for section in PAGES} == {"Ikke påbegynt"}
    assert continue_link(page) == f"{REPORT}/side/services"


def test_continue_goes_to_the_first_unfinished_page_not_the_last_saved_one(
        client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    for section in ("services", "importance", "economy"):  # "users" left out
        assert save(client, section, PAGES[section]).status_code == 302, section
    page = overview(client)
    assert "3 av 6 fullført" in page
    assert tag(page, "services") == tag(page, "importance") == tag(page, "economy") == \
        "Fullført"
    assert tag(page, "users") == "Ikke påbegynt"
    assert continue_link(page) == f"{REPORT}/side/users"  # not economy, saved last


def test_a_page_half_answered_is_in_progress_and_one_with_a_wrong_value_has_errors(
        client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    save(client, "services", PAGES["services"])
    save(client, "users", PAGES["users"])
    save(client, "importance", {"importance_capacity": "4"})  # the second one left out
    save(client, "economy", {"received": "1 234 567", "used_amount": "12abc"})
    page = overview(client)
    assert tag(page, "importance") == "Påbegynt"
    assert 'data-color="info" id="task-importance-status"' in page
    assert tag(page, "economy") == "Har feil"
    assert 'data-color="danger" id="task-economy-status"' in page
    assert "2 av 6 fullført" in page
    assert continue_link(page) == f"{REPORT}/side/importance"
    client.post("/sprak/nn", data={"next": "/"})
    page = overview(client)
    assert tag(page, "importance") == "Påbyrja" and "2 av 6 fullført" in page
    client.post("/sprak/en", data={"next": "/"})
    page = overview(client)
    assert tag(page, "economy") == "Has errors" and "2 of 6 completed" in page


def test_with_every_page_completed_continue_goes_to_the_summary(
        client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    for section, answers in PAGES.items():
        save(client, section, answers)
    page = overview(client)
    assert "6 av 6 fullført" in page
    assert continue_link(page) == f"{REPORT}/oppsummering"


def test_a_returned_report_shows_the_return_first_and_no_green_submitted_box(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    submit_and_return(app, client)
    page = overview(client)
    returned = page.index('id="review-notes"')
    assert 'data-color="warning"' in page[page.rindex("<div", 0, returned):returned]
    assert 'data-color="success"' not in page[:returned]  # no green box above it
    assert "alert success" not in page  # the green box is for a report that stays submitted
    earlier = page.index('id="earlier-submission"')
    assert returned < earlier and "2022-3405-LPH-1" in page[earlier:]
    assert 'data-color="warning">Sendt tilbake for retting</span>' in page
    # All pages are still complete: Continue goes to the summary to submit again.
    assert continue_link(page) == f"{REPORT}/oppsummering"


def test_a_submitted_report_shows_the_green_submitted_box(client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    submit(client)
    page = overview(client)
    assert 'class="ds-alert alert success" data-color="success"' in page
    assert 'id="review-notes"' not in page and 'id="continue"' not in page


def answers_hash(app) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Submission.answers_hash))


def test_the_coordinator_receipt_says_what_happens_next_without_the_checksum(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    receipt = submit(client)
    checksum = answers_hash(app)
    page = one_line(client.get(receipt).get_data(as_text=True))
    assert checksum not in page and "SHA-256" not in page
    assert "En kvittering med svarene sendes på e-post til den som sendte inn" in page
    assert "Gjennomgangen skjer etter rapporteringsfristen 01.04.2023." in page
    # The PDF is the record of the submission: it keeps the checksum.
    assert checksum in pdf_text(client.get(receipt + ".pdf").data).replace(" ", "")
    client.post("/sprak/nn", data={"next": "/"})
    page = one_line(client.get(receipt).get_data(as_text=True))
    assert "Ei kvittering med svara blir send på e-post" in page


def test_a_reviewer_finds_the_checksum_under_technical_details(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    receipt = submit(client)
    auth.logout()
    auth.login(users["reviewer_national"])
    page = one_line(client.get(receipt).get_data(as_text=True))
    details = re.search(r"<details[^>]*>(.*?)</details>", page).group(1)
    assert "<summary>Tekniske detaljer</summary>" in details
    assert answers_hash(app) in details
