"""An edited questionnaire is a new version: started reports keep theirs, new ones get it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Submission
from survey_app.questionnaires import DEFAULT_DIRECTORY
from tests.conftest import AuthActions
from tests.factories import make_coordinator, make_round
from tests.report.test_flow import PAGES, save

V1_LABEL = "Hvor mye av tilskuddet ble brukt i 2022?"
V2_LABEL = "Hvor mye av tilskuddet ble faktisk brukt i 2022?"


def with_version_2(tmp_path: Path) -> Path:
    shutil.copytree(DEFAULT_DIRECTORY, tmp_path / "questionnaires")
    directory = tmp_path / "questionnaires"
    text = (directory / "lavterskel-psykisk-helse.v1.yaml").read_text("utf-8")
    assert V1_LABEL in text and "\nversion: 1\n" in text
    edited = text.replace("\nversion: 1\n", "\nversion: 2\n").replace(V1_LABEL, V2_LABEL)
    (directory / "lavterskel-psykisk-helse.v2.yaml").write_text(edited, "utf-8")
    return directory


def test_a_report_started_on_version_1_keeps_it_after_version_2_arrives(
        app, users, make_app, tmp_path):
    with app.app_context():
        make_round(amounts={"3405": 1_234_567, "3403": 800_000})
    client = app.test_client()
    AuthActions(client).login(users["coordinator"])
    save(client, "services", PAGES["services"])  # 3405 starts on version 1

    updated = make_app(QUESTIONNAIRES_DIR=str(with_version_2(tmp_path)))
    client = updated.test_client()
    AuthActions(client).login(users["coordinator"])
    page = client.get("/rapporter/lavterskel-psykisk-helse/2022/3405/side/economy")
    assert V1_LABEL in page.get_data(as_text=True)  # its own version
    for section, answers in PAGES.items():
        save(client, section, answers)
    summary = client.get("/rapporter/lavterskel-psykisk-helse/2022/3405/oppsummering")
    key = re.search(r'name="key" value="([^"]+)"', summary.get_data(as_text=True)).group(1)
    client.post("/rapporter/lavterskel-psykisk-helse/2022/3405/send", data={"key": key})

    with updated.app_context():
        email = make_coordinator("3403", email="koord@hamar.kommune.no").email
    hamar = updated.test_client()  # 3403's coordinator starts now, on v2
    AuthActions(hamar).login(email)
    page = hamar.get("/rapporter/lavterskel-psykisk-helse/2022/3403/side/economy")
    assert V2_LABEL in page.get_data(as_text=True)
    save(hamar, "economy", PAGES["economy"],
         report="/rapporter/lavterskel-psykisk-helse/2022/3403")
    with updated.app_context():
        versions = dict(db.session.execute(sa.select(
            Response.grant_id, Response.questionnaire_version).order_by(Response.id)).all())
        assert sorted(versions.values()) == [1, 2]
        submission = db.session.scalar(sa.select(Submission))
        assert submission.questionnaire_version == 1
    receipt = client.get("/rapporter/lavterskel-psykisk-helse/2022/3405/kvittering/1")
    assert V1_LABEL in receipt.get_data(as_text=True)  # shown in the version it answered
