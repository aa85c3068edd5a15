"""The claim's letters: in the municipality's written standard on the letter's date, written
for the municipality (not the rules' reviewer text), with the scheme's legal basis and
statement on appeal, payment details with valid check digits, both names, and as tagged
PDF with embedded fonts that keep every Norwegian and Sámi letter."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from survey_app.extensions import db
from survey_app.models import Claim, Flag, Grant, Mailbox, User
from survey_app.rules.check_digits import KidMethod, account_problem, kid_problem
from survey_app.services import claim_process, decisions
from tests.conftest import AuthActions, missing
from tests.factories import UserFactory, make_coordinator, make_round
from tests.review.test_claim_process import APPROVER, OFFICER, signed_in, two_reviewers
from tests.test_flags import AFTER_GRACE, report

ROUND = "lavterskel-psykisk-helse/2022"
KLEPP = {"received": "100 000", "used_amount": "80 000",
         "unused_explanation": "Vakant stilling."}
SAMI = "á č đ ŋ š ŧ ž æ ø å Á Č Đ Ŋ Š Ŧ Ž Æ Ø Å"


def flat(pdf: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def decided(app, flag: Flag, reason: str, *, amount_ore: int | None = None) -> str:
    """The claim on `flag` through every step: notice, time to answer, decision drafted by
    the officer, approved by the director. Returns its reference."""
    officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
    approver = db.session.scalar(sa.select(User).where(User.email == APPROVER))
    claim = decisions.claim([flag], amount_ore or flag.amount_ore, reason, officer)
    claim_process.send_notice(claim, officer)
    claim.response_due = decisions.oslo_today() - dt.timedelta(days=1)  # three weeks pass
    db.session.commit()
    claim_process.draft_decision(claim, claim.amount_ore, reason, officer)
    return claim_process.approve_decision(claim, approver).reference


def bjerkreim(app, runner) -> str:
    """1114 Bjerkreim (nynorsk from 2024, neutral before) gets 100 000 kr in the 2022 round
    and never reports: after the deadline the whole grant is claimed, and decided."""
    with app.app_context():
        make_round(amounts={"1114": 100_000, "3405": 50_000})
        db.session.add(Mailbox(number="1114", email="postmottak@bjerkreim.kommune.no"))
        db.session.commit()
        two_reviewers()
    assert runner.invoke(args=["flags", "compute", ROUND, "--today", AFTER_GRACE]).exit_code == 0
    with app.app_context():
        flag = db.session.scalar(sa.select(Flag).join(Grant, Grant.id == Flag.grant_id).where(
            Grant.municipality_number == "1114", Flag.rule_id == "not-reported"))
        return decided(app, flag, "Vi har ikkje fått rapporten, så heile tilskotet blir kravt "
                                  "tilbake.")


def test_the_bjerkreim_decision_pdf_is_nynorsk_tagged_and_signed_by_both(
        app, runner, tmp_path):
    reference = bjerkreim(app, runner)
    answer = signed_in(app, APPROVER).get(f"/gjennomgang/krav/{reference}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert f'filename="vedtak-{reference}.pdf"' in answer.headers["Content-Disposition"]
    text = flat(answer.data)
    assert "Vedtak om tilbakebetaling av tilskot" in text
    assert "Bjerkreim kommune" in text and reference in text
    assert "Vi har ikkje fått rapporten dykkar om bruken av tilskotet" in text  # not reported
    assert "heile tilskotet, 100 000 kr" in text
    # Seed 000's sentence, in the project's nynorsk translation (letters.yaml).
    assert "De har ikkje klagerett på avgjerda. Dette følgjer av forvaltningsloven § 28." in text
    assert "Prop. 51 S (2021–2022)" in text
    assert "Per Direktør godkjent av" in text and "Kari Saksbehandler sakshandsamar" in text
    assert "Side 1 av" in text  # page numbers
    assert "Helsedirektoratet" in text and "Postboks 220 Skøyen" in text  # letterhead
    for bokmal in ("ikke ", "tilskudd", "deres", "Med vennlig hilsen", "foreslås"):
        assert bokmal not in text, bokmal
    account = re.search(r"Kontonummer (\d{4} \d\d \d{5})", text).group(1)
    kid = re.search(r"KID (\d+-?)\b", text.replace("KID-nummeret", "")).group(1)
    assert account_problem(account) is None
    assert kid_problem(kid, KidMethod.MOD10) is None
    with app.app_context():
        claim = db.session.scalar(sa.select(Claim).where(Claim.reference == reference))
        assert (claim.language, claim.kid) == ("nn", kid)
        assert claim.due_date.strftime("%d.%m.%Y") in text
    if shutil.which("pdfinfo") is None:
        missing("pdfinfo", "apt-get install poppler-utils")
    path = tmp_path / "vedtak.pdf"
    path.write_bytes(answer.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M)
    assert re.search(r"^Title:\s+Vedtak om tilbakebetaling av tilskot", info.stdout, re.M)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every font embedded


def test_a_letter_uses_the_written_standard_in_force_on_its_date(app, runner):
    with app.app_context():
        make_round(amounts={"1114": 100_000})
        grant = db.session.scalar(sa.select(Grant))
        # Bjerkreim was neutral in 2020–2023 (bokmål, our choice), nynorsk from 2024.
        assert decisions.letter_language(grant, dt.date(2023, 6, 1)) == "nb"
        assert decisions.letter_language(grant, dt.date(2023, 12, 31)) == "nb"
        assert decisions.letter_language(grant, dt.date(2024, 1, 1)) == "nn"


def test_norwegian_and_sami_letters_are_kept_in_the_pdf(app, runner):
    with app.app_context():
        make_round(amounts={"1114": 100_000})
        db.session.add(Mailbox(number="1114", email="postmottak@bjerkreim.kommune.no"))
        db.session.commit()
        two_reviewers()
    runner.invoke(args=["flags", "compute", ROUND, "--today", AFTER_GRACE])
    with app.app_context():
        flag = db.session.scalar(sa.select(Flag))
        reference = decided(app, flag, f"Grunngiving med alle bokstavane: {SAMI}.")
    text = flat(signed_in(app, OFFICER).get(f"/gjennomgang/krav/{reference}.pdf").data)
    assert f"Grunngiving med alle bokstavane: {SAMI}." in text


def test_a_reported_grant_reads_the_report_and_a_draft_says_it_is_one(app, users):
    """1120 Klepp (nynorsk) reports 20 000 kr unused: the notice says we have read the
    report, lists the municipality's own figures, and is marked as a draft until sent."""
    with app.app_context():
        make_round(amounts={"1120": 100_000})
        db.session.add(Mailbox(number="1120", email="postmottak@klepp.kommune.no"))
        db.session.commit()
        two_reviewers()
        email = make_coordinator("1120").email
    reporter = app.test_client()
    AuthActions(reporter).login(email)
    report(reporter, "1120", KLEPP)
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
        flag = db.session.scalar(sa.select(Flag).where(Flag.rule_id == "unused-funds"))
        reference = decisions.claim([flag], 2_000_000, "Midlane er ikkje brukte i 2022.",
                                    officer).reference
    client = signed_in(app, OFFICER)  # the reviewer's UI is bokmål
    page = client.get(f"/gjennomgang/krav/{reference}").get_data(as_text=True)
    assert '<html lang="nb"' in page and '<article class="letter" lang="nn">' in page
    letter = page.split('<article class="letter" lang="nn">', 1)[1]
    assert "Førehandsvarsel om krav om tilbakebetaling av tilskot" in letter
    assert "UTKAST – ikkje sendt" in letter
    assert "Vi har gått gjennom rapporten dykkar om bruken av tilskotet" in letter
    assert "Rapporten dykkar viser at 20\xa0000\xa0kr av tilskotet ikkje er brukt." in letter
    assert "Kor mykje av tilskotet vart brukt i 2022?: 80\xa0000\xa0kr" in letter
    assert "forvaltningsloven § 16" in letter
    assert "tilskudd" not in letter and "foreslås" not in letter  # no bokmål, no rule text
    with app.app_context():
        claim = db.session.scalar(sa.select(Claim))
        claim_process.send_notice(claim, db.session.scalar(
            sa.select(User).where(User.email == OFFICER)))
    text = flat(client.get(f"/gjennomgang/krav/{reference}/forhandsvarsel.pdf").data)
    assert "UTKAST" not in text and "Førehandsvarsel om krav" in text
    assert "Kari Saksbehandler" in text and "Frist for fråsegn" in text


