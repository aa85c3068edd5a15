"""The language switch on a page with a form keeps what was typed (issue 14, item 5).

On a report page the language buttons send the page's own form (`form="page-form"`,
`formaction` the page, `sprak=<code>`): what was typed is saved as by any save that stays
on the page, and the page comes back in the chosen language with it. On the preview the
same, without storing. Elsewhere the switch returns to a page that opens with GET, query
string kept, never a 405.
"""

from __future__ import annotations

import html as htmllib
import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Response
from tests.conftest import csrf_token_in
from tests.factories import PASSWORD, make_round, make_users

REPORT = "/rapporter/lavterskel-psykisk-helse/2022/3405"
PAGE = f"{REPORT}/side/economy"
PREVIEW = "/skjema/lavterskel-psykisk-helse/v1/economy"


@pytest.fixture
def csrf_app(app, make_app):  # `app` makes the schema and the register
    csrf_on = make_app(WTF_CSRF_ENABLED=True)
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


def page_form(html: str) -> dict[str, str]:
    """What the page form sends as shown: its hidden fields (CSRF token, version, ...) and
    its text fields' values (a prefilled amount), as a browser would."""
    form = html[html.index('id="page-form"'):]
    form = form[:form.index("</form>")]
    fields = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and re.search(r'type="(hidden|text)"', tag):
            fields[name.group(1)] = htmllib.unescape(value.group(1))
    return fields


def stored(app) -> dict[str, list[str]] | None:
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        if response is None or "economy" not in response.pages:
            return None
        return response.pages["economy"]["data"]


def saves_audited(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "response.save-page"))


