"""The receipt: a printable page, a PDF, and a mail through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pypdf import PdfReader

from survey_app.extensions import db
from survey_app.models import Grant, Mailbox, OutboxMail, Submission
from survey_app.services import receipts, responses
from tests.conftest import AuthActions
from tests.factories import UserFactory, make_round
from tests.report.test_flow import PAGES, REPORT, fill_all, save
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


def pdf_text(data: bytes) -> str:
    """The PDF's text with its line breaks and runs of spaces made one space."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def one_line(html: str) -> str:
    return " ".join(html.replace("&#39;", "'").split())


def pdfinfo(data: bytes, tmp_path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout


def oslo(app, number: int = 1) -> str:
    """The submission's time as clocks in Norway showed it (stored in UTC)."""
    with app.app_context():
        stored = db.session.scalar(sa.select(Submission.submitted_at)
                                   .where(Submission.number == number))
    local = stored.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Europe/Oslo"))
    return local.strftime("%d.%m.%Y kl. %H:%M")


def test_the_pdf_receipt_is_tagged_and_holds_the_reference_and_every_answer(
        app, client, auth, users, lavterskel, tmp_path):
    auth.login(users["coordinator"])
    receipt = submit(client)
    pdf = client.get(receipt + ".pdf")
    assert pdf.mimetype == "application/pdf"
    info = pdfinfo(pdf.data, tmp_path)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+Kvittering 2022-3405-LPH-1$", info, re.M)
    text = pdf_text(pdf.data)
    assert "Kvittering 2022-3405-LPH-1" in text
    # The sender: the scheme's administering authority (a national scheme: the Directorate).
    assert "Helsedirektoratet Postboks 220 Skøyen 0213 Oslo" in text
    assert "3405 Lillehammer" in text and "koord@lillehammer.kommune.no" in text
    assert oslo(app) in text
    assert "Side 1 av" in text
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        lines = receipts.receipt_lines(grant, responses.response_of(grant).latest_submission,
                                       "nb")
    assert len(lines) > 10
    for line in lines:
        # pypdf gives a no-break space as a space; both sides are made single spaces.
        assert " ".join(line.label.split()) in text, line
        assert " ".join(line.answer.split()) in text, line
    assert "Kari Nordmann" in text and "Lengre åpningstid og oppsøkende team." in text
    page = client.get(receipt).get_data(as_text=True)
    assert "kvittering/1.pdf" in page


def test_the_receipt_page_and_pdf_say_what_happens_next_in_oslo_time(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    receipt = submit(client)
    page = one_line(client.get(receipt).get_data(as_text=True))
    text = pdf_text(client.get(receipt + ".pdf").data)
    for shown in (page, text):
        assert "Hva skjer nå" in shown
        assert "Helsedirektoratet går gjennom rapporten." in shown
        assert "Det sendes ingen e-post når en rapport sendes tilbake" in shown
        assert "starter alltid med et forhåndsvarsel" in shown
        assert oslo(app) in shown and " UTC" not in shown
    client.post("/sprak/nn", data={"next": "/"})
    page = one_line(client.get(receipt).get_data(as_text=True))
    text = pdf_text(client.get(receipt + ".pdf").data)
    for shown in (page, text):
        assert "Kva skjer no" in shown and "sakshandsamaren rapporten tilbake" in shown
        assert "Kvittering 2022-3405-LPH-1" in shown
    client.post("/sprak/en", data={"next": "/"})
    text = pdf_text(client.get(receipt + ".pdf").data)
    assert "What happens next" in text and "Receipt 2022-3405-LPH-1" in text
    assert "Page 1 of" in text


def test_a_sami_municipality_name_is_in_the_pdf_with_its_font_embedded(
        app, client, auth, tmp_path):
    # 5437 Karasjok – Kárášjohka (the register of 2020–2023, navn_samisk_kvensk).
    report = "/rapporter/lavterskel-psykisk-helse/2022/5437"
    with app.app_context():
        make_round(amounts={"5437": 1_234_567})
        UserFactory(email="koord@karasjok.kommune.no", numbers=["5437"])
    auth.login("koord@karasjok.kommune.no")
    for section, answers in PAGES.items():
        assert save(client, section, answers, report=report).status_code == 302, section
    summary = client.get(f"{report}/oppsummering").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    receipt = client.post(f"{report}/send", data={"key": key}).headers["Location"]
    pdf = client.get(receipt + ".pdf").data
    assert "5437 Karasjok – Kárášjohka" in pdf_text(pdf)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True,
                           check=True).stdout.decode()
    rows = fonts.splitlines()[2:]
    assert rows and all("DejaVu" in row and " yes " in row for row in rows), fonts
