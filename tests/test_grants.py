"""Grant imports and grants per position: every bad line named, nothing half done."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Grant, GrantEvent, Position, Round
from survey_app.services import grants, rounds
from tests.factories import make_round

LAVTERSKEL = "lavterskel-psykisk-helse/2022"


def run(runner, *args: object):
    return runner.invoke(args=[str(a) for a in args])


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count(model.id)))
                     for model in (Grant, GrantEvent, AuditEvent))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_an_import_with_bad_rows_names_each_line_and_changes_nothing(app, runner, lavterskel,
                                                                     tmp_path):
    before = counts(app)
    path = write(tmp_path, "grants.csv", "\n".join([
        "kommunenummer;beløp",
        "3401;250 000",        # 2 fine
        "9999;100",            # 3 unknown
        "3401;100",            # 4 duplicate
        "3403;-5 000",         # 5 negative
        "3407;mange",          # 6 not a number
        "3411;1 234,50",       # 7 øre
        "3405;100 000",        # 8 already has a grant
        "12a4;100",            # 9 malformed
    ]) + "\n")
    result = run(runner, "grants", "import", lavterskel, path)
    assert result.exit_code == 1
    errors = result.output.splitlines()
    assert errors[0] == "grants.csv: line 3: unknown kommunenummer 9999"
    assert errors[1] == "grants.csv: line 4: duplicate of line 2 (kommunenummer 3401)"
    assert errors[2].startswith("grants.csv: line 5: amount '-5 000': ")
    assert "negative" in errors[2]
    assert errors[3].startswith("grants.csv: line 6: amount 'mange': ")
    assert errors[4] == ("grants.csv: line 7: amount '1 234,50' has øre: "
                         "grants are whole kroner")
    assert errors[5] == ("grants.csv: line 8: 3405 already has a grant in "
                         "lavterskel-psykisk-helse/2022 (1234567 kr)")
    assert errors[6] == "grants.csv: line 9: kommunenummer '12a4' must be four digits"
    assert errors[7] == "7 problem(s); nothing was imported."
    assert counts(app) == before


def test_the_norwegian_amount_formats_are_accepted(app, runner, lavterskel, tmp_path):
    path = write(tmp_path, "grants.csv", "\n".join([
        "kommunenummer;amount", "3401;1 234 567", "3403;1.234.567", "3407;kr 250 000",
        "3411;250 000,-", "3412;1 234 567,00", "4601;\u00a0100\u00a0000",
    ]) + "\n")
    result = run(runner, "grants", "import", lavterskel, path)
    assert result.output == ("6 grants imported into lavterskel-psykisk-helse/2022, "
                             "4303701 kr in total (the register of 1 January 2022).\n")
    lines = run(runner, "grants", "list", lavterskel).output.splitlines()
    assert "3401;Kongsvinger;1234567;allocated" in lines
    assert "3411;Ringsaker;250000;allocated" in lines
    assert "4601;Bergen;100000;allocated" in lines
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "grants.import"))
        # The round had grants made before keys were recorded: the list adds to no key.
        assert event.after == {"file": "grants.csv", "grants": 6, "total": 4303701,
                               "key": None}
        assert db.session.scalar(sa.select(sa.func.count(GrantEvent.id)).where(
            GrantEvent.reason == "imported")) == 6


def test_a_comma_separated_file_and_a_spreadsheet_are_read_too(app, runner, lavterskel,
                                                               tmp_path):
    from openpyxl import Workbook

    csv_path = write(tmp_path, "a.csv", 'kommunenummer,amount\n3401,"1 000"\n')
    assert run(runner, "grants", "import", lavterskel, csv_path).exit_code == 0
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Kommunenummer", "Beløp"])
    sheet.append([301 + 3102, 2000])  # 3403 typed as a number
    sheet.append(["0301", "500"])  # already has a grant
    buffer = io.BytesIO()
    workbook.save(buffer)
    (tmp_path / "b.xlsx").write_bytes(buffer.getvalue())
    result = run(runner, "grants", "import", lavterskel, tmp_path / "b.xlsx")
    assert result.exit_code == 1 and "b.xlsx: line 3: 0301 already has a grant" in result.output
    sheet.delete_rows(3)
    workbook.save(tmp_path / "b.xlsx")
    assert run(runner, "grants", "import", lavterskel, tmp_path / "b.xlsx").exit_code == 0
    assert "3403;Hamar;2000;allocated" in run(runner, "grants", "list", lavterskel).output


def test_a_header_without_the_amount_column_is_refused(runner, lavterskel, tmp_path):
    path = write(tmp_path, "grants.csv", "kommunenummer;sum\n3401;1\n")
    result = run(runner, "grants", "import", lavterskel, path)
    assert result.exit_code == 1
    assert "line 1: the header lacks amount" in result.output


# ---- per position (765.62) -------------------------------------------------------------


# Seed 001's ladder, given as a round's rates: the new design has none by default.
LADDER = {"1": 660_000, "2": 550_000, "3": 440_000, "4": 330_000}


def make_rusarbeid_round(key: str, rates: dict[str, int] | None = None) -> Round:
    rounds.sync_schemes()
    return grants.open_round(key, rounds.RoundDates(opens_on=dt.date(2024, 1, 1),
                                                    deadline=dt.date(2024, 2, 1)), rates=rates)


def test_positions_of_100_and_50_percent_in_year_two_give_825_000(app, runner, tmp_path):
    with app.app_context():
        make_rusarbeid_round("kommunalt-rusarbeid-ny/2022", rates=LADDER)
    path = write(tmp_path, "positions.csv",
                 "kommunenummer;title;percent;track_year\n"
                 "3405;Ruskonsulent;100;2\n3405;Erfaringskonsulent;50 %;2\n")
    result = run(runner, "grants", "positions", "kommunalt-rusarbeid-ny/2022", path)
    assert result.output.startswith("1 grants from positions imported into "
                                    "kommunalt-rusarbeid-ny/2022, 825000 kr in total")
    with app.app_context():
        positions = db.session.scalars(sa.select(Position).order_by(Position.id)).all()
        assert [(p.title, p.percent, p.track_year, p.amount) for p in positions] == [
            ("Ruskonsulent", 100, 2, 550_000), ("Erfaringskonsulent", 50, 2, 275_000)]


def test_the_transitional_scheme_pays_330_000_a_position_from_2023(app, runner, tmp_path):
    with app.app_context():
        make_round("kommunalt-rusarbeid-ny/2021", amounts={"3405": 660_000})
        make_rusarbeid_round("kommunalt-rusarbeid-overgang/2024")
    path = write(tmp_path, "positions.csv",
                 "kommunenummer;title;percent;track_year\n3405;Ruskonsulent;80;4\n")
    result = run(runner, "grants", "positions", "kommunalt-rusarbeid-overgang/2024", path)
    assert result.exit_code == 0, result.output
    assert "3405;Lillehammer;264000;allocated" in run(
        runner, "grants", "list", "kommunalt-rusarbeid-overgang/2024").output


def test_a_municipality_without_a_2021_grant_is_refused_the_transitional_scheme(app, runner,
                                                                                tmp_path):
    with app.app_context():
        make_round("kommunalt-rusarbeid-ny/2021", amounts={"3405": 660_000})
        make_rusarbeid_round("kommunalt-rusarbeid-overgang/2024")
    before = counts(app)
    path = write(tmp_path, "positions.csv", "kommunenummer;title;percent;track_year\n"
                 "3405;Ruskonsulent;100;4\n3403;Ruskonsulent;100;1\n3403;Annen;150;9\n")
    result = run(runner, "grants", "positions", "kommunalt-rusarbeid-overgang/2024", path)
    assert result.exit_code == 1
    assert ("positions.csv: line 3: 3403 may not apply: it had no 765.62 grant in 2021, and "
            "kommunalt-rusarbeid-overgang is only for the municipalities that had one in "
            "2021") in result.output
    assert "line 4: 3403 may not apply" in result.output
    assert "line 2" not in result.output
    assert counts(app) == before


def test_bad_positions_are_named_by_line(app, runner, tmp_path):
    with app.app_context():
        make_rusarbeid_round("kommunalt-rusarbeid-ny/2022", rates=LADDER)
    path = write(tmp_path, "positions.csv", "kommunenummer;title;percent;track_year\n"
                 "3405;A;120;1\n3405;B;50,5;1\n3405;C;50;5\n3405;D;;1\n")
    result = run(runner, "grants", "positions", "kommunalt-rusarbeid-ny/2022", path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("positions.csv: line 2: percent '120': ")
    assert lines[1].startswith("positions.csv: line 3: percent '50,5' must be a whole percent")
    assert lines[2] == "positions.csv: line 4: track_year 5 must be 1, 2, 3 or 4"
    assert lines[3].startswith("positions.csv: line 5: percent '' must be a whole percent")


def test_a_round_without_rates_cannot_take_positions(app, runner, lavterskel, tmp_path):
    path = write(tmp_path, "p.csv", "kommunenummer;title;percent;track_year\n3401;A;100;1\n")
    result = run(runner, "grants", "positions", lavterskel, path)
    assert result.exit_code == 1 and "has no position rates" in result.output


def test_rates_given_on_the_command_line_are_stored(app, runner):
    result = run(runner, "rounds", "create", "kommunalt-rusarbeid-overgang/2023",
                 "--opens", "2023-01-01", "--deadline", "2023-02-15", "--rates", "any=330 000")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Round.position_rates)) == {"any": 330_000}
