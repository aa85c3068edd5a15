"""The raw responses: stable codes, safe text, and every questionnaire version of a round."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import openpyxl

from exports.responses import CHECKSUM_LABEL
from survey_app.questionnaires import DEFAULT_DIRECTORY
from tests.conftest import AuthActions
from tests.exports.helpers import HYPERLINK, submit
from tests.factories import make_coordinator, make_round

XLSX = "/eksport/lavterskel-psykisk-helse/2022/svar.xlsx"
CSV = "/eksport/lavterskel-psykisk-helse/2022/svar.csv"


def test_a_formula_typed_as_free_text_comes_out_as_text_in_xlsx_and_csv(
        app, client, auth, users):
    with app.app_context():
        make_round()
    auth.login(users["coordinator"])
    submit(client, services={"services_description": HYPERLINK})
    auth.logout()
    auth.login(users["auditor"])

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(XLSX).data))
    sheet = workbook["Svar"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("services_description") + 1)
    assert cell.data_type == "s" and cell.value == HYPERLINK  # exactly what was typed
    assert header.index("services_strengthened__more_staff") > header.index("sen")
    row = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert (row["kommunenummer"], row["innsending_nr"], row["questionnaire_version"]) == (
        "3405", 1, 1)
    assert (row["services_strengthened__more_staff"],
            row["services_strengthened__competence_building"]) == (1, 0)

    data = client.get(CSV).data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["services_description"] == "'" + HYPERLINK  # CSV's formula rule
    assert list(rows[0]) == header  # the same columns as the workbook's main sheet
    # The workbook states the SHA-256 of exactly these bytes (no groups: no other line).
    facts = dict(workbook["Metadata"].iter_rows(min_row=2, values_only=True))
    assert facts[CHECKSUM_LABEL] == hashlib.sha256(data).hexdigest()
    assert not [label for label in facts if label.startswith("SHA-256 (datarader, ")]


V1_ONLY, V2_ONLY = "respondent_role", "extra_comment"
EXTRA = """      - id: extra_comment
        type: text
        label:
          nb: Kommentar til økonomien
          nn: Kommentar til økonomien
          en: Comment on the finances
"""


def with_changed_version_2(tmp_path: Path) -> Path:
    """v2 drops `respondent_role` (the last question) and adds `extra_comment`."""
    directory = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_DIRECTORY, directory)
    text = (directory / "lavterskel-psykisk-helse.v1.yaml").read_text("utf-8")
    edited = text.replace("\nversion: 1\n", "\nversion: 2\n")
    edited = edited[:edited.index("      - id: respondent_role")]
    anchor = "      - id: unused_explanation\n"
    edited = edited.replace(anchor, EXTRA + anchor)
    (directory / "lavterskel-psykisk-helse.v2.yaml").write_text(edited, "utf-8")
    return directory


def test_a_round_whose_questionnaire_changed_mid_round_exports_both_versions_columns(
        app, users, make_app, tmp_path):
    with app.app_context():
        make_round(amounts={"3405": 1_234_567, "3403": 800_000})
    first = app.test_client()
    AuthActions(first).login(users["coordinator"])
    submit(first)  # 3405 on version 1

    updated = make_app(QUESTIONNAIRES_DIR=str(with_changed_version_2(tmp_path)))
    with updated.app_context():
        email = make_coordinator("3403", email="koord@hamar.kommune.no").email
    hamar = updated.test_client()
    AuthActions(hamar).login(email)
    submit(hamar, "3403", economy={"received": "800 000", "used_amount": "800 000",
                                   V2_ONLY: "Alt brukt."},
           declaration={V1_ONLY: ""})  # 3403 starts now, on version 2

    reviewer = updated.test_client()
    AuthActions(reviewer).login(users["reviewer_national"])
    workbook = openpyxl.load_workbook(io.BytesIO(reviewer.get(XLSX).data))
    sheet = workbook["Svar"]
    header = [c.value for c in sheet[1]]
    assert V1_ONLY in header and V2_ONLY in header
    assert header.index("unused") < header.index(V2_ONLY) < header.index("unused_explanation")
    rows = {r["kommunenummer"]: r for r in (
        {h: c.value for h, c in zip(header, row, strict=True)}
        for row in sheet.iter_rows(min_row=2))}
    assert rows["3405"]["questionnaire_version"] == 1
    assert rows["3405"][V1_ONLY] == "Kommunalsjef"
    assert rows["3405"][V2_ONLY] is None
    assert rows["3403"]["questionnaire_version"] == 2 and rows["3403"][V2_ONLY] == "Alt brukt."
    assert rows["3403"][V1_ONLY] is None
    codes = [row[0] for row in workbook["Koder"].iter_rows(min_row=2, values_only=True)]
    assert V1_ONLY in codes and V2_ONLY in codes
    facts = dict(workbook["Metadata"].iter_rows(min_row=2, values_only=True))
    assert facts["Spørreskjemaversjoner"] == "v1, v2"
