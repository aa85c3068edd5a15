"""The receipt: a printable page, a PDF, and a mail through a real SMTP server."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from pypdf import PdfReader

from survey_app.extensions import db
from survey_app.models import Mailbox, OutboxMail
from tests.conftest import AuthActions
from tests.report.test_flow import REPORT, fill_all
from tests.smtp import smtp_server  # noqa: F401  (the fixture)


def submit(client) -> str:
    summary = fill_all(client)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    answer = client.post(f"{REPORT}/send", data={"key": key})
    answer.close()  # as the WSGI server does once it has sent the page: the mail goes then
    return answer.headers["Location"]


def test_the_receipt_mail_reaches_the_submitter_and_the_post_box_through_smtp(
        app, lavterskel, users, make_app, smtp_server):  # noqa: F811
    mailing = make_app(**smtp_server.config())
    with mailing.app_context():
        db.session.add(Mailbox(number="3405", email="postmottak@lillehammer.kommune.no"))
        db.session.commit()
    client = mailing.test_client()
    AuthActions(client).login(users["coordinator"])
    submit(client)
    mails = smtp_server.to(users["coordinator"])
    assert len(mails) == 1
    body = mails[0].get_content()
    assert mails[0]["Subject"] == "Kvittering 2022-3405-LPH-1"
    assert "Kari Nordmann" in body and "Lengre åpningstid og oppsøkende team." in body
    assert len(smtp_server.to("postmottak@lillehammer.kommune.no")) == 1
    with mailing.app_context():
        kinds = db.session.scalars(sa.select(OutboxMail.kind)).all()
    assert kinds == ["receipt", "receipt"]


def test_a_repeated_submit_sends_no_second_receipt(app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    summary = fill_all(client)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    client.post(f"{REPORT}/send", data={"key": key})
    client.post(f"{REPORT}/send", data={"key": key})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMail.id))) == 1


def test_the_pdf_receipt_holds_the_reference_and_the_answers(client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    receipt = submit(client)
    pdf = client.get(receipt + ".pdf")
    assert pdf.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Kvittering 2022-3405-LPH-1" in text
    assert "Kari Nordmann" in text and "Lillehammer" in text
    page = client.get(receipt).get_data(as_text=True)
    assert "kvittering/1.pdf" in page
