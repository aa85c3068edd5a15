"""A sign-in that expires mid-page loses nothing; a post from anywhere else keeps nothing.

The page post carries the browser's CSRF token. After an idle sign-in has expired the
same browser's post is kept on the server, bound to that browser and that user, and saved
when that user signs in again; a post without the browser's token (another site's form,
another browser, a replay after sign-out) is refused and nothing of it is kept or shown.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, PendingPost, Response
from tests.conftest import csrf_token_in
from tests.factories import PASSWORD, make_coordinator, make_round, make_users

PAGE = "/rapporter/lavterskel-psykisk-helse/2022/3405/side/economy"
TYPED = {"received": "1 234 567", "used_amount": "1 000 000",
         "unused_explanation": "Stillingen stod ledig i fire måneder."}
IDLE = 1  # seconds a sign-in may be idle in these tests


@pytest.fixture
def csrf_app(app, make_app):  # `app` makes the schema and the register
    csrf_on = make_app(WTF_CSRF_ENABLED=True, SIGN_IN_IDLE_SECONDS=IDLE)
    with csrf_on.app_context():
        make_round()
        users = {key: user.email for key, user in make_users().items()}
    return csrf_on, users


def sign_in(client, email: str, next_page: str | None = None):
    page = client.get("/logg-inn").get_data(as_text=True)
    url = "/logg-inn" + (f"?next={next_page}" if next_page else "")
    return client.post(url, data={"email": email, "password": PASSWORD,
                                  "csrf_token": csrf_token_in(page)})


def signed_in(app, email: str):
    client = app.test_client()
    sign_in(client, email)
    return client


def stored_page(app) -> dict[str, list[str]] | None:
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        return response.pages["economy"]["data"] if response else None


def kept_posts(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PendingPost))


def typed_form(client) -> dict[str, str]:
    form = client.get(PAGE).get_data(as_text=True)
    return {"csrf_token": csrf_token_in(form), "version": "0", "go": "next", **TYPED}


def let_sign_in_expire() -> None:
    time.sleep(IDLE + 1.1)  # idle longer than the sign-in lives (no timing is asserted)


def test_a_post_after_the_sign_in_expired_is_saved_once_that_user_signs_in(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    posted = typed_form(client)
    let_sign_in_expire()

    answer = client.post(PAGE, data=posted)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/logg-inn?next=")
    assert stored_page(app) is None and kept_posts(app) == 1  # kept, not saved yet
    login = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Stillingen stod ledig" not in login  # nothing of the post is shown back

    back = sign_in(client, users["coordinator"], next_page=PAGE)
    assert back.status_code == 302 and back.headers["Location"] == PAGE
    assert stored_page(app)["unused_explanation"] == [TYPED["unused_explanation"]]
    assert kept_posts(app) == 0  # used once
    page = client.get(PAGE).get_data(as_text=True)
    assert "Svarene du skrev før du ble logget ut, er lagret." in page
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"user.sign-in-expired", "response.post-kept", "response.save-page"} <= actions


def test_a_kept_post_is_never_saved_for_somebody_else_signing_in(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    posted = typed_form(client)
    let_sign_in_expire()
    assert client.post(PAGE, data=posted).status_code == 303

    with app.app_context():  # another person at the same browser, who may report for 3405
        colleague = make_coordinator("3405", email="kollega@lillehammer.kommune.no").email
    sign_in(client, colleague)
    assert stored_page(app) is None
    assert kept_posts(app) == 1  # still only the coordinator's, until it expires


def test_another_sites_form_is_refused_and_nothing_is_kept_or_shown(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    client.get(PAGE)  # the session has a CSRF secret, the attacker does not know it
    forged = {"version": "99999", "go": "next", "csrf_token": "made-up", **TYPED}

    answer = client.post(PAGE, data=forged)  # the victim's cookie rides along
    html = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert "Ingenting av det ble lagret" in html and "Stillingen stod ledig" not in html
    without = client.post(PAGE, data={k: v for k, v in forged.items() if k != "csrf_token"})
    assert without.status_code == 403
    assert stored_page(app) is None and kept_posts(app) == 0

    let_sign_in_expire()  # and not after signing in again either
    assert client.post(PAGE, data=forged).status_code == 403
    sign_in(client, users["coordinator"])
    assert stored_page(app) is None and kept_posts(app) == 0


def test_a_post_from_another_browser_after_sign_out_is_refused(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    posted = typed_form(client)
    client.post("/logg-ut", data={"csrf_token": posted["csrf_token"]})

    replayed = client.post(PAGE, data=posted)  # signed out: the session was ended
    assert replayed.status_code == 403
    elsewhere = app.test_client().post(PAGE, data=posted)
    assert elsewhere.status_code == 403
    assert stored_page(app) is None and kept_posts(app) == 0


def test_a_kept_post_meeting_a_newer_save_shows_both_and_overwrites_nothing(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    posted = typed_form(client)
    let_sign_in_expire()
    assert client.post(PAGE, data=posted).status_code == 303

    colleague = signed_in(app, users["coordinator"])  # saves the page meanwhile
    theirs = {**typed_form(colleague), "unused_explanation": "Kollegaens forklaring."}
    assert colleague.post(PAGE, data=theirs).status_code == 302

    sign_in(client, users["coordinator"], next_page=PAGE)
    assert stored_page(app)["unused_explanation"] == ["Kollegaens forklaring."]
    page = client.get(PAGE).get_data(as_text=True)
    assert "Kollegaens forklaring." in page and TYPED["unused_explanation"] in page
    version = csrf_token_in(page) and page.split('name="version" value="')[1].split('"')[0]
    keep_mine = {**typed_form(client), "version": version}
    assert client.post(PAGE, data=keep_mine).status_code == 302
    assert stored_page(app)["unused_explanation"] == [TYPED["unused_explanation"]]
    assert kept_posts(app) == 0
