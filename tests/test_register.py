"""The municipality register: both shipped numberings, imports, and the register by year
(never another year's numbering in its place)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Municipality
from survey_app.offices import office_name
from survey_app.services import register
from survey_app.services.register import loaded_years, municipalities_for_year

HEADER = "kommunenummer;navn;fylke;gyldig_fra;gyldig_til\n"
REFORM = dt.date(2024, 1, 1)


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Municipality.id)))


@pytest.fixture
def only_2024(ctx) -> None:
    """The database as it was before the 2020–2023 numbering shipped: 2024's only."""
    db.session.execute(sa.delete(Municipality).where(Municipality.valid_to == REFORM))
    db.session.commit()


def test_shipped_register_has_357_municipalities_with_offices_from_2024(ctx):
    selection = municipalities_for_year(2024)
    assert selection.found and len(selection.municipalities) == 357
    by_number = {m.number: m for m in selection.municipalities}
    assert by_number["1508"].name == "Ålesund" and by_number["1580"].name == "Haram"
    assert by_number["3405"].office == "innlandet"
    assert by_number["0301"].office == "oslo-og-viken"
    assert by_number["3301"].office == "oslo-og-viken"  # Drammen, Buskerud
    assert by_number["5601"].office == "troms-og-finnmark"  # Alta, Finnmark
    assert by_number["5025"].name_other == "Rosse"  # the official Sámi form of Røros
    assert by_number["1577"].written_standard == "nn"  # Volda
    assert {m.office for m in selection.municipalities} == {
        "agder", "innlandet", "more-og-romsdal", "nordland", "oslo-og-viken", "rogaland",
        "troms-og-finnmark", "trondelag", "vestfold-og-telemark", "vestland"}
    assert len({m.county_number for m in selection.municipalities}) == 15
    assert sum(m.population for m in selection.municipalities) == 5_550_203


def test_shipped_register_has_the_356_municipalities_of_2020_to_2023(ctx):
    for year in (2020, 2022, 2023):
        assert len(municipalities_for_year(year).municipalities) == 356
    by_number = {m.number: m for m in municipalities_for_year(2022).municipalities}
    halden, alesund = by_number["3001"], by_number["1507"]
    assert (halden.name, halden.county_name, halden.office) == ("Halden", "Viken",
                                                              "oslo-og-viken")
    assert alesund.name == "Ålesund" and "1580" not in by_number and "1508" not in by_number
    assert by_number["5401"].name == "Tromsø" and by_number["5401"].county_name == (
        "Troms og Finnmark")
    assert by_number["1103"].county_name == "Rogaland"  # the source's "Rogland", corrected
    assert by_number["1515"].name == "Herøy"  # the source's "Herøy (M. og R.)"
    assert by_number["5412"].name_other == "Dielddanuorri"
    assert len({m.county_number for m in by_number.values()}) == 11
    assert sum(m.population for m in by_number.values()) == 5_391_008
    # Each entry has its validity period: the last day of 2023 is in, 2024 is out.
    assert halden.valid_on(dt.date(2023, 12, 31)) and not halden.valid_on(REFORM)


def test_the_written_standard_is_the_one_of_each_numbering(ctx):
    # Bjerkreim: neutral in the 2020–2023 data, nynorsk in 2024's; Tysvær the other way.
    assert register.entry_for("1114", 2022).written_standard == "neutral"
    assert register.entry_for("1114", 2024).written_standard == "nn"
    assert register.entry_for("1146", 2022).written_standard == "nn"
    assert register.entry_for("1146", 2024).written_standard == "neutral"
    assert register.entry_for("1580", 2022) is None and register.entry_for("3001", 2024) is None


