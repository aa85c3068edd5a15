"""Applications in the report's application pages (issue 16 item 2): the proposed amount,
the eligibility, the row made on submit, and the stand-alone application page."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from ruamel.yaml import YAML

from survey_app.extensions import db
from survey_app.models import AuditEvent, Response
from survey_app.models.applications import Application, ApplicationDecision
from survey_app.services.applications import (
    Position,
    PositionProblem,
    assess,
    pro_rata,
    proposed_amount,
)
from survey_app.services.scheme_rules import SchemeRules, parse_rules
from tests.conftest import csrf_token_in
from tests.factories import make_coordinator, make_round
from tests.report.test_flow import save

OVERGANG = "kommunalt-rusarbeid-overgang"
NY = "kommunalt-rusarbeid-ny"
SCHEMES_FILE = Path(__file__).resolve().parent.parent / "questionnaires" / "schemes" / \
    "schemes.yaml"


def scheme_rules(slug: str) -> SchemeRules:
    """The shipped file's rules, read without the app (the pure functions need none)."""
    entries = YAML(typ="safe").load(SCHEMES_FILE.read_text("utf-8"))
    entry = next(e for e in entries if e["slug"] == slug)
    return parse_rules(slug, entry.get("rules"))


def _application(year: int, positions: list[dict[str, object]],
                 applied: int | None = None, status: str = "submitted") -> Application:
    return Application(year=year, positions=positions, applied_amount=applied, status=status)


# ---- pure: the proposed amount -------------------------------------------------------------


def test_two_continuing_positions_in_2023_propose_330_000_plus_165_000() -> None:
    rules = scheme_rules(OVERGANG)
    application = _application(2023, [
        {"title": "Ruskonsulent", "percent": 100, "funded_from_year": 2021},
        {"title": "Erfaringskonsulent", "percent": 50, "funded_from_year": 2021}])
    assert proposed_amount(application, rules) == 330_000 + 165_000


def test_2022_rates_go_by_the_year_in_the_track() -> None:
    rules = scheme_rules(OVERGANG)
    # First funded 2021: year 2 of its track in 2022 (550 000); 2019: year 4 (330 000).
    application = _application(2022, [
        {"title": "A", "percent": 100, "funded_from_year": 2021},
        {"title": "B", "percent": 50, "funded_from_year": 2019}])
    assert proposed_amount(application, rules) == 550_000 + 165_000
    # Beyond year 4 of the track the 2022 table has no rate: nothing proposed for it.
    lines = assess([Position("C", Decimal(100), 2017)], 2022, rules).positions
    assert lines[0].problem is PositionProblem.NO_RATE and lines[0].amount == 0


def test_a_position_first_funded_2022_is_refused_as_not_continuing() -> None:
    rules = scheme_rules(OVERGANG)
    result = assess([Position("Ny", Decimal(100), 2022),
                     Position("Gammel", Decimal(100), 2021)], 2023, rules)
    assert [line.problem for line in result.positions] == [
        PositionProblem.NOT_CONTINUING, None]
    assert result.computed == 330_000
    assert proposed_amount(_application(2023, [
        {"title": "Ny", "percent": 100, "funded_from_year": 2022}]), rules) == 0


def test_the_applied_amount_caps_the_proposal_and_withdrawn_proposes_nothing() -> None:
    rules = scheme_rules(OVERGANG)
    rows: list[dict[str, object]] = [{"title": "A", "percent": 100, "funded_from_year": 2021}]
    assert proposed_amount(_application(2023, rows, applied=300_000), rules) == 300_000
    assert proposed_amount(_application(2023, rows, applied=900_000), rules) == 330_000
    assert proposed_amount(_application(2023, rows, status="withdrawn"), rules) == 0
    assert proposed_amount(_application(2025, rows), rules) == 0  # no round for 2025


def test_a_scheme_without_rates_proposes_the_applied_amount() -> None:
    rules = scheme_rules(NY)
    rows: list[dict[str, object]] = [{"title": "A", "percent": 100, "funded_from_year": None}]
    assert proposed_amount(_application(2023, rows, applied=420_000), rules) == 420_000
    assert proposed_amount(_application(2023, rows), rules) == 0


