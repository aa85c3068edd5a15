"""The goal-attainment dashboard: exact figures from a small, hand-made set of reports.

Five grants of lavterskel 2022: Lillehammer, Hamar and Lom in Innlandet, Oslo, and Bergen,
which never reports. Lillehammer corrected its report once: only the correction counts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Grant, Response, Submission
from survey_app.services import dashboard
from survey_app.services.dashboard import Filters
from survey_app.services.tracking import GrantState, State, format_percent
from tests.factories import make_round

URL = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/dashbord"
NBSP = "\u00a0"
SECRET = "Kari på Lom fikk hjelp"  # a free-text answer: never on the dashboard

LILLEHAMMER = {
    "services_strengthened": ["more_staff", "outreach"], "service_areas": ["nav"],
    "services_description": SECRET, "target_groups": ["children", "youth"],
    "children_number_known": True, "children_count": 10, "youth_number_known": False,
    "counts_basis": "estimated", "importance_capacity": 4, "importance_competence": 3,
    "received": "100000.00", "used_amount": "80000.00", "unused": "20000.00",
}
REPORTS: dict[str, list[tuple[dt.datetime, bool, dict[str, Any]]]] = {
    "3405": [  # first a report that used 10 000 kr, then the correction
        (dt.datetime(2023, 3, 10, 9), False, {**LILLEHAMMER, "used_amount": "10000.00"}),
        (dt.datetime(2023, 3, 15, 9), False, LILLEHAMMER)],
    "3403": [(dt.datetime(2023, 3, 20, 9), False, {
        "services_strengthened": ["more_staff"], "service_areas": ["nav", "voluntary"],
        "target_groups": ["youth", "adults"], "youth_number_known": True, "youth_count": 25,
        "adults_number_known": True, "adults_count": 5, "importance_capacity": 5,
        "importance_competence": "dont_know", "received": "200000.00",
        "used_amount": "200000.00", "unused": "0.00"})],
    "3434": [(dt.datetime(2023, 4, 20, 9), True, {
        "services_strengthened": ["outreach", "competence_building"],
        "service_areas": ["mental_health_service"], "target_groups": ["unknown"],
        "importance_capacity": 2, "importance_competence": 1, "received": "50000.00",
        "used_amount": "45000.50", "unused": "4999.50"})],
    "0301": [(dt.datetime(2023, 3, 31, 9), False, {
        "services_strengthened": ["more_staff"], "service_areas": ["gp_emergency"],
        "target_groups": ["adults"], "adults_number_known": True, "adults_count": 100,
        "importance_capacity": 5, "importance_competence": 5, "received": "5000000.00",
        "used_amount": "5000000.00", "unused": "0.00"})],
}
AMOUNTS = {"3405": 100_000, "3403": 200_000, "3434": 50_000, "0301": 5_000_000,
           "4601": 1_000_000}


def add_reports(reports: dict[str, list[tuple[dt.datetime, bool, dict[str, Any]]]]) -> None:
    """Reports as the submit service stores them, straight into the tables."""
    for number, submissions in reports.items():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == number))
        response = Response(grant_id=grant.id, questionnaire_id="lavterskel-psykisk-helse",
                            questionnaire_version=1, content_hash="test", pages={},
                            status="submitted", started_by="test", updated_by="test")
        for n, (at, late, answers) in enumerate(submissions, start=1):
            response.submissions.append(Submission(
                number=n, idempotency_key=f"{number}-{n}", reference=f"2022-{number}-T-{n}",
                questionnaire_id="lavterskel-psykisk-helse", questionnaire_version=1,
                content_hash="test", answers=answers, answers_hash="test", submitted_at=at,
                submitted_by="test", late=late))
        db.session.add(response)
    db.session.commit()


@pytest.fixture
def reports(app) -> None:
    with app.app_context():
        make_round(amounts=AMOUNTS)
        add_reports(REPORTS)


def page(client, auth, email: str, query: str = "") -> str:
    auth.login(email)
    answer = client.get(URL + query)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def text(html: str) -> str:
    """The page as a reader sees it: no tags, one space between words."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(NBSP, " ")


def board(app, user_email: str, **filters: str) -> dashboard.Dashboard:
    from survey_app.models import User
    from survey_app.services.rounds import find_round

    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.email == user_email))
        return dashboard.build(find_round("lavterskel-psykisk-helse/2022"), user,
                               Filters(**filters), "nb")


def question(found: dashboard.Dashboard, question_id: str) -> dashboard.Summary:
    return next(q for s in found.sections for q in s.questions if q.id == question_id)


