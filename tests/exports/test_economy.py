"""The economy report, as an auditor downloads it and opens it in openpyxl and pandas."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from exports.csv import checksum
from exports.economy import ECONOMY_COLUMNS
from exports.xlsx import OSLO
from survey_app.extensions import db
from survey_app.models import AuditEvent, Claim, Flag, Grant, Submission
from tests.exports.helpers import submit
from tests.factories import make_round

URL = "/eksport/lavterskel-psykisk-helse/2022/okonomi.xlsx"
SUBMITTED = dt.datetime(2023, 3, 1, 9)  # UTC
EXPORT_URLS = ["/eksport", URL, "/eksport/lavterskel-psykisk-helse/2022/svar.xlsx",
               "/eksport/lavterskel-psykisk-helse/2022/svar.csv"]


@pytest.fixture
def reported(app, client, auth, users):
    """3405 reports 1 000 000 kr used of 1 234 567 (the rules flag the unused 234 567 kr),
    submitted at 2023-03-01 09:00:00 UTC, and has a claim; 0301 (5 000 000 kr) never
    reports."""
    with app.app_context():
        make_round()
    auth.login(users["coordinator"])
    submit(client, economy={"used_amount": "1 000 000", "unused_explanation": "Sen start."},
           services={"services_description": "Lengre åpningstid."})
    auth.logout()
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        # A fixed time, so the Norwegian time the sheet shows is known (10:00 in winter).
        db.session.execute(sa.update(Submission).values(submitted_at=SUBMITTED))
        db.session.add(Claim(grant_id=grant.id, reference="K-1", amount_ore=10_000_050,
                             reason="ubrukt", flag_ids=[], due_date=dt.date(2023, 6, 1),
                             language="nb", created_by="rev@helsedir.no"))
        db.session.commit()


def download(client, auth, user: str, url: str = URL) -> bytes:
    auth.login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.data


def test_the_totals_are_live_formulas_over_the_rows_and_equal_the_rounds_total(
        app, client, auth, users, reported):
    data = download(client, auth, users["auditor"])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Økonomi"]
    assert [c.value for c in sheet[1]][:5] == ["Kommunenummer", "Kommune", "Fylke", "Embete",
                                               "Tildelt"]
    assert sheet.max_row == 4  # header, two municipalities, totals
    totals = {c.column_letter: c.value for c in sheet[4]}
    assert totals["A"] == "Sum"
    for letter in "EFHIJKLM":  # the money columns; G is the day paid out
        assert totals[letter] == f"=SUM({letter}2:{letter}3)"
    assert totals["G"] is None
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:O3"
    assert sheet["E2"].number_format == '#,##0 "kr"'

    frame = pd.read_excel(io.BytesIO(data), sheet_name="Økonomi", dtype={"Kommunenummer": str})
    rows, total = frame.iloc[:-1], frame.iloc[-1]
    with app.app_context():
        granted = db.session.scalar(sa.select(sa.func.sum(Grant.amount)))
        proposed_ore = db.session.scalar(sa.select(sa.func.sum(Flag.amount_ore))
                                         .where(Flag.status.in_(("open", "claimed"))))
    assert rows["Tildelt"].sum() == granted == 6_234_567
    assert total["Tildelt"] == granted  # the formula's value as stored with it
    assert total["Rapportert brukt"] == 1_000_000 and total["Ubrukt"] == 234_567
    assert proposed_ore == 23_456_700  # the unused-funds rule's proposal
    assert total["Foreslått tilbakebetaling"] == 234_567
    assert total["Krevd tilbakebetaling"] == pytest.approx(100_000.50)


def test_unused_money_moved_to_2023_is_proposed_once_not_twice(app, client, auth, users):
    # seed 000: "Midlene kan ikke overføres til 2023": the 234 567 kr moved are the unused
    # 234 567 kr, so two rules flag the same kroner; the column counts them once
    with app.app_context():
        make_round()
    auth.login(users["coordinator"])
    submit(client, economy={"used_amount": "1 000 000", "unused_explanation": "Til 2023."},
           conditions={"used_for_mapping": "no", "transferred_to_next_year": "yes",
                       "transferred_amount": "234 567"})
    auth.logout()
    with app.app_context():
        flagged = sorted(db.session.execute(sa.select(Flag.rule_id, Flag.amount_ore)).all())
    assert flagged == [("contrary-to-conditions-transfer", 23_456_700),
                       ("unused-funds", 23_456_700)]
    data = download(client, auth, users["auditor"])
    frame = pd.read_excel(io.BytesIO(data), sheet_name="Økonomi", dtype={"Kommunenummer": str})
    lillehammer = frame[frame["Kommunenummer"] == "3405"].iloc[0]
    assert lillehammer["Ubrukt"] == 234_567
    assert lillehammer["Foreslått tilbakebetaling"] == 234_567


def test_municipalities_that_never_reported_are_in_the_report(app, client, auth, users,
                                                               reported):
    data = download(client, auth, users["auditor"])
    frame = pd.read_excel(io.BytesIO(data), sheet_name="Økonomi", dtype={"Kommunenummer": str})
    oslo = frame[frame["Kommunenummer"] == "0301"].iloc[0]
    assert oslo["Tildelt"] == 5_000_000
    assert pd.isna(oslo["Rapportert brukt"]) and pd.isna(oslo["Sist innsendt"])
    assert oslo["Saksstatus"] == "Ikke invitert"


def _as_given(kind: str, value):
    """A cell's value as the service gave it: money exact, times back from Norwegian
    time (the cell's) to naive UTC (the rows' and the CSV's)."""
    if value is None:
        return None
    if kind == "nok":
        return Decimal(str(value))
    if kind == "datetime":
        return value.replace(tzinfo=OSLO).astimezone(dt.UTC).replace(tzinfo=None)
    if kind == "date":  # openpyxl reads a date cell as a datetime at midnight
        return value.date()
    return value


def _sheet_rows(sheet) -> list[tuple]:
    """The data rows read back, as the exact values the service gave."""
    return [tuple(_as_given(column.kind, v) for column, v in zip(ECONOMY_COLUMNS, values,
                                                                  strict=True))
            for values in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1,
                                          values_only=True)]