@pytest.mark.parametrize("percent", range(1, 101))
def test_every_whole_percentage_divides_every_seed_rate_exactly(percent: int) -> None:
    for rate in (660_000, 550_000, 440_000, 330_000):
        assert rate * percent % 100 == 0
        assert pro_rata(rate, Decimal(percent)) * 100 == rate * percent


def test_a_fractional_percentage_rounds_down_and_hostile_rows_are_left_out() -> None:
    assert pro_rata(330_000, Decimal("33.333")) == 109_998  # 109 998.9 rounded down
    rules = scheme_rules(OVERGANG)
    application = _application(2023, [
        {"title": "x", "percent": "1e9", "funded_from_year": 2021},
        {"title": "x", "percent": "NaN", "funded_from_year": 2021},
        {"title": "x", "percent": True, "funded_from_year": 2021},
        {"title": "x", "percent": -50, "funded_from_year": 2021},
        {"title": "x", "percent": "٥٠", "funded_from_year": "٢٠٢١"},
        "not a row",  # type: ignore[list-item]
        {"title": "ok", "percent": "50", "funded_from_year": 2021}])
    assert proposed_amount(application, rules) == 165_000


# ---- the report's application page, on submit ---------------------------------------------

OVERGANG_2022 = f"/rapporter/{OVERGANG}/2022/3405"
TWO_POSITIONS = {
    "apply_continuation": "yes",
    "continued_positions-0-position_title": "Ruskonsulent",
    "continued_positions-0-fte_percent": "100",
    "continued_positions-0-funded_from_year": "2021",
    "continued_positions-1-position_title": "Erfaringskonsulent",
    "continued_positions-1-fte_percent": "50",
    "continued_positions-1-funded_from_year": "2021",
    "applied_amount": "495 000", "planned_own_financing": "300 000",
}
OVERGANG_PAGES: dict[str, dict[str, object]] = {
    "priorities": {"prioritised_areas": ["outreach_teams"], "lasting_capacity": "4"},
    "positions_section": {
        "positions-0-position_title": "Ruskonsulent", "positions-0-fte_percent": "100",
        "positions-0-salary_cost": "700 000", "positions-0-funded_from_year": "2021",
        "positions-0-service_area": "outreach_teams"},
    "economy": {"received": "660 000", "used_amount": "660 000", "own_financing": "40 000",
                "own_financing_documentation": "Lønnsbudsjett 2022."},
    "financial_plan": {"economic_plan_status": "all", "economic_plan": "Innarbeidet."},
    "continuation": TWO_POSITIONS,
    "declaration": {"declaration_confirmed": "yes", "respondent_name": "Kari Nordmann",
                    "respondent_role": "Kommunalsjef"},
}


@pytest.fixture
def overgang(app) -> None:
    """3405 Lillehammer (Innlandet) had a 765.62 grant in 2021 and one in 2022; 0301 Oslo
    only in 2022."""
    with app.app_context():
        make_round(f"{OVERGANG}/2021", amounts={"3405": 660_000})
        make_round(f"{OVERGANG}/2022", amounts={"3405": 660_000, "0301": 660_000})


def submit_report(client, report: str, pages: dict[str, dict[str, object]]):
    for section, answers in pages.items():
        answer = save(client, section, answers, report=report)
        assert answer.status_code == 302, (section, answer.get_data(as_text=True)[:3000])
    summary = client.get(f"{report}/oppsummering").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', summary)
    assert key, summary[:3000]
    sent = client.post(f"{report}/send", data={"csrf_token": csrf_token_in(summary),
                                               "key": key.group(1)})
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    return summary


def the_application(app) -> Application:
    with app.app_context():
        found = db.session.scalars(sa.select(Application)).all()
        assert len(found) == 1
        db.session.expunge(found[0])
        return found[0]