def options(summary: Any) -> dict[str, tuple[int, str]]:
    return {o.code: (o.count, o.percent.replace(NBSP, " ")) for o in summary.options}


# ---- the figures ----------------------------------------------------------------------------


def test_the_directorate_sees_every_report_summarised_exactly(app, users, reports):
    found = board(app, users["reviewer_national"])
    assert found.reports == 4
    assert found.rates.overall.percent == f"80,0{NBSP}%"  # 4 of 5 granted
    services = question(found, "services_strengthened")
    assert services.respondents == 4
    assert options(services)["more_staff"] == (3, "75,0 %")
    assert options(services)["outreach"] == (2, "50,0 %")
    assert options(services)["other"] == (0, "0,0 %")
    used = question(found, "used_amount")  # Lillehammer's correction, not its first 10 000
    assert (used.n, used.total) == (4, Decimal("5325000.50"))
    assert used.mean == Fraction(532500050, 400)  # 1 331 250,125 kr
    assert dashboard.show(used.mean, "amount") == f"1{NBSP}331{NBSP}250,13{NBSP}kr"
    assert used.median == 140_000  # (80 000 + 200 000) / 2
    unused = question(found, "unused")  # a computed amount counts like a typed one
    assert unused.total == Decimal("24999.50")


def test_scales_give_a_distribution_and_a_mean_without_dont_know(app, users, reports):
    found = board(app, users["reviewer_national"])
    competence = question(found, "importance_competence")
    assert (competence.respondents, competence.rated, competence.mean) == (4, 3, 3)
    assert options(competence)["dont_know"] == (1, "25,0 %")
    capacity = question(found, "importance_capacity")
    assert capacity.mean == 4  # (4 + 5 + 2 + 5) / 4
    assert options(capacity)["5"] == (2, "50,0 %")


def test_users_reached_count_known_numbers_and_the_unknown(app, users, reports):
    goals = board(app, users["reviewer_national"]).goals
    assert goals is not None
    reached = {u.group: (u.served, u.with_count, u.unknown, u.total) for u in goals.users}
    assert reached == {"children": (1, 1, 0, 10), "youth": (2, 1, 1, 25),
                       "adults": (2, 2, 0, 105)}
    assert goals.groups_unknown == 1  # Lom did not know who used the services
    assert goals.capacity.mean == 4 and goals.competence.mean == 3


def test_free_text_is_counted_never_shown(client, auth, users, reports):
    html = page(client, auth, users["reviewer_national"])
    assert SECRET not in html
    assert "Beskriv kort hva kommunen gjorde med tilskuddet" in html
    summary = question(board(client.application, users["reviewer_national"]),
                       "services_description")
    assert summary.answered == 1


# ---- scope and filters ----------------------------------------------------------------------


def test_an_innlandet_reviewer_counts_only_innlandet(app, client, auth, users, reports):
    found = board(app, users["reviewer_innlandet"])
    assert sorted(s.number for s in found.states) == ["3403", "3405", "3434"]
    assert found.reports == 3 and found.rates.overall.granted == 3
    assert options(question(found, "services_strengthened"))["more_staff"] == (2, "66,7 %")
    assert question(found, "used_amount").total == Decimal("325000.50")
    # asking for another office gives nothing, never the other office's figures
    assert board(app, users["reviewer_innlandet"], office="oslo-og-viken").reports == 0
    html = text(page(client, auth, users["reviewer_innlandet"], "?county=03"))
    assert "Oslo" not in html.split("Vis")[-1]  # nothing of Oslo below the filter form
    assert "5 000 000 kr" not in html


def test_filters_by_county_office_size_and_status(app, users, reports):
    reviewer = users["reviewer_national"]
    assert board(app, reviewer, county="03").reports == 1
    assert board(app, reviewer, office="innlandet").reports == 3
    small = board(app, reviewer, size="under-5000")  # Lom, 2 212 inhabitants
    assert [s.number for s in small.states] == ["3434"]
    big = board(app, reviewer, size="over-100000")  # Oslo and Bergen (no report)
    assert (big.reports, big.rates.overall.granted) == (1, 2)
    late = board(app, reviewer, status="late")
    assert late.reports == 1  # Lom's answers only ...
    assert late.rates.overall.granted == 5  # ... while the rates count every grant
    assert question(late, "used_amount").total == Decimal("45000.50")
    on_time = board(app, reviewer, status="submitted")
    assert on_time.reports == 3


