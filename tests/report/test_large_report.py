"""The acceptance case of the questionnaire issue, stored: 60 questions on 3 pages, a
repeating group of 3 rows and 10 conditions are saved page by page and submitted; the
answers of hidden questions are stored nowhere."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Submission
from survey_app.services import rounds
from tests.conftest import AuthActions
from tests.factories import make_round
from tests.forms.test_large_questionnaire import PAGES, _posted, questionnaire_yaml
from tests.report.test_flow import save

REPORT = "/rapporter/stor-test/2022/3405"
SCHEMES = """- slug: stor-test
  chapter_post: "762.60"
  administration: national
  name: {nb: Stort testskjema, nn: Stort testskjema, en: Large test questionnaire}
"""


def test_sixty_questions_save_page_by_page_and_submit_without_hidden_answers(
        app, users, make_app, tmp_path: Path):
    (tmp_path / "stor-test.v1.yaml").write_text(questionnaire_yaml(), "utf-8")
    (tmp_path / "schemes").mkdir()
    (tmp_path / "schemes" / "schemes.yaml").write_text(SCHEMES, "utf-8")
    large = make_app(QUESTIONNAIRES_DIR=str(tmp_path))
    with large.app_context():
        rounds.sync_schemes()
        make_round("stor-test/2022", amounts={"3405": 1_234_567},
                   deadline=dt.date.today() + dt.timedelta(days=30))
    client = large.test_client()
    AuthActions(client).login(users["coordinator"])
    for number, page in enumerate(PAGES, start=1):
        answer = save(client, f"page{number}", _posted(page), report=REPORT)
        assert answer.status_code == 302, (number, answer.get_data(as_text=True)[:2000])

    hidden = {qid for page in PAGES for qid, _, show_if, shown in page if not shown}
    with large.app_context():
        stored = db.session.scalar(sa.select(Response)).pages
    stored_keys = {key.split("-")[0] for page in stored.values() for key in page["data"]}
    assert stored_keys & hidden == set()
    assert stored["page2"]["data"]["s2_positions-2-role"] == ["Sykepleier"]

    summary = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    assert client.post(f"{REPORT}/send", data={"key": key}).status_code == 303
    with large.app_context():
        submission = db.session.scalar(sa.select(Submission))
    assert not submission.late
    assert set(submission.answers) & hidden == set()
    assert len(submission.answers) == 60 - len(hidden)
    assert submission.answers["s2_positions"] == [
        {"role": "Koordinator", "fte": "1.0", "started": "2022-01-01"},
        {"role": "Psykolog", "fte": "0.5", "started": "2022-08-15"},
        {"role": "Sykepleier", "fte": "2.5", "started": "2023-03-01"},
    ]