def test_the_language_buttons_of_a_report_page_send_its_form(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    html = client.get(f"{PAGE}?tilbake=oppsummering").get_data(as_text=True)
    nav = html[html.index('<nav class="language"'):html.index("</nav>")]
    for code in ("nb", "nn", "en"):
        assert re.search(rf'<button type="submit" form="page-form" formaction="{PAGE}'
                         rf'\?tilbake=oppsummering"\s+name="sprak" value="{code}"', nav)
    assert 'lang="nn"' in nav and 'aria-current="true"' in nav
    assert "<form" not in nav  # no form of its own: the page's form is sent
    # Enter in a field sends the form's first button: "save and continue", not a language.
    assert nav.index('name="go" value="next" hidden') < nav.index('name="sprak"')
    assert 'id="page-form"' in html


def test_nynorsk_saves_what_was_typed_and_shows_it_in_nynorsk(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    form = page_form(client.get(PAGE).get_data(as_text=True))
    typed = {"received": "1 234 567", "used_amount": "1 000 000",
             "unused_explanation": "Stillingen stod ledig i fire månader."}

    answer = client.post(PAGE, data={**form, **typed, "sprak": "nn"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert '<html lang="nn"' in html and "Lagre og gå vidare" in html
    assert 'value="1 000 000"' in html and "Stillingen stod ledig i fire månader." in html
    assert stored(app) == {k: [v] for k, v in typed.items()}
    assert saves_audited(app) == 1
    assert '<html lang="nn"' in client.get("/mine-rapporter").get_data(as_text=True)


def test_after_a_failed_post_the_switch_keeps_the_values_and_shows_the_problems(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    form = page_form(client.get(PAGE).get_data(as_text=True))
    failed = client.post(PAGE, data={**form, "go": "next", "received": "1 234 567",
                                     "used_amount": "12abc"})
    assert failed.status_code == 200 and 'class="error-summary"' in failed.get_data(True)

    # Corrected one value, mistyped again, then Nynorsk: saved and shown with its problem.
    form = page_form(failed.get_data(as_text=True))
    answer = client.post(PAGE, data={**form, "received": "1 234 567",
                                     "used_amount": "13abc", "sprak": "nn"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and '<html lang="nn"' in html
    assert 'value="13abc"' in html and 'class="error-summary"' in html
    assert "<title>Feil:" in html
    assert stored(app)["used_amount"] == ["13abc"]

    # Nothing typed since: only the language changes; the page opens again with the values.
    form = page_form(html)
    answer = client.post(PAGE, data={**form, "received": "1 234 567",
                                     "used_amount": "13abc", "sprak": "en"})
    assert answer.status_code == 303 and answer.headers["Location"] == PAGE
    html = client.get(PAGE).get_data(as_text=True)
    assert '<html lang="en"' in html and 'value="13abc"' in html
    assert saves_audited(app) == 2


def test_switching_on_an_untouched_page_starts_no_report(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    form = page_form(client.get(f"{PAGE}?tilbake=oppsummering").get_data(as_text=True))
    answer = client.post(f"{PAGE}?tilbake=oppsummering", data={**form, "sprak": "nn"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"{PAGE}?tilbake=oppsummering"
    assert stored(app) is None and saves_audited(app) == 0
    assert '<html lang="nn"' in client.get(PAGE).get_data(as_text=True)


def test_an_unknown_language_is_refused_and_nothing_is_saved(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    form = page_form(client.get(PAGE).get_data(as_text=True))
    for code in ("de", "", "nn\r\n", "x" * 5000):
        answer = client.post(PAGE, data={**form, "used_amount": "5", "sprak": code})
        assert answer.status_code == 400, code
    assert stored(app) is None
    assert client.post("/sprak/de", data={"csrf_token": form["csrf_token"],
                                          "next": "/"}).status_code == 400
    assert client.post("/sprak/%00", data={"csrf_token": form["csrf_token"]}).status_code in (
        400, 404)
    assert '<html lang="nb"' in client.get(PAGE).get_data(as_text=True)


def test_a_language_post_without_the_browsers_token_changes_nothing(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    form = page_form(client.get(PAGE).get_data(as_text=True))
    for token in ({}, {"csrf_token": "forged"}):
        data = {**{k: v for k, v in form.items() if k != "csrf_token"}, **token,
                "used_amount": "5", "sprak": "nn"}
        assert client.post(PAGE, data=data).status_code == 403
    assert stored(app) is None
    assert '<html lang="nb"' in client.get(PAGE).get_data(as_text=True)


def test_a_conflict_page_switches_language_without_sending_the_form(csrf_app):
    app, users = csrf_app
    client = signed_in(app, users["coordinator"])
    form = page_form(client.get(PAGE).get_data(as_text=True))
    client.post(PAGE, data={**form, "go": "overview", "used_amount": "1"})
    # A second tab still at version 0 presses Nynorsk: the conflict check answers.
    answer = client.post(PAGE, data={**form, "used_amount": "2", "sprak": "nn"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and '<html lang="nn"' in html
    assert stored(app)["used_amount"] == ["1"]  # nothing overwritten
    nav = html[html.index('<nav class="language"'):html.index("</nav>")]
    assert 'form="page-form"' not in nav and "/sprak/nb" in nav


def test_the_preview_keeps_what_was_typed_across_the_switch(client, auth, users):
    auth.login(users["reviewer_national"])
    html = client.get(PREVIEW).get_data(as_text=True)
    assert 'form="preview-form"' in html and 'id="preview-form"' in html
    answer = client.post(PREVIEW, data={"received": "-5", "sprak": "nn"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and '<html lang="nn"' in page
    assert 'value="-5"' in page and "Beløpet kan ikkje vere negativt" in page
    shown = dict(re.findall(r'name="(received)" type="text" value="([^"]*)"', html))
    untouched = client.post(PREVIEW, data={**shown, "sprak": "en"})  # as shown: prefilled
    assert untouched.status_code == 303 and untouched.headers["Location"] == PREVIEW
    assert client.post(PREVIEW, data={"sprak": "de"}).status_code == 400


def language_next_of(html: str) -> str:
    nav = html[html.index('<nav class="language"'):html.index("</nav>")]
    match = re.search(r'name="next" value="([^"]*)"', nav)
    assert match, "the language switch has its own form here"
    return htmllib.unescape(match.group(1))


def test_other_forms_return_to_a_page_that_opens_with_the_query_kept(client, auth, users):
    auth.login(users["admin"])
    listing = client.get("/admin/brukere?rolle=reviewer&q=rev")
    assert language_next_of(listing.get_data(as_text=True)) == "/admin/brukere?rolle=reviewer&q=rev"
    failed = client.post("/admin/brukere/ny", data={"email": "not an address", "role": "x"})
    assert failed.status_code == 400
    target = language_next_of(failed.get_data(as_text=True))
    assert target == "/admin/brukere/ny"
    switched = client.post("/sprak/nn", data={"next": target})
    assert switched.status_code == 302 and switched.headers["Location"] == target
    assert client.get(target).status_code == 200


def test_a_post_only_address_shown_with_errors_returns_to_the_page_it_came_from(
        client, auth, users):
    auth.login(users["admin"])
    with client.application.app_context():
        from survey_app.models import User
        user_id = db.session.scalar(sa.select(User.id).where(User.email == users["coordinator"]))
    failed = client.post(f"/admin/brukere/{user_id}/tilgang",
                         data={"access-role": "nonsense"},
                         headers={"Referer": f"http://localhost/admin/brukere/{user_id}"})
    assert failed.status_code == 400
    target = language_next_of(failed.get_data(as_text=True))
    assert target == f"/admin/brukere/{user_id}"  # never the post-only address (405)
    assert client.get(target).status_code == 200