def test_the_submission_time_is_a_date_cell_in_norwegian_time(app, client, auth, users,
                                                              reported):
    data = download(client, auth, users["auditor"])
    cell = openpyxl.load_workbook(io.BytesIO(data))["Økonomi"]["O3"]  # 3405, after 0301
    assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm:ss"
    assert cell.value == dt.datetime(2023, 3, 1, 10)  # 09:00 UTC is 10:00 in Norway
    frame = pd.read_excel(io.BytesIO(data), sheet_name="Økonomi", dtype={"Kommunenummer": str})
    assert frame["Sist innsendt"].iloc[1] == pd.Timestamp("2023-03-01 10:00:00")


def test_the_metadata_checksum_matches_the_rows_and_the_csv_export(
        app, client, auth, users, reported, runner, tmp_path):
    data = download(client, auth, users["auditor"])
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    facts = {row[0]: row[1] for row in workbook["Metadata"].iter_rows(values_only=True)}
    stated = facts["SHA-256 (datarader)"]
    assert checksum(ECONOMY_COLUMNS, _sheet_rows(workbook["Økonomi"])) == stated
    assert facts["Runde"] == "lavterskel-psykisk-helse/2022"
    assert facts["Spørreskjemaversjoner"] == "v1"
    assert facts["Generert av"] == users["auditor"]
    # The same rows as CSV from the command line: its bytes are what was hashed.
    output = tmp_path / "okonomi.csv"
    result = runner.invoke(args=["export", "economy", "lavterskel-psykisk-helse/2022",
                                 "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(output.read_bytes()).hexdigest() == stated
    assert f"2 rows, SHA-256 {stated}" in result.output


def test_an_auditor_downloads_and_the_audit_log_shows_who_what_and_the_checksum(
        app, client, auth, users, reported):
    data = download(client, auth, users["auditor"])
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent)
                                  .where(AuditEvent.action == "export.download"))
        assert (event.actor, event.object_type, event.object_id) == (
            users["auditor"], "round", "lavterskel-psykisk-helse/2022")
        assert event.after["kind"] == "economy.xlsx" and event.after["rows"] == 2
        assert event.after["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_coordinator_gets_404_on_every_export_url(app, client, auth, users, reported):
    auth.login(users["coordinator"])
    for url in EXPORT_URLS:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(("role", "numbers", "selection"), [
    ("reviewer_innlandet", ["3405"], "Kommuner i Statsforvalteren i Innlandet"),
    ("auditor_innlandet", ["3405"], "Kommuner i Statsforvalteren i Innlandet"),
    ("auditor", ["0301", "3405"], "Alle kommuner"),
])
def test_an_office_reviewer_or_auditor_gets_only_the_offices_municipalities(
        app, client, auth, users, reported, role, numbers, selection):
    data = download(client, auth, users[role])
    frame = pd.read_excel(io.BytesIO(data), sheet_name="Økonomi", dtype={"Kommunenummer": str})
    assert sorted(frame["Kommunenummer"][:-1]) == numbers
    assert list(frame["Kommunenummer"])[-1] == "Sum"
    facts = dict(openpyxl.load_workbook(io.BytesIO(data))["Metadata"].iter_rows(
        min_col=1, max_col=2, values_only=True))
    assert facts["Utvalg"] == selection


def test_identical_data_gives_identical_bytes(app, reported, runner, tmp_path):
    outputs = []
    for name in ("a.xlsx", "b.xlsx"):
        result = runner.invoke(args=["export", "economy", "lavterskel-psykisk-helse/2022",
                                     "-o", str(tmp_path / name), "--at", "2024-05-01T12:00:00"])
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
