"""The repayment claim letter: in the municipality's written standard whatever the
reviewer's language, with the amount, rules, figures and the scheme's legal basis."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from survey_app.extensions import db
from survey_app.models import Claim, Flag, Grant, Scheme, User
from survey_app.services import decisions
from survey_app.services.decisions import DecisionError
from tests.conftest import AuthActions
from tests.factories import make_round
from tests.review.test_decisions import reviewer_client
from tests.test_flags import report

KLEPP = {"received": "100 000", "used_amount": "80 000",
         "unused_explanation": "Vakant stilling."}


def klepp_claim(app, users, reviewer_email: str) -> str:
    """A round with a grant to 1120 Klepp (nynorsk) that reports 20 000 kr unused; the
    reviewer claims it. Returns the claim's reference."""
    with app.app_context():
        make_round(amounts={"1120": 100_000})
    admin = app.test_client()
    AuthActions(admin).login(users["admin"])
    report(admin, "1120", KLEPP)
    with app.app_context():
        flag = db.session.scalar(sa.select(Flag).where(Flag.rule_id == "unused-funds"))
        reviewer = db.session.scalar(sa.select(User).where(User.email == reviewer_email))
        return decisions.claim([flag], 2_000_000, "Midlane er ikkje brukte i 2022.",
                               reviewer).reference


def test_the_claim_letter_for_a_nynorsk_municipality_is_in_nynorsk(app, users):
    reference = klepp_claim(app, users, users["reviewer_national"])
    assert reference == "TB-2022-1120-1"
    client = reviewer_client(app, users)  # the reviewer's UI is bokmål
    page = client.get(f"/gjennomgang/krav/{reference}").get_data(as_text=True)
    assert '<html lang="nb">' in page and '<article class="letter" lang="nn">' in page
    assert "Krav om tilbakebetaling av tilskot" in page
    assert "Klepp kommune" in page and reference in page
    assert "20\xa0000\xa0kr" in page
    assert "Tilskotet er gitt etter Prop. 51 S (2021–2022)" in page  # the scheme's text
    assert "Ubrukte midlar" in page  # the rule's nynorsk title
    assert "Kor mykje av tilskotet vart brukt i 2022?: 80\xa0000\xa0kr" in page
    assert "Tildelt tilskot: 100\xa0000\xa0kr" in page
    assert "Helsedirektoratet" in page  # a national reviewer's claim: the Directorate
    assert "tilskudd" not in page.split('lang="nn">', 1)[1]  # no bokmål in the letter
    assert "Krevd, ikke betalt" in page  # the claim's status, in the UI language


def test_the_pdf_holds_the_reference_and_the_amount(app, users):
    reference = klepp_claim(app, users, users["reviewer_national"])
    answer = reviewer_client(app, users).get(f"/gjennomgang/krav/{reference}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)
    flat = re.sub(r"\s+", " ", text.replace("\xa0", " "))
    assert reference in flat
    assert "20 000 kr" in flat
    assert "Krav om tilbakebetaling av tilskot" in flat


def test_without_a_legal_basis_no_claim_and_no_letter_is_issued(app, users):
    reference = klepp_claim(app, users, users["reviewer_national"])
    with app.app_context():
        db.session.execute(sa.update(Scheme).values(legal_basis_nn=""))
        db.session.commit()
    client = reviewer_client(app, users)
    page = client.get(f"/gjennomgang/krav/{reference}")
    assert page.status_code == 409
    assert "ingen hjemmelstekst" in page.get_data(as_text=True)
    assert client.get(f"/gjennomgang/krav/{reference}.pdf").status_code == 409
    with app.app_context():  # the claim cancelled, its flag open: it cannot be claimed again
        reviewer = db.session.scalar(sa.select(User).where(User.email == users["admin"]))
        claim = db.session.scalar(sa.select(Claim).where(Claim.reference == reference))
        decisions.set_claim_status(claim, "cancelled", reviewer, "Feil beløp.")
        flag = db.session.scalar(sa.select(Flag).where(Flag.rule_id == "unused-funds"))
        assert flag.status == "open"
        with pytest.raises(DecisionError, match="legal basis"):
            decisions.claim([flag], 100, "Grunn.", reviewer)
        assert db.session.scalar(sa.select(sa.func.count(Claim.id))) == 1


def test_an_office_reviewers_claim_names_the_office_to_contact(app, users, lavterskel):
    with app.app_context():
        reviewer = db.session.scalar(sa.select(User).where(
            User.email == users["reviewer_innlandet"]))
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        db.session.add(Flag(grant_id=grant.id, rule_id="not-reported", severity="repayment",
                            status="open", amount_ore=123_456_700, explanation={
                                "rule": "not-reported",
                                "title": {"nb": "Ikke rapportert", "nn": "Ikkje rapportert"},
                                "text": {"nb": "Ikke rapportert.", "nn": "Ikkje rapportert."},
                                "figures": {"report.submitted": False}}))
        db.session.commit()
        flag = db.session.scalar(sa.select(Flag))
        reference = decisions.claim([flag], 123_456_700, "Ikke rapportert.", reviewer).reference
    page = reviewer_client(app, users, "reviewer_innlandet").get(
        f"/gjennomgang/krav/{reference}").get_data(as_text=True)
    letter = page.split('lang="nb">', 2)[2]
    assert "Krav om tilbakebetaling av tilskudd" in letter  # Lillehammer writes bokmål
    assert "rettes til Statsforvalteren i Innlandet" in letter
    assert "Rapport sendt inn: nei" in letter
    assert "1\xa0234\xa0567\xa0kr" in letter
