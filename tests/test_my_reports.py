"""'Mine rapporter' (issue 14): what is still to do comes first, the soonest deadline
first, with its deadline, a status tag and a warning once the deadline has passed; the
earlier reports follow."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from forms.answers import answers_hash
from survey_app.extensions import db
from survey_app.models import Grant, Round, Scheme, Submission
from survey_app.services import responses, rounds
from survey_app.services.coordinator_reports import oslo_today
from tests.factories import make_coordinator

COORDINATOR = "koord@lillehammer.kommune.no"


def _round(year: int, deadline: dt.date) -> Grant:
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.slug == "lavterskel-psykisk-helse"))
    round_ = Round(scheme=scheme, year=year, opens_on=deadline - dt.timedelta(days=60),
                   deadline=deadline)
    grant = Grant(round=round_, municipality_number="3405", amount=100_000 + year)
    db.session.add_all([round_, grant])
    db.session.flush()
    return grant


def _submitted(grant: Grant) -> None:
    response = responses.start(grant, COORDINATOR)
    db.session.add(Submission(
        response=response, number=1, idempotency_key=f"key-{grant.id}",
        reference=responses.reference(grant, 1), questionnaire_id=response.questionnaire_id,
        questionnaire_version=response.questionnaire_version,
        content_hash=response.content_hash, answers={}, answers_hash=answers_hash({}),
        submitted_by=COORDINATOR))
    response.status = "submitted"
    db.session.commit()


def one_open_and_five_earlier(app, open_deadline: dt.date) -> None:
    with app.app_context():
        rounds.sync_schemes()
        make_coordinator("3405", email=COORDINATOR)
        for year in range(2016, 2021):  # five earlier rounds, each submitted
            _submitted(_round(year, dt.date(year + 1, 4, 1)))
        _round(2022, open_deadline)  # the open one: never started
        db.session.commit()


def my_reports(client, auth) -> str:
    auth.login(COORDINATOR)
    page = client.get("/mine-rapporter")
    assert page.status_code == 200
    return " ".join(page.get_data(as_text=True).split())


def to_do_and_earlier(page: str) -> tuple[str, str]:
    to_do = page.index('id="to-do"')
    earlier = page.index('id="earlier-reports"')
    assert to_do < earlier  # the to-do group comes first
    return page[to_do:earlier], page[earlier:page.index('id="my-municipalities"')]


def test_a_late_open_report_is_listed_first_with_its_deadline_and_an_overdue_tag(
        app, client, auth):
    deadline = oslo_today() - dt.timedelta(days=1)
    one_open_and_five_earlier(app, deadline)
    to_do, earlier = to_do_and_earlier(my_reports(client, auth))
    assert to_do.count('class="ds-card report-card"') == 1
    assert "/rapporter/lavterskel-psykisk-helse/2022/3405" in to_do
    assert deadline.strftime("%d.%m.%Y") in to_do
    assert re.search(r'<span class="ds-tag" data-color="neutral">Ikke påbegynt</span>', to_do)
    assert '<span class="ds-tag" data-color="danger">Fristen er passert</span>' in to_do
    assert earlier.count('class="ds-card report-card"') == 5
    assert earlier.count('data-color="success">Sendt inn</span>') == 5
    assert "Fristen er passert" not in earlier
    years = re.findall(r"/rapporter/lavterskel-psykisk-helse/(\d{4})/3405", earlier)
    assert years == ["2020", "2019", "2018", "2017", "2016"]  # the latest deadline first


def test_an_open_report_before_its_deadline_has_no_overdue_tag(app, client, auth):
    one_open_and_five_earlier(app, oslo_today())  # the deadline day itself is in time
    to_do, _ = to_do_and_earlier(my_reports(client, auth))
    assert "/rapporter/lavterskel-psykisk-helse/2022/3405" in to_do
    assert "Fristen er passert" not in to_do


def test_a_returned_report_is_to_do_again_and_the_soonest_deadline_comes_first(
        app, client, auth):
    today = oslo_today()
    one_open_and_five_earlier(app, today + dt.timedelta(days=30))
    with app.app_context():  # the reviewer returns 2020's report for correction
        grant = db.session.scalar(sa.select(Grant).join(Round).where(Round.year == 2020))
        responses.response_of(grant).status = "returned"
        db.session.commit()
    to_do, earlier = to_do_and_earlier(my_reports(client, auth))
    years = re.findall(r"/rapporter/lavterskel-psykisk-helse/(\d{4})/3405", to_do)
    assert years == ["2020", "2022"]  # 2020's deadline (1 April 2021) is the sooner
    assert 'data-color="warning">Sendt tilbake' in to_do
    assert "Fristen er passert" not in to_do  # it was submitted; a correction is asked for
    assert "/2020/3405" not in earlier and earlier.count('class="ds-card report-card"') == 4


def test_without_reports_the_page_says_so(app, client, auth):
    with app.app_context():
        make_coordinator("3405", email=COORDINATOR)
    page = my_reports(client, auth)
    assert 'id="to-do"' not in page and "report-card" not in page