def test_a_2021_recipient_applies_for_two_positions_in_the_report_and_gets_495_000(
        app, client, auth, users, overgang):
    auth.login(users["coordinator"])
    submit_report(client, OVERGANG_2022, OVERGANG_PAGES)
    application = the_application(app)
    assert (application.year, application.municipality_number, application.office,
            application.status) == (2023, "3405", "innlandet", "submitted")
    assert application.positions == [
        {"title": "Ruskonsulent", "percent": 100, "funded_from_year": 2021},
        {"title": "Erfaringskonsulent", "percent": 50, "funded_from_year": 2021}]
    assert application.applied_amount == 495_000
    assert application.answers["continuation"]["apply_continuation"] is True
    with app.app_context():
        assert proposed_amount(application, scheme_rules(OVERGANG)) == 330_000 + 165_000
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "application.submit")) == 1


def return_report(app) -> None:
    with app.app_context():  # a reviewer returns it for correction
        db.session.execute(sa.update(Response).values(status="returned"))
        db.session.commit()


def resubmit(client, report: str, section: str, answers: dict[str, object]) -> None:
    assert save(client, section, answers, report=report).status_code == 302
    summary = client.get(f"{report}/oppsummering").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    sent = client.post(f"{report}/send", data={"csrf_token": csrf_token_in(summary),
                                               "key": key})
    assert sent.status_code == 303


def test_a_resubmission_updates_it_and_not_applying_withdraws_it(
        app, client, auth, users, overgang):
    auth.login(users["coordinator"])
    submit_report(client, OVERGANG_2022, OVERGANG_PAGES)
    first = the_application(app)
    return_report(app)
    one = {k: v for k, v in TWO_POSITIONS.items() if "-1-" not in k}
    resubmit(client, OVERGANG_2022, "continuation", {**one, "applied_amount": "330 000"})
    updated = the_application(app)
    assert updated.id == first.id and updated.version == first.version + 1
    assert updated.applied_amount == 330_000 and len(updated.positions) == 1
    return_report(app)
    resubmit(client, OVERGANG_2022, "continuation", {"apply_continuation": "no"})
    withdrawn = the_application(app)
    assert (withdrawn.status, withdrawn.positions, withdrawn.applied_amount) == (
        "withdrawn", [], None)
    with app.app_context():
        assert proposed_amount(withdrawn, scheme_rules(OVERGANG)) == 0


def test_an_approved_decision_keeps_the_application_over_a_resubmission(
        app, client, auth, users, overgang):
    auth.login(users["coordinator"])
    submit_report(client, OVERGANG_2022, OVERGANG_PAGES)
    with app.app_context():
        application = db.session.scalar(sa.select(Application))
        db.session.add(ApplicationDecision(
            application=application, outcome="approved", amount=495_000, state="approved",
            proposed_by="a@sfin.no", approved_by="b@sfin.no"))
        db.session.commit()
    return_report(app)
    resubmit(client, OVERGANG_2022, "continuation", {"apply_continuation": "no"})
    kept = the_application(app)
    assert kept.status == "submitted" and kept.applied_amount == 495_000
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "application.kept")) == 1


def test_a_position_first_funded_2022_is_refused_with_the_reason_on_page_and_summary(
        app, client, auth, users, overgang):
    auth.login(users["coordinator"])
    pages = {**OVERGANG_PAGES, "continuation": {
        **TWO_POSITIONS, "continued_positions-1-funded_from_year": "2022"}}
    for section, answers in pages.items():
        assert save(client, section, answers, report=OVERGANG_2022).status_code == 302
    reason = ("Erfaringskonsulent: stillingen fikk tilskudd første gang i 2022. Ordningen "
              "gjelder bare videreføring av eksisterende stillinger (som fikk tilskudd i "
              "2021 eller før).")
    page = client.get(f"{OVERGANG_2022}/side/continuation").get_data(as_text=True)
    assert reason in html.unescape(page)
    summary = client.get(f"{OVERGANG_2022}/oppsummering").get_data(as_text=True)
    assert reason in html.unescape(summary)
    assert "330\xa0000\xa0kr" in summary  # what the rules propose: the 100 % position only


# ---- the stand-alone application ------------------------------------------------------------

NY_2023 = f"/soknader/{NY}/2023/3405"
NY_ANSWERS = {"apply_next_year": "yes", "applied_amount": "420 000",
              "next_year_plan": "Oppsøkende team for unge."}