def test_unknown_filter_values_are_dropped():
    assert Filters.from_args({"size": "huge", "status": "lost", "county": " 34 "}) == Filters(
        county="34")


@pytest.mark.parametrize(("population", "band"), [
    (4_999, "under-5000"), (5_000, "5000-20000"), (19_999, "5000-20000"),
    (20_000, "20000-100000"), (100_000, "over-100000")])
def test_size_bands_include_their_lower_bound(population, band):
    assert dashboard.in_band(population, band)
    assert sum(dashboard.in_band(population, b.key) for b in dashboard.SIZE_BANDS) == 1
    assert not dashboard.in_band(None, band)


# ---- response rate over time ----------------------------------------------------------------


def state(number: str, at: dt.datetime | None, late: bool = False) -> GrantState:
    return GrantState(number=number, name=number, county_number="34", county_name="Innlandet",
                      office="innlandet", amount=1, state=State.SUBMITTED_LATE if late else (
                          State.SUBMITTED if at else State.INVITED), submitted_at=at, late=late)


def test_the_timeline_counts_first_submissions_by_norwegian_day(app, reports):
    from survey_app.services.rounds import find_round
    from survey_app.services.tracking import response_rates

    states = [state("1", dt.datetime(2023, 3, 10, 9)),
              state("2", dt.datetime(2023, 3, 31, 22, 30)),  # 00:30 on 1 April in Oslo
              state("3", dt.datetime(2023, 4, 20, 9), late=True), state("4", None)]
    with app.app_context():
        round_ = find_round("lavterskel-psykisk-helse/2022")
        line = dashboard.timeline(states, round_, response_rates(states))
    assert line.step_days == 7  # six weeks: a point a week
    got = [(p.day.isoformat(), p.reported, p.new) for p in line.points]
    assert got[0] == ("2023-03-10", 1, 1)
    assert ("2023-04-01", 2, 1) in got  # the deadline is always a point
    assert got[-1] == ("2023-04-20", 3, 1)
    assert line.points[-1].percent == f"75,0{NBSP}%"  # 3 of 4 granted


def test_numbers_are_rounded_half_up_exactly():
    assert dashboard.round_half_up(Fraction(5, 2), 0) == 3
    assert dashboard.round_half_up(Fraction(-5, 2), 0) == -3
    assert dashboard.format_number(Fraction(12345, 10), 1) == f"1{NBSP}234,5"
    assert dashboard.median([Fraction(3), Fraction(1), Fraction(2)]) == 2
    assert dashboard.median([]) is None
    assert dashboard.show(Fraction(7, 2), "scale") == "3,5"
    assert format_percent(dashboard.share(2, 3)) == f"66,7{NBSP}%"


# ---- the page -------------------------------------------------------------------------------


def test_the_page_shows_the_summary_the_rates_and_every_chart_with_its_table(
        client, auth, users, reports):
    html = page(client, auth, users["reviewer_national"])
    figures = re.findall(r"<figure.*?</figure>", html, flags=re.S)
    assert len(figures) >= 6  # services, users, two scales, the timeline, per question
    for figure in figures:
        assert "<figcaption" in figure and "<table" in figure, figure[:200]
        assert re.search(r'role="img" aria-(label|labelledby)="[^"]+"', figure), figure[:200]
    shown = text(html)
    assert "Økt bemanning 3 75,0 %" in shown  # the services table
    assert "80,0 % (4 av 5 tildelte)" in shown
    assert "01.04.2023 (frist)" in shown and "60,0 %" in shown  # 3 of 5 at the deadline
    assert "5 325 000,50 kr" in shown and "1 331 250,13 kr" in shown


def test_a_county_drills_down_to_its_municipalities_and_their_case_pages(
        client, auth, users, reports):
    html = page(client, auth, users["reviewer_national"])
    assert f'href="{URL}?county=34#by-area"' in html
    county = page(client, auth, users["reviewer_national"], "?county=34")
    assert 'href="/gjennomgang/runder/lavterskel-psykisk-helse/2022/3434"' in county
    assert "/2022/0301" not in county


def test_the_page_is_in_nynorsk_too(client, auth, users, reports):
    auth.login(users["reviewer_national"])
    client.post("/sprak/nn")
    html = client.get(URL).get_data(as_text=True)
    assert "Kva for lågterskeltilbod vart styrkte med tilskotet?" in html


def test_a_coordinator_gets_not_found(client, auth, users, reports):
    auth.login(users["coordinator"])
    assert client.get(URL).status_code == 404