def test_cli_lists_356_lines_for_2022_with_2022_numbers_counties_and_offices(runner):
    result = runner.invoke(args=["municipalities", "list", "--year", "2022"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 356
    assert "3001 Halden; Viken; Statsforvalteren i Oslo og Viken" in lines
    assert "1507 Ålesund; Møre og Romsdal; Statsforvalteren i Møre og Romsdal" in lines
    assert "5401 Tromsø; Troms og Finnmark; Statsforvalteren i Troms og Finnmark" in lines
    assert not any(line.startswith(("1580 ", "1508 ", "3101 ")) for line in lines)


def test_cli_lists_357_lines_for_2024(runner):
    result = runner.invoke(args=["municipalities", "list", "--year", "2024"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 357
    assert any(line.startswith("1508 Ålesund;") for line in lines)
    assert any(line.startswith("1580 Haram;") for line in lines)
    assert "3405 Lillehammer; Innlandet; Statsforvalteren i Innlandet" in lines
    assert ("3101 Halden; Østfold; Statsforvalteren i Østfold, Buskerud, Oslo og Akershus"
            in lines)
    assert not any(line.startswith(("3001 ", "1507 ")) for line in lines)


def test_a_year_without_a_register_is_refused_with_the_reason(runner):
    result = runner.invoke(args=["municipalities", "list", "--year", "2019"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: No municipality register is valid on 1 January 2019 (the register covers "
        "2020–2023, 2024–). Import that year's numbering with "
        "`flask --app wsgi municipalities import FILE`.\n")


def test_no_year_falls_back_to_another_numbering(only_2024, runner):
    selection = municipalities_for_year(2022)
    assert selection.municipalities == [] and selection.loaded == "2024–"
    result = runner.invoke(args=["municipalities", "list", "--year", "2022"])
    assert result.exit_code == 1
    assert "No municipality register is valid on 1 January 2022" in result.output


def test_the_correspondence_2023_to_2024_is_printed(runner):
    result = runner.invoke(args=["municipalities", "changes", "2023", "2024"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "3001 Halden -> 3101 Halden (2024-01-01)" in lines
    assert "5401 Tromsø -> 5501 Tromsø (2024-01-01)" in lines
    assert "1507 Ålesund -> 1508 Ålesund (2024-01-01)" in lines
    assert "1507 Ålesund -> 1580 Haram (2024-01-01)" in lines
    assert "0301 Oslo" not in result.output  # unchanged numbers are not listed
    assert lines[-1] == ("114 numbers changed from 2023 to 2024; every other number is the "
                         "same in both.")


def test_the_correspondence_covers_both_numberings_exactly(ctx):
    old = {m.number for m in municipalities_for_year(2023).municipalities}
    new = {m.number for m in municipalities_for_year(2024).municipalities}
    changes = register.changes_between(2023, 2024)
    changed = {c.old_number for c in changes}
    assert changed <= old and {c.new_number for c in changes} <= new
    # Every 2024 municipality is an unchanged 2023 number or the successor of a changed one.
    assert (old - changed) | {c.new_number for c in changes} == new
    assert register.earlier_numbers("5501") == {"5501", "5401"}
    assert register.earlier_numbers("1580") == {"1580", "1507"}
    assert register.related_numbers("1507") == {"1508", "1580"}


@pytest.mark.parametrize(("years", "reason"), [
    (("2024", "2023"), "2023 must be later than 2024."),
    (("2019", "2024"), "No municipality register is valid on 1 January 2019"),
])
def test_a_correspondence_between_impossible_years_is_refused(runner, years, reason):
    result = runner.invoke(args=["municipalities", "changes", *years])
    assert result.exit_code == 1 and reason in result.output


def test_office_names_as_they_were_that_year_and_in_nynorsk():
    assert office_name("oslo-og-viken", 2023) == "Statsforvalteren i Oslo og Viken"
    assert office_name("oslo-og-viken", 2024) == (
        "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus")
    assert office_name("oslo-og-viken", 2022, "nn") == "Statsforvaltaren i Oslo og Viken"
    assert office_name("vestland", 2022, "nn") == "Statsforvaltaren i Vestland"
    assert office_name("more-og-romsdal", None, "nb") == "Statsforvalteren i Møre og Romsdal"
    assert office_name(None, 2022) == "Helsedirektoratet"


def test_import_of_the_2020_2023_numbering_makes_2023_listable(only_2024, runner,
                                                                tmp_path: Path):
    rows = [
        "3001;Halden;30;2020-01-01;2024-01-01",
        "1507;Ålesund;Møre og Romsdal;01.01.2020;01.01.2024",
        "3405;Lillehammer;34;2020-01-01;2024-01-01",
    ]
    path = tmp_path / "kommuner-2020.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(args=["municipalities", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 municipalities added" in result.output
    listed = runner.invoke(args=["municipalities", "list", "--year", "2023"]).output.splitlines()
    assert listed == [
        "1507 Ålesund; Møre og Romsdal; Statsforvalteren i Møre og Romsdal",
        "3001 Halden; Viken; Statsforvalteren i Oslo og Viken",
        "3405 Lillehammer; Innlandet; Statsforvalteren i Innlandet",
    ]
    halden = db.session.scalar(sa.select(Municipality).where(Municipality.number == "3001"))
    assert halden.written_standard == "nb"  # taken from Halden's 2024 entry (3101)
    assert halden.valid_on(dt.date(2023, 12, 31)) and not halden.valid_on(REFORM)
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "register.import", AuditEvent.object_id == str(path)))


def test_bad_import_names_every_line_and_reason_and_imports_nothing(only_2024, runner,
                                                                    tmp_path):
    rows = [
        "3001;Halden;30;2020-01-01;2024-01-01",   # line 2: fine
        "301;Oslo;03;2020-01-01;2024-01-01",      # line 3: malformed
        "9901;Atlantis;99;2020-01-01;",           # line 4: unknown county
        "3002;Moss;34;2020-01-01;2024-01-01",     # line 5: number not in that county
        "3003;Sarpsborg;30;2020-13-01;",          # line 6: bad date
        "3001;Halden;30;2020-01-01;2024-01-01",   # line 7: duplicate of line 2
        "0301;Oslo;03;2020-01-01;",               # line 8: overlaps the 2024 entry
        "3004;Fredrikstad;30;2022-01-01;2021-01-01",  # line 9: ends before it starts
        "12ab;;30;2020-01-01;",                   # line 10: malformed and no name
    ]
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    before = count()
    result = runner.invoke(args=["municipalities", "import", str(path)])
    assert result.exit_code == 1
    out = result.output
    assert "line 3: kommunenummer '301' is malformed" in out
    assert "line 4: fylke '99' is not a known county" in out
    assert "line 5: kommunenummer 3002 does not belong to fylke 34 Innlandet" in out
    assert "line 6: gyldig_fra '2020-13-01' is not a date" in out
    assert "line 7: duplicate of line 2" in out
    assert "line 8: 0301 Oslo overlaps the registered 0301 Oslo valid from 2024-01-01" in out
    assert "line 9: gyldig_til must be later than gyldig_fra" in out
    assert "line 10: kommunenummer '12ab' is malformed" in out
    assert "line 10: navn is empty" in out
    assert "line 2:" not in out
    assert "nothing was imported" in out
    assert count() == before


def test_import_with_a_wrong_header_says_which_columns_are_missing(ctx, runner, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("code;name\n0301;Oslo\n", encoding="utf-8")
    result = runner.invoke(args=["municipalities", "import", str(path)])
    assert result.exit_code == 1
    assert "line 1: the header lacks kommunenummer, navn, fylke, gyldig_fra, gyldig_til" in (
        result.output)


def test_import_reads_windows_1252_files(only_2024, runner, tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes((HEADER + "1507;Ålesund;15;2020-01-01;2024-01-01\n").encode("cp1252"))
    result = runner.invoke(args=["municipalities", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Municipality.name).where(Municipality.number == "1507")) \
        == "Ålesund"


def test_importing_the_shipped_register_loads_both_numberings_and_again_changes_nothing(
        only_2024, runner):
    first = runner.invoke(args=["municipalities", "import"])
    assert first.exit_code == 0, first.output
    assert "356 municipalities added, 357 unchanged" in first.output
    assert count() == 713
    again = runner.invoke(args=["municipalities", "import"])
    assert "0 municipalities added, 713 unchanged" in again.output
    assert count() == 713


def test_loaded_years_and_their_description():
    periods = [(dt.date(2020, 1, 1), REFORM), (REFORM, None)]
    assert loaded_years(periods, around=2026) == [2020, 2021, 2022, 2023, 2024, 2025, 2026]
    assert register.describe_periods(periods) == "2020–2023, 2024–"
    assert register.describe_periods([]) == ""


def test_the_register_page_refuses_a_year_without_a_register(client, users):
    client.post("/logg-inn", data={"email": users["reviewer_national"],
                                   "password": "correct horse battery"})
    page = client.get("/register?year=2019").get_data(as_text=True)
    assert "1. januar 2019" in page and "2020–2023, 2024–" in page
    assert "<table" not in page
    page = client.get("/register?year=2022").get_data(as_text=True)
    assert "356 kommuner" in page and "Statsforvalteren i Oslo og Viken" in page
    assert "<td>3001</td>" in page and "<td>1580</td>" not in page