@pytest.fixture
def ny(app) -> None:
    """The new design's 2022 round, with a grant to 0301 Oslo only: 3405 has none."""
    with app.app_context():
        make_round(f"{NY}/2022", amounts={"0301": 500_000})


def post_application(client, url: str, answers: dict[str, object], go: str = "send",
                     version: str | None = None):
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, page[:3000]
    return client.post(url, data={"csrf_token": csrf_token_in(page), "go": go,
                                  "version": version or found.group(1), **answers})


def test_a_municipality_without_a_grant_applies_alone_where_the_scheme_allows_it(
        app, client, auth, users, ny):
    auth.login(users["coordinator"])
    start = client.get("/mine-rapporter").get_data(as_text=True)
    assert "Søk om tilskudd for 2023" in start and f'href="{NY_2023}"' in start
    page = client.get(NY_2023).get_data(as_text=True)
    assert 'name="apply_next_year"' in page and 'name="applied_amount"' in page
    assert 'name="declaration_confirmed"' not in page  # the application pages only
    assert 'name="received"' not in page
    sent = post_application(client, NY_2023, NY_ANSWERS)
    assert sent.status_code == 303
    receipt = client.get(NY_2023).get_data(as_text=True)
    assert "Søknaden om tilskudd for 2023 ble sendt inn" in receipt
    assert 'name="applied_amount"' not in receipt  # submitted: no form
    application = the_application(app)
    assert (application.status, application.year, application.office,
            application.response_id, application.applied_amount) == (
        "submitted", 2023, "innlandet", None, 420_000)
    assert application.answers["next_year"]["next_year_plan"] == "Oppsøkende team for unge."
    with app.app_context():
        assert proposed_amount(application, scheme_rules(NY)) == 420_000
        assert [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_type == "application").order_by(AuditEvent.id))] == [
            "application.save", "application.submit"]
    # A second send (a double click, a replayed post) changes nothing.
    again = client.post(NY_2023, data={"csrf_token": csrf_token_in(receipt), "go": "send",
                                       "version": str(application.version), **NY_ANSWERS})
    assert again.status_code == 409
    assert the_application(app).version == application.version


def test_a_save_keeps_what_was_typed_and_a_stale_form_is_refused(
        app, client, auth, users, ny):
    auth.login(users["coordinator"])
    saved = post_application(client, NY_2023, {"apply_next_year": "yes"}, go="save")
    assert saved.status_code == 200 and "Lagret." in saved.get_data(as_text=True)
    draft = the_application(app)
    assert draft.status == "draft" and draft.version == 1
    stale = post_application(client, NY_2023, NY_ANSWERS, version="0")
    assert stale.status_code == 409
    assert "endret av noen andre" in stale.get_data(as_text=True)
    assert the_application(app).version == 1  # nothing saved
    # Sent with a required answer missing: named, not submitted.
    missing = post_application(client, NY_2023, {"apply_next_year": "yes",
                                                 "applied_amount": "420 000"})
    assert missing.status_code == 200 and 'class="error-summary"' in missing.get_data(
        as_text=True)
    assert the_application(app).status == "draft"


def test_the_transitional_scheme_refuses_a_municipality_without_a_2021_grant(
        app, client, auth, overgang):
    with app.app_context():
        make_coordinator("3401", email="koord@kongsvinger.kommune.no")
    auth.login("koord@kongsvinger.kommune.no")
    start = client.get("/mine-rapporter").get_data(as_text=True)
    assert "Bare kommuner som fikk tilskudd i 2021 kan søke." in start
    page = client.get(f"/soknader/{OVERGANG}/2023/3401")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Bare kommuner som fikk tilskudd i 2021 kan søke." in text
    assert "<form method=\"post\" novalidate" not in text  # no form
    posted = client.post(f"/soknader/{OVERGANG}/2023/3401", data={
        "apply_continuation": "yes", "go": "send", "version": "0"})
    assert posted.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_another_municipalitys_application_is_not_reachable(app, client, auth, users, ny):
    with app.app_context():
        make_coordinator("3401", email="koord@kongsvinger.kommune.no")
    auth.login("koord@kongsvinger.kommune.no")
    assert post_application(client, f"/soknader/{NY}/2023/3401", NY_ANSWERS).status_code == 303
    auth.logout()
    auth.login(users["coordinator"])  # 3405 Lillehammer
    assert client.get(f"/soknader/{NY}/2023/3401").status_code == 404
    assert client.post(f"/soknader/{NY}/2023/3401", data={
        "go": "save", "version": "2", **NY_ANSWERS}).status_code == 404
    for url in (f"/soknader/{NY}/2024/3405", f"/soknader/{NY}/2023/34o5",
                f"/soknader/{NY}/2023/٣٤٠٥", "/soknader/ukjent/2023/3405",
                f"/soknader/{NY}/99999999999999999999/3405"):
        assert client.get(url).status_code == 404, url
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "access.denied")) >= 2


