"""Grant decision letters (issue 16, item 1): `flask --app wsgi letters decisions SLUG/YEAR`.

The full round (356 letters) is queued with a cheap PDF maker (the letter's HTML as its
bytes) so the test stays fast; the real PDFs are made and read (pypdf) for 3405
Lillehammer and 1577 Volda. Runs on SQLite and PostgreSQL (the `app` fixture).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from survey_app.extensions import db
from survey_app.mail import build_message, with_attachments
from survey_app.models import (
    AuditEvent,
    Grant,
    GrantLetter,
    GrantStatus,
    MailAttachment,
    Mailbox,
    OutboxMail,
    Round,
    StoredFile,
)
from survey_app.services import decision_letters, letter_config, rounds
from survey_app.services.rounds import find_round
from tests.conftest import at_once
from tests.factories import make_round

LAVTERSKEL = "lavterskel-psykisk-helse/2022"
LETTERS = Path(__file__).resolve().parent.parent / "questionnaires" / "schemes" / "letters.yaml"
TODAY = dt.date(2022, 3, 25)


def run(runner, *args: str):
    return runner.invoke(args=[str(a) for a in args])


def cheap_pdf(html: str) -> bytes:
    return html.encode("utf-8")


def text_of(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture
def allocated(app, runner) -> None:
    """Lavterskel 2022 by the key population over the shipped 2022 register (356
    municipalities), dated as in seed 000, and a post box for every municipality."""
    created = run(runner, "rounds", "create", LAVTERSKEL, "--opens", "09.01.2023",
                  "--deadline", "2023-04-01", "--grace-days", "14",
                  "--opt-out-deadline", "2022-04-22", "--payment-date", "29.04.2022",
                  "--budget", "100 000 000")
    assert created.exit_code == 0, created.output
    allocation = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "100000000",
                     "--key", "population")
    assert allocation.exit_code == 0, allocation.output
    with app.app_context():
        numbers = db.session.scalars(sa.select(Grant.municipality_number)).all()
        assert len(numbers) == 356
        db.session.add_all(Mailbox(number=n, email=f"postmottak@k{n}.kommune.no")
                           for n in numbers)
        db.session.commit()


def _letter_files(number: str) -> dict[str, bytes]:
    letter = db.session.scalar(sa.select(GrantLetter).join(Grant)
                               .where(Grant.municipality_number == number))
    assert letter is not None and letter.outbox_id is not None
    attachments = db.session.scalars(sa.select(MailAttachment).where(
        MailAttachment.outbox_id == letter.outbox_id).order_by(MailAttachment.position))
    return {a.filename: a.file.data for a in attachments}


def test_the_letters_for_lillehammer_and_volda_say_what_seed_000_says(app, runner, allocated):
    result = run(runner, "letters", "decisions", LAVTERSKEL, "--municipality", "3405",
                 "--municipality", "1577", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert result.output == f"{LAVTERSKEL}: decision letters queued 2, already queued 0\n"
    with app.app_context():
        amount = db.session.scalar(sa.select(Grant.amount)
                                   .where(Grant.municipality_number == "3405"))
        languages = {number: language for number, language in db.session.execute(
            sa.select(Grant.municipality_number, GrantLetter.language).join(Grant))}
        assert languages == {"3405": "nb", "1577": "nn"}
        files = _letter_files("3405")
        assert list(files) == ["vedtaksbrev-lavterskel-psykisk-helse-2022-3405.pdf",
                               "tildeling-lavterskel-psykisk-helse-2022.pdf",
                               "tildeling-lavterskel-psykisk-helse-2022.xlsx"]
        text = text_of(files["vedtaksbrev-lavterskel-psykisk-helse-2022-3405.pdf"])
        kroner = f"{amount:,}".replace(",", " ") + " kr"
        assert f"Lillehammer kommune er tildelt {kroner}." in text
        for expected in ("Innvilger tilskudd til Midlertidig styrking av lavterskeltilbud "
                         "innen psykisk helse over statsbudsjettet 2022, kapittel 762.60",
                         "til Helsedirektoratet innen 22.04.2022",
                         "Tilskuddet utbetales 29.04.2022.",
                         "skal besvares innen 01.04.2023",
                         "Det er fordelt totalt 100 000 000 kr til alle landets kommuner",
                         "vil midlene bli krevd tilbakebetalt",
                         "Dere har ikke klagerett på avgjørelsen. Dette følger av "
                         "forvaltningsloven § 28.",
                         "Elise Husum e.f.", "Hyesun Lee", "Dokumentet er godkjent elektronisk",
                         "postmottak@k3405.kommune.no"):
            assert expected in text, expected
        volda = text_of(_letter_files("1577")[
            "vedtaksbrev-lavterskel-psykisk-helse-2022-1577.pdf"])
        assert "Innvilgar tilskot til Mellombels styrking av lågterskeltilbod" in volda
        assert "De har ikkje klagerett på avgjerda." in volda
        assert "innan 22.04.2022" in volda and "Dere" not in volda
        # The allocation list: every municipality and the sum, in the workbook and the PDF.
        sheet = openpyxl.load_workbook(io.BytesIO(
            files["tildeling-lavterskel-psykisk-helse-2022.xlsx"])).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == ("Kommunenummer", "Kommune", "Tildelt")
        assert len(rows) == 1 + 356 + 1 and ("3405", "Lillehammer", amount) in rows
        assert sum(r[2] for r in rows[1:-1]) == 100_000_000
        listing = text_of(files["tildeling-lavterskel-psykisk-helse-2022.pdf"])
        assert "Tildeling per kommune" in listing and f"3405 Lillehammer {kroner}" in listing
        # Two languages, so two lists of each kind; stored once however many letters.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 6
        mail = db.session.scalar(sa.select(OutboxMail).where(
            OutboxMail.to == "postmottak@k1577.kommune.no"))
        assert mail.kind == "grant-decision" and mail.subject.startswith("Innvilgar tilskot")
        assert "vedtaksbrev-lavterskel-psykisk-helse-2022-1577.pdf" in mail.body
        # SMTP delivery carries the three files.
        message = with_attachments(build_message(mail.to, mail.subject, mail.body), mail.id)
        assert [p.get_filename() for p in message.iter_attachments()] == [
            "vedtaksbrev-lavterskel-psykisk-helse-2022-1577.pdf",
            "tildeling-lavterskel-psykisk-helse-2022.pdf",
            "tildeling-lavterskel-psykisk-helse-2022.xlsx"]
        events = db.session.scalars(sa.select(AuditEvent.object_id).where(
            AuditEvent.action == "letter.decision.queue")).all()
        assert sorted(events) == [f"{LAVTERSKEL}/1577", f"{LAVTERSKEL}/3405"]


def test_the_whole_round_queues_356_letters_once(app, runner, allocated):
    with app.app_context():
        round_ = find_round(LAVTERSKEL)
        first = decision_letters.queue_decisions(round_, today=TODAY, to_pdf=cheap_pdf,
                                                 workers=1)
        assert (first.queued, first.already, first.no_postbox) == (356, 0, [])
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 356
        volda = db.session.scalar(sa.select(GrantLetter).join(Grant)
                                  .where(Grant.municipality_number == "1577"))
        assert volda.language == "nn"
        nynorsk = db.session.scalar(sa.select(sa.func.count()).select_from(GrantLetter)
                                    .where(GrantLetter.language == "nn"))
        assert 0 < nynorsk < 356
    again = run(runner, "letters", "decisions", LAVTERSKEL)
    assert again.exit_code == 0, again.output
    assert again.output == f"{LAVTERSKEL}: decision letters queued 0, already queued 356\n"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 356


def test_two_runs_at_once_queue_each_letter_once(app):
    with app.app_context():
        make_round()
        db.session.add_all([Mailbox(number="3405", email="postmottak@lillehammer.kommune.no"),
                            Mailbox(number="0301", email="postmottak@oslo.kommune"),])
        db.session.commit()

    def job() -> decision_letters.Summary:
        with app.app_context():
            return decision_letters.queue_decisions(find_round(LAVTERSKEL), today=TODAY,
                                                    to_pdf=cheap_pdf, workers=1)

    summaries = at_once([job, job])
    assert sum(s.queued for s in summaries) == 2
    assert sum(s.already for s in summaries) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GrantLetter)) == 2


def test_a_missing_post_box_is_named_and_an_opted_out_grant_gets_no_letter(app, runner):
    with app.app_context():
        created = make_round(amounts={"3405": 1_000, "0301": 2_000, "1577": 3_000})
        db.session.add(Mailbox(number="3405", email="postmottak@lillehammer.kommune.no"))
        grant = db.session.scalar(sa.select(Grant).where(Grant.round_id == created.id,
                                                         Grant.municipality_number == "1577"))
        grant.status = GrantStatus.OPTED_OUT
        db.session.commit()
    result = run(runner, "letters", "decisions", LAVTERSKEL, "--workers", "1")
    assert result.exit_code == 1
    assert "No post box registered, so no letter for: 0301" in result.output
    assert (f"{LAVTERSKEL}: decision letters queued 1, already queued 0, opted out "
            "(no letter) 1, no post box registered 1") in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(OutboxMail.to)).all() == [
            "postmottak@lillehammer.kommune.no"]
        rows = decision_letters.allocation_rows(find_round(LAVTERSKEL))
        assert [r.number for r in rows] == ["0301", "3405"]


def test_a_scheme_without_decision_texts_is_refused_clearly(app, runner):
    with app.app_context():
        make_round("rask-psykisk-helsehjelp/2022")
        db.session.add(Mailbox(number="3405", email="postmottak@lillehammer.kommune.no"))
        db.session.commit()
    result = run(runner, "letters", "decisions", "rask-psykisk-helsehjelp/2022")
    assert result.exit_code == 1
    assert "Error: rask-psykisk-helsehjelp/2022: no decision letters:" in result.output
    assert "schemes.rask-psykisk-helsehjelp has no decision block" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0


def test_a_round_without_the_dates_the_letter_names_is_refused(app, runner):
    with app.app_context():
        rounds.sync_schemes()
        rounds.create_round(LAVTERSKEL, rounds.RoundDates(
            opens_on=dt.date(2023, 1, 9), deadline=dt.date(2023, 4, 1)))
        db.session.commit()
    result = run(runner, "letters", "decisions", LAVTERSKEL)
    assert result.exit_code == 1
    assert ("names the opt-out deadline and the payment date, which the round does not "
            "have") in result.output
    assert "--opt-out-deadline, --payment-date" in result.output
    unknown = run(runner, "letters", "decisions", "nope/2022")
    assert unknown.exit_code == 1 and "Error:" in unknown.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Round)) == 1


def test_an_unknown_municipality_is_refused(app, runner, lavterskel):
    result = run(runner, "letters", "decisions", LAVTERSKEL, "--municipality", "9999")
    assert result.exit_code == 1
    assert f"Error: {LAVTERSKEL} has no grant to 9999" in result.output


def _parse(text: str) -> letter_config.LetterConfig:
    slugs = ["lavterskel-psykisk-helse", "kommunalt-rusarbeid-overgang",
             "kommunalt-rusarbeid-ny", "langvarige-sammensatte-voksne",
             "langvarige-sammensatte-barn-unge", "rask-psykisk-helsehjelp"]
    return letter_config.parse(text, "letters.yaml", slugs)


def test_the_shipped_decision_texts_load_and_a_bad_one_stops_the_service():
    shipped = LETTERS.read_text("utf-8")
    texts = _parse(shipped).schemes["lavterskel-psykisk-helse"].decision
    assert texts is not None and [s.heading["nb"] for s in texts.sections] == [
        "Formål med vedtaksbrevet", "Innvilgelse av tilskudd", "Mål, føringer og vilkår",
        "Rapporteringskrav", "Klagerett"]
    assert _parse(shipped).schemes["rask-psykisk-helsehjelp"].decision is None
    unknown = shipped.replace("innen {opt_out_deadline}.", "innen {opt_out_day}.", 1)
    with pytest.raises(letter_config.LetterConfigError, match=r"unknown placeholder "
                       r"\{opt_out_day\}"):
        _parse(unknown)
    no_nynorsk = shipped.replace("closing: {nb: Vennlig hilsen, nn: Venleg helsing}",
                                 "closing: {nb: Vennlig hilsen}", 1)
    with pytest.raises(letter_config.LetterConfigError,
                       match=r"decision.closing must have a text in nb and nn"):
        _parse(no_nynorsk)
