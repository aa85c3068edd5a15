"""A report returned for correction: the reviewer's comments beside the right questions,
editable again, resubmitted as a second submission with the first kept."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, ReviewComment, Submission
from tests.report.test_flow import REPORT, fill_all, save


def submit_and_return(app, client) -> None:
    summary = fill_all(client)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    client.post(f"{REPORT}/send", data={"key": key})
    with app.app_context():  # what the reviewer's "return for correction" stores
        response = db.session.scalar(sa.select(Response))
        response.status = "returned"
        db.session.add_all([
            ReviewComment(response_id=response.id, submission_number=1,
                          question_id="used_amount", text="Stemmer dette med regnskapet?",
                          created_by="rev@helsedir.no"),
            ReviewComment(response_id=response.id, submission_number=1, question_id=None,
                          text="Se over økonomidelen.", created_by="rev@helsedir.no")])
        db.session.commit()


def test_the_coordinator_sees_the_comments_beside_the_questions_and_resubmits(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    submit_and_return(app, client)
    overview = client.get(REPORT).get_data(as_text=True)
    assert "Se over økonomidelen." in overview
    assert f'href="{REPORT}/side/economy#used_amount-review"' in overview
    page = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
    assert 'id="used_amount-review" role="note"' in page
    assert "Stemmer dette med regnskapet?" in page
    described = re.search(r'<input id="used_amount"[^>]*aria-describedby="([^"]+)"', page)
    assert "used_amount-review" in described.group(1).split()

    assert save(client, "economy", {"received": "1 234 567", "used_amount": "1 200 000",
                                    "unused_explanation": "Rettet etter regnskapet."}
                ).status_code == 302
    summary = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    sent = client.post(f"{REPORT}/send", data={"key": key})
    assert sent.headers["Location"].endswith("/kvittering/2")
    with app.app_context():
        numbers = db.session.scalars(sa.select(Submission.number).order_by(
            Submission.number)).all()
        assert numbers == [1, 2]
    # submitted again: the comments are no longer shown as open requests
    assert "Stemmer dette med regnskapet?" not in client.get(
        f"{REPORT}/side/economy", follow_redirects=True).get_data(as_text=True)