def test_an_unknown_round_is_not_found(client, auth, users, reports):
    auth.login(users["reviewer_national"])
    assert client.get(URL.replace("2022", "2019")).status_code == 404


def test_a_round_without_reports_shows_its_questions_with_no_answers(client, auth, users, app):
    with app.app_context():
        make_round(amounts={"3405": 100_000})
    shown = text(page(client, auth, users["reviewer_national"]))
    assert "0,0 % (0 av 1 tildelte)" in shown


def test_a_round_costs_a_few_queries_whatever_its_size(app, users, reports):
    from sqlalchemy import event

    from survey_app.models import User
    from survey_app.services.rounds import find_round

    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.email == users["reviewer_national"]))
        round_ = find_round("lavterskel-psykisk-helse/2022")
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            dashboard.build(round_, user, Filters(), "nb")
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
    # 7, and the one statement per request that asks whether a questionnaire was published
    # since (survey_app.questionnaires.current, issue 15).
    assert len(statements) <= 8, statements


# ---- the other question types, on a questionnaire written inline -----------------------------

OTHER_TYPES = """
id: annet
version: 1
scheme: "765.60"
title: Annet
sections:
  - id: page
    title: Side
    questions:
      - id: goals
        type: matrix
        min: 1
        max: 3
        dont_know: true
        label: I hvilken grad ble målene nådd?
        rows:
          - {code: housing, label: Bolig}
          - {code: work, label: Arbeid}
      - id: positions
        type: group
        label: Stillinger
        questions:
          - {id: title, type: text, label: Tittel}
      - id: share_used
        type: percent
        label: Andel brukt
      - id: happy
        type: yes_no
        label: Fornøyd?
"""


def test_matrices_groups_percentages_and_yes_no_are_summarised():
    from forms.loader import load_text

    questionnaire, problems = load_text(OTHER_TYPES, "annet.v1.yaml")
    assert questionnaire is not None, problems
    reports = [dashboard.Report(n, questionnaire, answers) for n, answers in [
        ("1", {"goals": {"housing": 3, "work": 1}, "positions": [{"title": "a"}, {"title": "b"}],
               "share_used": Decimal("50"), "happy": True}),
        ("2", {"goals": {"housing": 2, "work": "dont_know"}, "positions": [{"title": "c"}],
               "share_used": Decimal("75.5"), "happy": True}),
        ("3", {"happy": False})]]
    found = {s.id: s for s in dashboard.by_section([questionnaire], reports, "nb")[0].questions}
    matrix = found["goals"]
    assert matrix.respondents == 2 and matrix.columns[-1] == "Vet ikke"
    assert [(r.label, r.counts, r.mean) for r in matrix.rows] == [
        ("Bolig", [0, 1, 1, 0], Fraction(5, 2)), ("Arbeid", [1, 0, 0, 1], 1)]
    assert (found["positions"].answered, found["positions"].rows) == (2, 3)
    assert dashboard.show(found["share_used"].mean, "percent") == f"62,8{NBSP}%"  # 62,75
    assert options(found["happy"]) == {"yes": (2, "66,7 %"), "no": (1, "33,3 %")}


def test_a_report_a_year_late_does_not_squeeze_the_reporting_period(app, reports):
    """The axis covers the reporting period and a month after it; a report sent long
    after is counted as later, and the date labels never run into each other."""
    from survey_app.review.dashboard import TICK_GAP, line_chart
    from survey_app.services.rounds import find_round
    from survey_app.services.tracking import response_rates

    states = [state("1", dt.datetime(2023, 3, 10, 9)), state("2", dt.datetime(2023, 3, 30, 9)),
              state("3", dt.datetime(2024, 3, 1, 9), late=True)]
    with app.app_context():
        round_ = find_round("lavterskel-psykisk-helse/2022")
        line = dashboard.timeline(states, round_, response_rates(states))
        period_end = round_.deadline + dt.timedelta(days=round_.grace_days)
    assert line.points[-1].day == period_end + dashboard.LATE_WINDOW
    assert line.points[-1].reported == 2 and line.later == 1
    chart = line_chart(line)
    assert chart is not None
    xs = [x for x, _label, _anchor in chart.x_ticks]
    assert all(b - a >= TICK_GAP for a, b in itertools.pairwise(xs))
    assert chart.deadline_x in xs
    # The deadline sits in the middle of the drawing, not squeezed against its left edge.
    assert chart.deadline_x - chart.left > (chart.right - chart.left) / 4
