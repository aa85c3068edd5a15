"""A scheme's own rules, as the calls for applications give them (seeds 001, 003, 004):
the 765.62 transitional scheme ends in 2024 and continues only existing positions of the
2021 recipients, at 330 000 kr per 100 % position in 2023–2024; the new design has no
rate ladder unless one is configured; and each scheme's authority signs its mail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from ruamel.yaml import YAML

from survey_app.extensions import db
from survey_app.models import AuditEvent, Grant, Mailbox, Round, User, UserMunicipality
from survey_app.services import grants, rounds
from survey_app.services.invitations import send_invitations, send_reminders
from survey_app.services.scheme_rules import SchemeRules, SchemeRulesError, parse_rules
from tests.factories import make_round
from tests.smtp import BASE_URL, smtp_server  # noqa: F401  (the fixture)

OVERGANG = "kommunalt-rusarbeid-overgang"
NY = "kommunalt-rusarbeid-ny"
SCHEMES_FILE = Path(__file__).resolve().parent.parent / "questionnaires" / "schemes" / \
    "schemes.yaml"
HEADER = "kommunenummer;title;percent;track_year\n"


def shipped_rules(slug: str) -> SchemeRules:
    entries = YAML(typ="safe").load(SCHEMES_FILE.read_text("utf-8"))
    entry = next(e for e in entries if e["slug"] == slug)
    return parse_rules(slug, entry.get("rules"))


def run(runner, *args: object):
    return runner.invoke(args=[str(a) for a in args])


def create(runner, key: str, *extra: str):
    return run(runner, "rounds", "create", key, "--opens", "2024-01-02",
               "--deadline", "2024-02-15", *extra)


def round_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Round.id)))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "positions.csv"
    path.write_text(HEADER + text, "utf-8")
    return path


# ---- the rules as configured (pure) ------------------------------------------------------


def test_the_transitional_scheme_has_rounds_2021_to_2024_and_none_after():
    rules = shipped_rules(OVERGANG)
    assert rules.year_refusal(2024) is None and rules.year_refusal(2021) is None
    refusal = rules.year_refusal(2025)
    assert refusal is not None and refusal.too_late
    assert refusal.text() == (f"Refused: {OVERGANG} has no round for 2025: its last round is "
                              "for 2024 (the scheme ends in 2024).")
    assert not rules.year_refusal(2020).too_late  # before its first round


def test_the_transitional_rates_are_330_000_a_position_in_2023_and_2024_and_the_ladder_in_2022():
    rules = shipped_rules(OVERGANG)
    assert rules.rates_for(2023) == rules.rates_for(2024) == {"any": 330_000}
    assert rules.rates_for(2022) == {"1": 660_000, "2": 550_000, "3": 440_000, "4": 330_000}
    assert rules.rates_for(2021) is None


def test_the_new_design_has_no_ladder_and_no_limits():
    rules = shipped_rules(NY)
    assert [rules.rates_for(year) for year in (2021, 2022, 2023, 2024)] == [None] * 4
    assert rules.year_refusal(2030) is None
    assert rules.position_refusal(2024, 1) is None


@pytest.mark.parametrize(("round_year", "track_year", "first_funded"), [
    (2022, 1, 2022), (2023, 1, 2023), (2024, 2, 2023), (2023, 2, 2022)])
def test_a_position_first_funded_after_2021_is_not_a_continuing_position(
        round_year, track_year, first_funded):
    refusal = shipped_rules(OVERGANG).position_refusal(round_year, track_year)
    assert refusal is not None and f"{first_funded}" in refusal
    assert "only continues existing positions (first funded in 2021 or before)" in refusal


@pytest.mark.parametrize(("round_year", "track_year"), [
    (2022, 2), (2022, 4), (2023, 3), (2024, 4), (2021, 1)])
def test_a_position_first_funded_in_2021_or_before_continues(round_year, track_year):
    assert shipped_rules(OVERGANG).position_refusal(round_year, track_year) is None


@pytest.mark.parametrize(("rules", "message"), [
    ({"last_year": "2024"}, "last_year must be a year"),
    ({"first_year": 2025, "last_year": 2024}, "first_year is after last_year"),
    ({"continuing_positions_only": True}, "needs recipients_of_year"),
    ({"position_rates": {2023: {"5": 1}}}, "'5' is not 1-4 or 'any'"),
    ({"position_rates": {2023: {"any": 330_000.5}}}, "is not whole kroner"),
    ({"position_rates": {2023: {"any": 1, "1": 2}}}, "give 'any' alone"),
    ({"last_year": 2024, "position_rates": {2025: {"any": 1}}}, "has no round for"),
    ({"end": 2024}, "unknown end"),
])
def test_a_mistake_in_the_rules_is_named(rules, message):
    with pytest.raises(SchemeRulesError, match=message):
        parse_rules("x", rules)


# ---- creating rounds -------------------------------------------------------------------


def test_a_transitional_round_for_2025_is_refused_with_the_reason_and_nothing_is_made(
        app, runner):
    result = create(runner, f"{OVERGANG}/2025")
    assert result.exit_code == 1
    assert result.output == (f"Error: Refused: {OVERGANG} has no round for 2025: its last "
                             "round is for 2024 (the scheme ends in 2024).\n")
    assert round_count(app) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "round.create")) == 0


def test_rounds_of_the_transitional_scheme_take_the_configured_rates(app, runner):
    for year in (2022, 2023, 2024):
        assert create(runner, f"{OVERGANG}/{year}").exit_code == 0
    with app.app_context():
        rates = dict(db.session.execute(sa.select(Round.year, Round.position_rates)).all())
    assert rates == {2022: {"1": 660_000, "2": 550_000, "3": 440_000, "4": 330_000},
                     2023: {"any": 330_000}, 2024: {"any": 330_000}}


def test_a_new_design_round_has_no_ladder_unless_given_one(app, runner, tmp_path):
    assert create(runner, f"{NY}/2024").exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(Round.position_rates)) is None
    result = run(runner, "grants", "positions", f"{NY}/2024",
                 write(tmp_path, "3405;Ruskonsulent;100;1\n"))
    assert result.exit_code == 1 and f"The round {NY}/2024 has no position rates" in result.output
    assert create(runner, f"{NY}/2023", "--rates", "1=500000,2=400000").exit_code == 0
    result = run(runner, "grants", "positions", f"{NY}/2023",
                 write(tmp_path, "3405;Ruskonsulent;100;2\n"))
    assert result.exit_code == 0, result.output
    assert "400000 kr in total" in result.output


@pytest.mark.parametrize(("language", "message"), [
    ("nb", "Ordningen avvikles med runden for 2024: det blir ingen runde for 2025."),
    ("nn", "Ordninga blir avvikla med runden for 2024: det blir ingen runde for 2025."),
    ("en", "The scheme ends with the round for 2024: there is no round for 2025."),
])
def test_the_admin_form_refuses_a_transitional_round_for_2025_in_the_readers_language(
        app, client, auth, users, language, message):
    auth.login(users["admin"])
    client.post(f"/sprak/{language}", data={"next": "/admin/runder"})
    response = client.post("/admin/runder", data={
        "scheme": OVERGANG, "year": "2025", "opens_on": "02.01.2025",
        "deadline": "01.02.2025", "grace_days": "14", "opt_out_deadline": "",
        "payment_date": "", "budget": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="year-error"' in page and message in page
    assert round_count(app) == 0


def test_the_admin_form_creates_a_2024_transitional_round_with_330_000_a_position(
        app, client, auth, users):
    auth.login(users["admin"])
    response = client.post("/admin/runder", data={
        "scheme": OVERGANG, "year": "2024", "opens_on": "02.01.2024",
        "deadline": "01.02.2024", "grace_days": "14", "opt_out_deadline": "",
        "payment_date": "", "budget": ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Round.position_rates)) == {"any": 330_000}


# ---- positions in a transitional round ----------------------------------------------------


def transitional_round(app, year: int) -> None:
    """The round, with 3405 Lillehammer and 3403 Hamar as 2021 recipients of 765.62."""
    with app.app_context():
        make_round(f"{NY}/2021", amounts={"3405": 660_000, "3403": 550_000})
        rounds.sync_schemes()
        grants.open_round(f"{OVERGANG}/{year}", rounds.RoundDates(
            opens_on=dt.date(year, 1, 2), deadline=dt.date(year, 2, 15)))


def grant_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Grant.id)))


def test_a_first_year_position_in_a_transitional_round_is_refused_by_line(app, runner,
                                                                          tmp_path):
    transitional_round(app, 2022)
    before = grant_count(app)
    path = write(tmp_path, "3405;Ruskonsulent;100;2\n3405;Ny stilling;100;1\n"
                           "3403;Erfaringskonsulent;50;1\n")
    result = run(runner, "grants", "positions", f"{OVERGANG}/2022", path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"positions.csv: line 3: track_year 1: a position in its first year is first funded "
        f"in 2022, and {OVERGANG} only continues existing positions (first funded in 2021 "
        "or before)",
        f"positions.csv: line 4: track_year 1: a position in its first year is first funded "
        f"in 2022, and {OVERGANG} only continues existing positions (first funded in 2021 "
        "or before)",
        "2 problem(s); nothing was imported."]
    assert grant_count(app) == before


def test_a_position_begun_in_2023_is_refused_in_2024(app, runner, tmp_path):
    transitional_round(app, 2024)
    result = run(runner, "grants", "positions", f"{OVERGANG}/2024",
                 write(tmp_path, "3405;Ruskonsulent;100;2\n"))
    assert result.exit_code == 1
    assert ("line 2: track_year 2: a position in year 2 of its track in 2024 was first "
            "funded in 2023") in result.output


def test_continuing_positions_of_2021_recipients_are_granted_by_the_years_rates(app, runner,
                                                                                tmp_path):
    transitional_round(app, 2022)
    path = write(tmp_path, "3405;Ruskonsulent;100;2\n3403;Erfaringskonsulent;50;3\n")
    result = run(runner, "grants", "positions", f"{OVERGANG}/2022", path)
    assert result.exit_code == 0, result.output
    lines = run(runner, "grants", "list", f"{OVERGANG}/2022").output.splitlines()
    assert lines == ["3403;Hamar;220000;allocated", "3405;Lillehammer;550000;allocated"]


# ---- who signs the mail -----------------------------------------------------------------

LILLEHAMMER_BOX = "postmottak@lillehammer.kommune.no"
KLEPP = "koordinator@klepp.kommune.no"


def office_round(app, key: str, amounts: dict[str, int], deadline: dt.date) -> None:
    with app.app_context():
        make_round(key, amounts=amounts, deadline=deadline)
        db.session.add(Mailbox(number="3405", email=LILLEHAMMER_BOX))
        db.session.add(User(email=KLEPP, role="coordinator",
                            municipalities=[UserMunicipality(number="1120")]))
        db.session.commit()


def body_to(inbox, address: str) -> str:
    [message] = inbox.to(address)
    return message.get_content().replace("\r\n", "\n")  # SMTP's line ends


def test_invitations_for_an_office_run_scheme_are_signed_by_the_municipalitys_office(
        app, make_app, smtp_server):  # noqa: F811
    office_round(app, f"{OVERGANG}/2024", {"3405": 330_000, "1120": 165_000},
                 dt.date(2025, 2, 1))
    mailing = make_app(**smtp_server.config())
    with mailing.app_context():
        summary = send_invitations(rounds.find_round(f"{OVERGANG}/2024"), BASE_URL,
                                   dt.datetime(2024, 12, 2, 8, 0))
    assert summary.line() == "sent 2, skipped 0, failed 0"
    lillehammer = body_to(smtp_server, LILLEHAMMER_BOX)
    assert lillehammer.rstrip().endswith(
        "Med hilsen\nStatsforvalteren i Innlandet\n\nDenne e-posten kan ikke besvares.")
    klepp = body_to(smtp_server, KLEPP)  # Klepp writes nynorsk: the office's nynorsk name
    assert "Med helsing\nStatsforvaltaren i Rogaland\n" in klepp
    assert "Helsedirektoratet" not in lillehammer + klepp


def test_reminders_for_an_office_run_scheme_are_signed_by_the_office_too(
        app, make_app, smtp_server):  # noqa: F811
    office_round(app, f"{OVERGANG}/2024", {"3405": 330_000, "1120": 165_000},
                 dt.date(2025, 2, 1))
    mailing = make_app(**smtp_server.config())
    with mailing.app_context():
        summary = send_reminders(rounds.find_round(f"{OVERGANG}/2024"), BASE_URL,
                                 dt.datetime(2025, 1, 22, 6, 0))
    assert summary.sent == 2
    assert "Med hilsen\nStatsforvalteren i Innlandet\n" in body_to(smtp_server, LILLEHAMMER_BOX)
    assert "Med helsing\nStatsforvaltaren i Rogaland\n" in body_to(smtp_server, KLEPP)


def test_a_national_schemes_invitation_is_signed_by_the_directorate(
        app, make_app, smtp_server):  # noqa: F811
    office_round(app, "lavterskel-psykisk-helse/2022", {"3405": 1_000_000},
                 dt.date(2023, 4, 1))
    mailing = make_app(**smtp_server.config())
    with mailing.app_context():
        send_invitations(rounds.find_round("lavterskel-psykisk-helse/2022"), BASE_URL,
                         dt.datetime(2023, 1, 9, 8, 0))
    body = body_to(smtp_server, LILLEHAMMER_BOX)
    assert "Med hilsen\nHelsedirektoratet\n" in body and "Statsforvalter" not in body


def test_the_office_signs_by_its_name_in_the_grant_year(app, make_app,
                                                        smtp_server):  # noqa: F811
    """Halden (3001) in 2022 is served by the office then called "Oslo og Viken"."""
    with app.app_context():
        make_round(f"{OVERGANG}/2022", amounts={"3001": 550_000})
        db.session.add(Mailbox(number="3001", email="postmottak@halden.kommune.no"))
        db.session.commit()
    mailing = make_app(**smtp_server.config())
    with mailing.app_context():
        send_invitations(rounds.find_round(f"{OVERGANG}/2022"), BASE_URL,
                         dt.datetime(2023, 1, 9, 8, 0))
    body = body_to(smtp_server, "postmottak@halden.kommune.no")
    assert "Med hilsen\nStatsforvalteren i Oslo og Viken\n" in body
