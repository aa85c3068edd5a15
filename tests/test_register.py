"""The municipality register: the shipped 2024 numbering, imports and year selection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Municipality
from survey_app.services.register import loaded_years, municipalities_for_year, nearest_year

HEADER = "kommunenummer;navn;fylke;gyldig_fra;gyldig_til\n"


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Municipality.id)))


def test_shipped_register_has_357_municipalities_with_offices(ctx):
    selection = municipalities_for_year(2024)
    assert selection.exact and len(selection.municipalities) == 357
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
    assert sum(m.population for m in selection.municipalities) == 5_550_203


def test_cli_lists_357_lines_for_2024(runner):
    result = runner.invoke(args=["municipalities", "list", "--year", "2024"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 357
    assert any(line.startswith("1508 Ålesund;") for line in lines)
    assert any(line.startswith("1580 Haram;") for line in lines)
    assert "3405 Lillehammer; Innlandet; Statsforvalteren i Innlandet" in lines


def test_cli_says_plainly_when_no_register_is_loaded_for_a_year(runner):
    result = runner.invoke(args=["municipalities", "list", "--year", "2023"])
    assert result.exit_code == 1
    assert "No municipality register is loaded for 2023" in result.output
    assert "municipalities import" in result.output


def test_import_of_the_2020_2023_numbering_makes_2023_listable(ctx, runner, tmp_path: Path):
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
    assert halden.valid_on(dt.date(2023, 12, 31)) and not halden.valid_on(dt.date(2024, 1, 1))
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "register.import", AuditEvent.object_id == str(path)))


def test_bad_import_names_every_line_and_reason_and_imports_nothing(ctx, runner, tmp_path):
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


def test_import_reads_windows_1252_files(ctx, runner, tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes((HEADER + "1507;Ålesund;15;2020-01-01;2024-01-01\n").encode("cp1252"))
    result = runner.invoke(args=["municipalities", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Municipality.name).where(Municipality.number == "1507")) \
        == "Ålesund"


def test_reimporting_the_shipped_register_changes_nothing(ctx, runner):
    before = count()
    result = runner.invoke(args=["municipalities", "import"])
    assert result.exit_code == 0
    assert "0 municipalities added, 357 unchanged" in result.output
    assert count() == before


def test_a_year_without_its_numbering_uses_the_nearest_loaded_one(ctx):
    selection = municipalities_for_year(2022)
    assert selection.used_year == 2024 and not selection.exact
    assert len(selection.municipalities) == 357
    assert municipalities_for_year(2022, exact=True).municipalities == []


def test_nearest_year_prefers_the_newer_numbering_on_a_tie():
    assert nearest_year(2022, [2020, 2021, 2024]) == 2021
    assert nearest_year(2019, [2020, 2024]) == 2020
    assert nearest_year(2022, [2020, 2024]) == 2024
    assert nearest_year(2022, []) is None
    periods = [(dt.date(2020, 1, 1), dt.date(2024, 1, 1)), (dt.date(2024, 1, 1), None)]
    assert loaded_years(periods, around=2026) == [2020, 2021, 2022, 2023, 2024, 2025, 2026]
