"""WCAG 2.1 A/AA (axe-core) on every page type added since the foundation tests
(test_pages.py): the round administration and the outbox, the reviewer's rounds and
dashboard, the coordinator's reports (overview, page, summary, receipt), an invitation
link for a new coordinator, and the page that keeps the answers of a post without session.

Only GETs, except the one post without a session, which saves nothing: the data the other
browser tests change is left as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from survey_app.extensions import db
from survey_app.mail import MAX_ATTEMPTS
from survey_app.models import MailState, OutboxMail, User
from survey_app.models.users import utcnow
from survey_app.services import invitations, rounds
from survey_app.services.users import create_user
from tests.browser.conftest import (
    AXE_SCRIPT,
    WCAG_TAGS,
    assert_no_violations,
    describe_violations,
)
from tests.browser.test_pages import BY_ROLE, path_of, sign_in_as

LAVTERSKEL = "lavterskel-psykisk-helse/2022"
OPEN_SCHEME = "langvarige-sammensatte-voksne"
NEW_COORDINATOR = "ny-koordinator@bergen.kommune.no"  # no password: the invitation sets it
NEW_NUMBER = "4601"  # Bergen, a grant in the open demo round; not the demo coordinator's


def open_round_key() -> str:
    """The demo round that is open now (demo_rounds: last year's, deadline ahead)."""
    return f"{OPEN_SCHEME}/{dt.date.today().year - 1}"


# axe's color-contrast rule takes about 20 s on the 16 000 elements of a round's admin page
# (357 grants, 1 000 events): the other rules scan the whole page, then every rule scans it
# with each table cut to its first rows, which repeat one template.
AXE_WITHOUT_CONTRAST = (
    "() => axe.run(document, {runOnly: {type: 'tag', values: " + json.dumps(WCAG_TAGS) + "},"
    " rules: {'color-contrast': {enabled: false}}, resultTypes: ['violations']})"
    ".then(results => results.violations)")
LARGE_TABLE_ROWS = 25
CUT_TABLES = ("(rows) => document.querySelectorAll('tbody').forEach(body =>"
              " Array.from(body.rows).slice(rows).forEach(row => row.remove()))")


def assert_large_page_accessible(page: Page) -> None:
    page.evaluate(AXE_SCRIPT)
    violations = page.evaluate(AXE_WITHOUT_CONTRAST)
    assert not violations, (
        f"{len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:\n"
        + describe_violations(violations))
    page.evaluate(CUT_TABLES, LARGE_TABLE_ROWS)
    assert_no_violations(page)


LARGE_PAGES = {f"/admin/runder/{LAVTERSKEL}"}

# (who signs in, the path: {open} is the open demo round's key)
PAGES = [
    pytest.param("admin", "/admin/runder", id="admin-rounds"),
    pytest.param("admin", f"/admin/runder/{LAVTERSKEL}", id="admin-round"),
    pytest.param("admin", "/admin/utboks", id="outbox"),
    pytest.param("admin", "/admin/brukere/ny", id="admin-new-user"),
    pytest.param("admin", "/admin/brukere/1", id="admin-user"),
    pytest.param("reviewer", "/gjennomgang/runder", id="review-rounds"),
    pytest.param("reviewer", f"/gjennomgang/runder/{LAVTERSKEL}", id="review-round"),
    pytest.param("reviewer", f"/gjennomgang/runder/{LAVTERSKEL}/dashbord", id="dashboard"),
    pytest.param("coordinator", "/mine-rapporter", id="my-reports"),
    pytest.param("coordinator", f"/rapporter/{LAVTERSKEL}/1577", id="report-submitted"),
    pytest.param("coordinator", "/rapporter/{open}/1577", id="report-overview"),
    pytest.param("coordinator", "/rapporter/{open}/1577/side/measures", id="report-page"),
    pytest.param("coordinator", "/rapporter/{open}/1577/oppsummering", id="report-summary"),
    pytest.param("coordinator", f"/rapporter/{LAVTERSKEL}/1577/kvittering/1", id="receipt"),
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_every_new_page_type_has_no_wcag_violations(
        page: Page, assert_accessible: Callable[[Page], None], role: str, path: str) -> None:
    sign_in_as(page, BY_ROLE[role])
    url = path.format(open=open_round_key())
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    expect(page).to_have_url(path_of(url))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if url in LARGE_PAGES:
        assert_large_page_accessible(page)
    else:
        assert_accessible(page)


def invite_new_coordinator(live_app: Flask, live_server: str) -> OutboxMail:
    """A coordinator without a password for Bergen, and the invitations of the open round
    sent through the service (the outbox backend keeps each mail with its link)."""
    with live_app.app_context():
        if db.session.scalar(sa.select(User.id).where(User.email == NEW_COORDINATOR)) is None:
            user, _generated = create_user(NEW_COORDINATOR, "coordinator",
                                           municipalities=[NEW_NUMBER], name="Ny Koordinator")
            user.password_hash = None  # as a coordinator the Directorate has just added
            db.session.commit()
        invitations.send_invitations(rounds.find_round(open_round_key()), base_url=live_server,
                                     now=utcnow())
        mail = db.session.scalars(sa.select(OutboxMail).where(
            OutboxMail.to == NEW_COORDINATOR, OutboxMail.kind == "invitation")
            .order_by(OutboxMail.id.desc())).first()
        assert mail is not None
        db.session.expunge(mail)
    return mail


def test_an_outbox_mail_and_the_invitation_link_have_no_wcag_violations(
        new_page: Callable[..., Page], live_app: Flask, live_server: str,
        assert_accessible: Callable[[Page], None]) -> None:
    mail = invite_new_coordinator(live_app, live_server)
    admin = new_page()
    sign_in_as(admin, BY_ROLE["admin"])
    admin.goto(f"/admin/utboks/{mail.id}")
    expect(admin.get_by_role("heading", level=1)).to_have_text(mail.subject)
    expect(admin.get_by_role("main")).to_contain_text(NEW_COORDINATOR)
    assert_accessible(admin)

    found = re.search(re.escape(live_server) + r"(/invitasjon/[A-Za-z0-9_-]+)", mail.body)
    assert found, mail.body
    invited = new_page()  # nobody signed in: the link is the credential
    invited.goto(found.group(1))
    expect(invited.get_by_role("heading", level=1)).to_have_text("Velg passord")
    expect(invited.get_by_role("main")).to_contain_text(NEW_COORDINATOR)
    assert_accessible(invited)
    invited.get_by_role("button", name="Lagre passordet og logg inn").click()  # empty
    expect(invited.get_by_role("alert")).to_contain_text("Det er et problem")
    assert_accessible(invited)  # the form with its errors


def test_a_post_whose_session_is_gone_is_refused_on_an_accessible_page(
        page: Page, assert_accessible: Callable[[Page], None]) -> None:
    # Without the browser's session the post carries no token of it: it could as well
    # come from another site, so nothing of it is kept (an expired sign-in in the same
    # session is kept for its user: tests/browser/test_forgery_and_expiry.py).
    sign_in_as(page, BY_ROLE["coordinator"])
    page.goto(f"/rapporter/{open_round_key()}/1577/side/measures")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.context.clear_cookies()  # the session is gone, as after the browser was closed
    page.get_by_role("button", name="Lagre og fortsett senere").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skjemaet kunne ikke lagres")
    assert_accessible(page)


def test_a_given_up_mail_its_send_again_button_and_the_refusal_are_accessible(
        new_page: Callable[..., Page], live_app: Flask,
        assert_accessible: Callable[[Page], None]) -> None:
    with live_app.app_context():
        mail = OutboxMail(to="postmottak@bergen.kommune.no", subject="Kvittering 2022-4601-LPH-1",
                          body="Kvittering", kind="receipt", state=MailState.FAILED,
                          attempts=MAX_ATTEMPTS, last_error="[Errno 111] Connection refused")
        db.session.add(mail)
        db.session.commit()
        mail_id = mail.id
    admin = new_page()
    sign_in_as(admin, BY_ROLE["admin"])
    admin.goto(f"/admin/utboks/{mail_id}")
    expect(admin.get_by_role("main")).to_contain_text(f"ga opp etter {MAX_ATTEMPTS} forsøk")
    assert_accessible(admin)
    # No SMTP server listens here: the attempt fails and says why, on the same page.
    admin.get_by_role("button", name="Send på nytt nå").click()
    expect(admin.get_by_role("status")).to_contain_text("E-posten kunne ikke sendes")
    assert_accessible(admin)