@pytest.mark.parametrize("answers", [
    {**NY_ANSWERS, "next_year_plan": "Plan\x00med NUL"},
    {**NY_ANSWERS, "applied_amount": "9" * 40},
    {**NY_ANSWERS, "applied_amount": "٤٢٠٠٠٠"},
    {**NY_ANSWERS, "applied_amount": "-1"},
    {**NY_ANSWERS, "apply_next_year": "kanskje"},
], ids=["nul", "huge", "unicode-digits", "negative", "bad-choice"])
def test_hostile_input_is_refused_plainly_and_submits_nothing(
        app, client, auth, users, ny, answers):
    auth.login(users["coordinator"])
    page = client.get(NY_2023).get_data(as_text=True)
    sent = client.post(NY_2023, data={"csrf_token": csrf_token_in(page), "go": "send",
                                      "version": "0", **answers})
    # NUL is refused by the app for every form (security.py: 400 with a plain page).
    expected = 400 if any("\x00" in v for v in answers.values()) else 200
    assert sent.status_code == expected, sent.status_code
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id)).where(
            Application.status == "submitted")) == 0


def test_a_huge_version_is_a_stale_form(app, client, auth, users, ny) -> None:
    auth.login(users["coordinator"])
    assert post_application(client, NY_2023, {"apply_next_year": "yes"},
                            go="save").status_code == 200
    stale = post_application(client, NY_2023, NY_ANSWERS, version="9" * 30)
    assert stale.status_code == 409 and the_application(app).status == "draft"


def test_hostile_position_rows_in_a_report_give_no_500(app, client, auth, users, overgang):
    auth.login(users["coordinator"])
    hostile = {**TWO_POSITIONS, "continued_positions-0-fte_percent": "1" * 50,
               "continued_positions-1-funded_from_year": "٢٠٢١",
               "continued_positions-1-position_title": "A\u202eB"}
    answer = save(client, "continuation", hostile, report=OVERGANG_2022)
    assert answer.status_code == 200  # stays on the page with its problems
    assert 'class="error-summary"' in answer.get_data(as_text=True)


# ---- the questionnaire check: application pages need their roles ------------------------

FORM = """id: x
version: 1
scheme: "765.62"
title: {nb: X, nn: X}
sections:
  - id: apply
    title: {nb: Søknad, nn: Søknad}
%s
    questions:
%s
"""
APPLIES = """      - id: applies_q
        type: yes_no
        role: applies
        label: {nb: Søker?, nn: Søkjer?}
"""
AMOUNT = """      - id: amount_q
        type: amount
        role: applied_amount
        label: {nb: Beløp, nn: Beløp}
"""


def codes(text: str) -> list[str]:
    from forms.loader import load_text

    return [p.code.value for p in load_text(text, "x.yaml")[1]]


def test_a_marked_application_page_with_its_roles_loads() -> None:
    from forms.loader import load_text

    questionnaire, problems = load_text(FORM % ("    application: true", APPLIES + AMOUNT),
                                        "x.yaml")
    assert problems == [] and questionnaire is not None
    assert [s.id for s in questionnaire.application_sections()] == ["apply"]


