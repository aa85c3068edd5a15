"""Repeating groups in the raw responses: one CSV per group, and every data sheet's
checksum in the workbook's metadata equal to `sha256sum` of its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from exports.responses import CHECKSUM_LABEL, group_checksum_label
from survey_app.extensions import db
from survey_app.models import AuditEvent, Grant, Response, Submission
from tests.exports.helpers import HYPERLINK
from tests.factories import make_round

SCHEME = "kommunalt-rusarbeid-overgang"
KEY = f"{SCHEME}/2024"
BASE = f"/eksport/{KEY}"
GROUPS = ("positions", "continued_positions")  # the questionnaire's two repeating groups
POSITION_COLUMNS = ["kommunenummer", "referanse", "rad", "position_title", "fte_percent",
                    "salary_cost", "funded_from_year", "service_area"]

# Answers as the submit service stores them (amounts and percentages as decimal text).
ANSWERS: dict[str, dict[str, Any]] = {
    "3405": {
        "positions": [
            {"position_title": "Ruskonsulent", "fte_percent": "100",
             "salary_cost": "612345.50", "funded_from_year": 2019,
             "service_area": "outreach_teams"},
            {"position_title": HYPERLINK, "fte_percent": "50.5", "salary_cost": "0.10",
             "funded_from_year": 2021, "service_area": "peer_consultants"},
        ],
        "apply_continuation": True,
        "continued_positions": [{"position_title": "Ruskonsulent", "fte_percent": "100",
                                 "funded_from_year": 2019}],
    },
    "0301": {
        "positions": [{"position_title": "Erfaringskonsulent", "fte_percent": "60",
                       "salary_cost": "400000.00", "funded_from_year": 2020,
                       "service_area": "peer_consultants"}],
        "apply_continuation": False,
    },
}


@pytest.fixture
def grouped(app) -> None:
    """The 2024 transitional round with a report from 3405 Lillehammer (Innlandet; two
    positions, one to continue) and from 0301 Oslo (one position, no continuation)."""
    with app.app_context():
        make_round(KEY, amounts={"3405": 990_000, "0301": 660_000})
        for number, answers in ANSWERS.items():
            grant = db.session.scalar(sa.select(Grant)
                                      .where(Grant.municipality_number == number))
            response = Response(grant_id=grant.id, questionnaire_id=SCHEME,
                                questionnaire_version=1, content_hash="test", pages={},
                                status="submitted", started_by="test", updated_by="test")
            response.submissions.append(Submission(
                number=1, idempotency_key=f"{number}-1", reference=f"2024-{number}-T-1",
                questionnaire_id=SCHEME, questionnaire_version=1, content_hash="test",
                answers=answers, answers_hash="test", submitted_at=dt.datetime(2025, 1, 20, 9),
                submitted_by="test"))
            db.session.add(response)
        db.session.commit()


def get(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.data


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata(workbook: openpyxl.Workbook) -> dict[str, str]:
    return {row[0]: row[1] for row in workbook["Metadata"].iter_rows(values_only=True)}


def test_the_metadata_states_each_sheets_checksum_equal_to_sha256_of_its_csv(
        app, client, auth, users, grouped):
    auth.login(users["auditor"])
    data = get(client, f"{BASE}/svar.xlsx")
    facts = metadata(openpyxl.load_workbook(io.BytesIO(data)))
    main_csv = get(client, f"{BASE}/svar.csv")
    assert facts[CHECKSUM_LABEL] == sha256(main_csv)
    for code in GROUPS:
        assert facts[group_checksum_label(code, code)] == sha256(
            get(client, f"{BASE}/svar-{code}.csv")), code
    assert facts["Rader i gruppeark"] == "4"  # 3 positions, 1 to continue

    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent)
                                    .where(AuditEvent.action == "export.download")).all()
    [event] = [e for e in events if e.after["kind"] == "responses.xlsx"]
    assert event.after["sha256"] == sha256(data)
    assert event.after["data_sha256"] == facts[CHECKSUM_LABEL]
    assert event.after["group_sha256"] == {
        code: facts[group_checksum_label(code, code)] for code in GROUPS}


def test_a_groups_csv_has_its_sheets_columns_and_rows_with_safe_text(
        app, client, auth, users, grouped):
    auth.login(users["auditor"])
    sheet = openpyxl.load_workbook(io.BytesIO(get(client, f"{BASE}/svar.xlsx")))["positions"]
    rows = csv_rows(get(client, f"{BASE}/svar-positions.csv"))
    assert rows[0] == [c.value for c in sheet[1]] == POSITION_COLUMNS
    assert rows[1:] == [
        ["0301", "2024-0301-T-1", "1", "Erfaringskonsulent", "60", "400000,00", "2020",
         "peer_consultants"],
        ["3405", "2024-3405-T-1", "1", "Ruskonsulent", "100", "612345,50", "2019",
         "outreach_teams"],
        ["3405", "2024-3405-T-1", "2", "'" + HYPERLINK, "50,5", "0,10", "2021",
         "peer_consultants"],
    ]
    assert len(rows) == sheet.max_row  # the same rows as the sheet
    continued = csv_rows(get(client, f"{BASE}/svar-continued_positions.csv"))
    assert continued == [
        ["kommunenummer", "referanse", "rad", "position_title", "fte_percent",
         "funded_from_year"],
        ["3405", "2024-3405-T-1", "1", "Ruskonsulent", "100", "2019"]]
    # The main table keeps the groups' row counts only.
    main = {r[0]: r for r in csv_rows(get(client, f"{BASE}/svar.csv"))}
    header = main["kommunenummer"]
    assert main["3405"][header.index("positions")] == "2"
    assert main["0301"][header.index("continued_positions")] == ""


def test_the_command_line_writes_a_csv_per_group_beside_the_main_one(
        app, client, auth, users, grouped, runner, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    output = out / "svar.csv"
    result = runner.invoke(args=["export", "responses", KEY, "-o", str(output)])
    assert result.exit_code == 0, result.output
    written = {code: out / f"svar.{code}.csv" for code in GROUPS}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["svar.csv", *(p.name for p in written.values())])
    for path, rows in ((output, 2), (written["positions"], 3),
                       (written["continued_positions"], 1)):
        assert f"{path}: {rows} rows, SHA-256 {sha256(path.read_bytes())}" in result.output
    # The files are those the pages give, and what the workbook's metadata checks.
    auth.login(users["auditor"])
    assert written["positions"].read_bytes() == get(client, f"{BASE}/svar-positions.csv")
    xlsx = tmp_path / "svar.xlsx"
    assert runner.invoke(args=["export", "responses", KEY, "-o", str(xlsx)]).exit_code == 0
    facts = metadata(openpyxl.load_workbook(xlsx))
    assert facts[CHECKSUM_LABEL] == sha256(output.read_bytes())
    for code, path in written.items():
        assert facts[group_checksum_label(code, code)] == sha256(path.read_bytes())
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent)
                                    .where(AuditEvent.action == "export.write")).all()
    files = {e.after["file"]: e.after for e in events}
    assert files["svar.positions.csv"]["group"] == "positions"
    assert files["svar.positions.csv"]["sha256"] == sha256(written["positions"].read_bytes())


def test_an_auditor_downloads_a_groups_csv_and_the_audit_log_has_its_checksum(
        app, client, auth, users, grouped):
    auth.login(users["auditor"])
    response = client.get(f"{BASE}/svar-positions.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{SCHEME}-2024-svar.positions.csv"')
    assert response.headers["X-Content-SHA256"] == sha256(response.data)
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent)
                                  .where(AuditEvent.action == "export.download"))
    assert (event.actor, event.object_type, event.object_id) == (users["auditor"], "round",
                                                                 KEY)
    assert event.after == {
        "kind": "responses.csv", "group": "positions", "rows": 3,
        "file": f"{SCHEME}-2024-svar.positions.csv", "sha256": sha256(response.data),
        "data_sha256": sha256(response.data)}


def test_a_group_csv_is_404_for_a_coordinator_and_for_an_unknown_group(
        app, client, auth, users, grouped, lavterskel):
    auth.login(users["coordinator"])
    assert client.get(f"{BASE}/svar-positions.csv").status_code == 404
    auth.logout()
    auth.login(users["auditor"])
    for url in (f"{BASE}/svar-nonexistent.csv", f"{BASE}/svar-apply_continuation.csv",
                "/eksport/lavterskel-psykisk-helse/2022/svar-positions.csv"):
        assert client.get(url).status_code == 404, url
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                                 .where(AuditEvent.action == "export.download")) == 0


def test_an_office_reviewer_gets_only_the_offices_group_rows(client, auth, users, grouped):
    auth.login(users["reviewer_innlandet"])
    rows = csv_rows(get(client, f"{BASE}/svar-positions.csv"))
    assert {row[0] for row in rows[1:]} == {"3405"}


def test_the_export_page_offers_each_groups_csv_with_a_distinct_link_name(
        client, auth, users, grouped, lavterskel):
    auth.login(users["auditor"])
    page = get(client, "/eksport").decode("utf-8")
    links = re.findall(r'<a href="(/eksport/[^"]+)" download>(.*?)</a>', page)
    hrefs = [href for href, _ in links]
    for code in GROUPS:
        assert f"{BASE}/svar-{code}.csv" in hrefs
    assert not any("/lavterskel-psykisk-helse/2022/svar-" in href for href in hrefs)
    # Each link's accessible name (visible text and the visually hidden round) is unique.
    names = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip() for _, text in links]
    assert len(set(names)) == len(names) == len(hrefs)
    positions = names[hrefs.index(f"{BASE}/svar-positions.csv")]
    assert positions.startswith("Gjentatt gruppe positions: Stillinger som har fått "
                                "tilskudd i 2024 (CSV), ")
