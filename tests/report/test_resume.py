"""A session or CSRF expiry mid-form never loses what was typed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from tests.conftest import csrf_token_in
from tests.factories import PASSWORD, make_round, make_users

PAGE = "/rapporter/lavterskel-psykisk-helse/2022/3405/side/economy"
TYPED = {"received": "1 234 567", "used_amount": "1 000 000",
         "unused_explanation": "Stillingen stod ledig i fire måneder."}


@pytest.fixture
def csrf_app(app, make_app):  # `app` makes the schema and the register
    csrf_on = make_app(WTF_CSRF_ENABLED=True)  # the same database, CSRF checked
    with csrf_on.app_context():
        make_round()
        users = {key: user.email for key, user in make_users().items()}
    return csrf_on, users


def signed_in(app, email: str):
    client = app.test_client()
    page = client.get("/logg-inn").get_data(as_text=True)
    client.post("/logg-inn", data={"email": email, "password": PASSWORD,
                                   "csrf_token": csrf_token_in(page)})
    return client


def hidden_fields(html: str) -> list[tuple[str, str]]:
    """The hidden inputs of the resume form (not the language buttons' forms)."""
    form = html[html.index('<form method="post" novalidate class="narrow">'):]
    form = form[:form.index("</form>")]
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)


def stored_page(app) -> dict[str, list[str]] | None:
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        return response.pages["economy"]["data"] if response else None


def test_a_post_after_the_session_expired_keeps_the_answers_and_saves_after_sign_in(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    form = client.get(PAGE).get_data(as_text=True)
    posted = {"csrf_token": csrf_token_in(form), "version": "0", "go": "next", **TYPED}

    expired = app.test_client()  # the session cookie is gone: signed out meanwhile
    answer = expired.post(PAGE, data=posted)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 401
    assert "Logg inn for å lagre svarene dine" in html
    assert "Stillingen stod ledig i fire måneder." in html  # shown and kept
    assert "1\xa0234\xa0567" not in html  # nothing of the report itself is shown
    assert stored_page(app) is None

    data = dict(hidden_fields(html))
    data.update(email=users["coordinator"], password=PASSWORD)
    saved = expired.post(PAGE, data=data)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/side/conditions")
    assert stored_page(app) == {key: [value] for key, value in TYPED.items()}


def test_a_wrong_password_on_the_resume_page_keeps_the_answers_still(csrf_app):
    app, users = csrf_app
    client = app.test_client()
    first = client.post(PAGE, data={"version": "0", **TYPED}).get_data(as_text=True)
    data = dict(hidden_fields(first))
    data.update(email=users["coordinator"], password="wrong")
    answer = client.post(PAGE, data=data)
    assert answer.status_code == 401
    assert "Stillingen stod ledig i fire måneder." in answer.get_data(as_text=True)
    assert stored_page(app) is None


def test_an_expired_token_while_signed_in_asks_to_save_again(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    answer = client.post(PAGE, data={"csrf_token": "stale", "version": "0", "go": "next",
                                     **TYPED})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Lagre svarene på nytt" in html
    assert stored_page(app) is None
    assert client.post(PAGE, data=dict(hidden_fields(html))).status_code == 302
    assert stored_page(app)["used_amount"] == ["1 000 000"]


def test_signing_in_as_somebody_outside_the_municipality_saves_nothing(csrf_app):
    app, users = csrf_app
    client = app.test_client()
    first = client.post(PAGE, data={"version": "0", **TYPED}).get_data(as_text=True)
    data = dict(hidden_fields(first))
    data.update(email=users["reviewer_innlandet"], password=PASSWORD)
    assert client.post(PAGE, data=data).status_code == 404
    assert stored_page(app) is None