def test_an_application_page_without_the_roles_the_service_reads_is_refused() -> None:
    assert codes(FORM % ("    application: true", APPLIES)) == ["q.application_role_missing"]
    assert codes(FORM % ("    application: true", AMOUNT)) == ["q.application_role_missing"]


def test_application_roles_off_an_application_page_or_on_the_wrong_type_are_refused() -> None:
    assert codes(FORM % ("", APPLIES + AMOUNT)) == ["q.application_role_outside"] * 2
    wrong = APPLIES.replace("type: yes_no", "type: text")
    assert "q.application_role_type" in codes(FORM % ("    application: true", wrong + AMOUNT))
    assert codes(FORM % ("    application: yes please", APPLIES + AMOUNT))[0] == "q.not_bool"


GROUP = """      - id: rows
        type: group
        role: applied_positions
        label: {nb: Stillinger, nn: Stillingar}
        questions:
          - id: title
            type: text
            role: position_title
            label: {nb: Tittel, nn: Tittel}
%s
"""
PERCENT = """          - id: pct
            type: percent
            role: position_percent
            label: {nb: Prosent, nn: Prosent}
"""


def test_a_positions_group_needs_its_column_roles_once_each() -> None:
    page = "    application: true"
    assert codes(FORM % (page, APPLIES + AMOUNT + GROUP % PERCENT)) == []
    assert codes(FORM % (page, APPLIES + AMOUNT + GROUP % "")) == ["q.column_role_missing"]
    twice = PERCENT + PERCENT.replace("id: pct", "id: pct2")
    assert codes(FORM % (page, APPLIES + AMOUNT + GROUP % twice)) == ["q.duplicate_role"]
    elsewhere = GROUP.replace("        role: applied_positions\n", "") % PERCENT
    assert codes(FORM % (page, APPLIES + AMOUNT + elsewhere)) == [
        "q.column_role_outside", "q.column_role_outside"]


def test_the_schemes_file_takes_applications_without_grant_and_checks_its_shape() -> None:
    from forms.schemes_check import check_schemes_text

    entry = """- slug: eksempel
  chapter_post: "765.62"
  administration: offices
  name: {nb: Eksempel, nn: Døme}
  applications: %s
"""
    assert check_schemes_text(entry % "{without_grant: true}", "s.yaml").problems == []
    assert [p.code.value for p in check_schemes_text(
        entry % "{without_grant: kanskje}", "s.yaml").problems] == ["q.not_bool"]
    assert len(check_schemes_text(entry % "{withuot_grant: true}", "s.yaml").problems) == 1
    assert len(check_schemes_text(entry % "yes", "s.yaml").problems) == 1


def test_a_report_of_a_municipality_without_a_2021_grant_shows_why_it_may_not_apply(
        app, client, auth, overgang):
    with app.app_context():
        make_coordinator("0301", email="koord@oslo.kommune.no")
    auth.login("koord@oslo.kommune.no")
    report = f"/rapporter/{OVERGANG}/2022/0301"
    assert save(client, "continuation", TWO_POSITIONS, report=report).status_code == 302
    page = client.get(f"{report}/side/continuation").get_data(as_text=True)
    assert "Bare kommuner som fikk tilskudd i 2021 kan søke." in page
    # Not applying: nothing to say.
    assert save(client, "continuation", {"apply_continuation": "no"},
                report=report).status_code == 302
    page = client.get(f"{report}/side/continuation").get_data(as_text=True)
    assert "Bare kommuner som fikk tilskudd i 2021 kan søke." not in page


def test_the_stand_alone_form_is_csrf_protected(make_app, users, ny):
    from tests.conftest import sign_in_with_csrf

    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    sign_in_with_csrf(client, users["coordinator"])
    assert client.post(NY_2023, data={"go": "send", "version": "0",
                                      **NY_ANSWERS}).status_code == 400
    with strict.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
    token = csrf_token_in(client.get(NY_2023).get_data(as_text=True))
    assert client.post(NY_2023, data={"csrf_token": token, "go": "send", "version": "0",
                                      **NY_ANSWERS}).status_code == 303
    with strict.app_context():
        assert db.session.scalar(sa.select(Application.status)) == "submitted"