def test_an_office_scheme_is_signed_by_the_office_with_its_own_address(app, users):
    """765.62 is run by the offices (schemes.yaml): a claim on Lillehammer's grant comes from
    Statsforvalteren i Innlandet, with seed 001's address, and can be appealed."""
    with app.app_context():
        make_round("kommunalt-rusarbeid-ny/2024", amounts={"3405": 330_000})
        grant = db.session.scalar(sa.select(Grant))
        db.session.add_all([
            Mailbox(number="3405", email="postmottak@lillehammer.kommune.no"),
            Flag(grant_id=grant.id, rule_id="not-reported", severity="repayment",
                 status="open", amount_ore=33_000_000, explanation={
                     "rule": "not-reported", "reclaims": "whole",
                     "title": {"nb": "Ikke rapportert", "nn": "Ikkje rapportert"},
                     "text": {"nb": "Foreslås krevd tilbake.", "nn": "Blir foreslått."},
                     "figures": {"report.submitted": False}})])
        db.session.commit()
        UserFactory(email=OFFICER, role="reviewer", name="Kari Saksbehandler",
                    office="innlandet")
        UserFactory(email=APPROVER, role="reviewer", name="Per Direktør", office="innlandet",
                    approves_decisions=True)
        reference = decided(app, db.session.scalar(sa.select(Flag)), "Ikke rapportert.")
    text = flat(signed_in(app, APPROVER).get(f"/gjennomgang/krav/{reference}.pdf").data)
    assert "Statsforvalteren i Innlandet" in text and "Postboks 987" in text
    assert "Helsedirektoratet" not in text
    assert "Vi har ikke mottatt rapporten deres om bruken av tilskuddet" in text
    assert "Foreslås krevd tilbake" not in text  # the rule's reviewer text stays out
    assert "kapittel 765 post 62" in text
    assert "Dere kan klage på vedtaket innen tre uker" in text
    with app.app_context():
        kid = db.session.scalar(sa.select(Claim.kid))
    assert kid_problem(kid, KidMethod.MOD11) is None  # the offices' method (letters.yaml)


def test_without_a_letters_file_no_claim_is_made(app, make_app, tmp_path):
    """A folder of questionnaires without letters.yaml: claims are refused with the reason."""
    root = Path(__file__).resolve().parents[2] / "questionnaires"
    folder = tmp_path / "questionnaires"
    shutil.copytree(root, folder)
    (folder / "schemes" / "letters.yaml").unlink()
    other = make_app(QUESTIONNAIRES_DIR=str(folder))
    with other.app_context():
        make_round(amounts={"3405": 100_000})
        grant = db.session.scalar(sa.select(Grant))
        db.session.add(Flag(grant_id=grant.id, rule_id="not-reported", severity="repayment",
                            status="open", amount_ore=100, explanation={}))
        reviewer = UserFactory(email=OFFICER, role="reviewer")
        with pytest.raises(decisions.DecisionError, match=r"letters\.yaml: no such file"):
            decisions.claim([db.session.scalar(sa.select(Flag))], 100, "Grunn.", reviewer)
        assert db.session.scalar(sa.select(sa.func.count(Claim.id))) == 0
