"""The receipt of a submission: its lines (for the page, the PDF and the mail), the PDF,
and the receipt mail to the person who submitted and the municipality's post box."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import render_template
from flask_babel import force_locale
from fpdf import FPDF

from forms.answers import answers_from_json
from forms.builder import format_answer, render_text
from survey_app.extensions import db
from survey_app.mail import queue_mail
from survey_app.models import Grant, Mailbox, Municipality, OutboxMail, Submission
from survey_app.services import responses
from survey_app.services.rounds import grant_context

# A Unicode font when the system has one (Debian: fonts-dejavu-core); otherwise the PDF
# core font, which covers Norwegian letters (Latin-1) but not every dash or quote.
FONT_CANDIDATES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),)


@dataclass(frozen=True)
class Line:
    section: str
    label: str
    answer: str


def receipt_lines(grant: Grant, submission: Submission, language: str,
                  context: Mapping[str, object] | None = None) -> list[Line]:
    """Every answered question as `section, label, answer`, in the questionnaire's order
    and in the version the answers were given in (`context`: the grant's `context_of`,
    when the caller has it)."""
    questionnaire = responses.questionnaire_version(submission.questionnaire_id,
                                                    submission.questionnaire_version)
    answers = answers_from_json(questionnaire, submission.answers)
    context = context if context is not None else responses.context_of(grant)
    lines = []
    for section in questionnaire.sections:
        title = render_text(section.title, language, context)
        for question in section.questions:
            if question.id in answers and question.type != "info":
                lines.append(Line(title, render_text(question.label, language, context),
                                  format_answer(question, answers[question.id], language)))
    return lines


def _font(pdf: FPDF) -> str:
    for path in FONT_CANDIDATES:
        if path.exists():
            pdf.add_font("Body", fname=str(path))
            return "Body"
    return "Helvetica"


def _safe(text: str, font: str) -> str:
    if font != "Helvetica":
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(grant: Grant, municipality: Municipality, submission: Submission,
                language: str) -> bytes:
    with force_locale(language):
        heading = render_template("report/receipt_heading.txt", grant=grant, m=municipality,
                                  submission=submission, language=language)
    pdf = FPDF(format="A4")
    pdf.set_title(f"Kvittering {submission.reference}")
    pdf.set_lang(language if language != "en" else "en")
    pdf.add_page()
    font = _font(pdf)
    pdf.set_font(font, size=16)
    pdf.multi_cell(0, 9, _safe(heading.splitlines()[0], font), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=10)
    for text in heading.splitlines()[1:]:
        pdf.multi_cell(0, 6, _safe(text, font), new_x="LMARGIN", new_y="NEXT")
    current = None
    for line in receipt_lines(grant, submission, language):
        if line.section != current:
            current = line.section
            pdf.ln(3)
            pdf.set_font(font, size=12)
            pdf.multi_cell(0, 7, _safe(current, font), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(font, size=10)
        pdf.multi_cell(0, 5, _safe(f"{line.label}: {line.answer}", font),
                       new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def receipt_addresses(grant: Grant, submitter: str) -> list[str]:
    """The person who submitted, and the municipality's post box for its archive."""
    mailbox = db.session.get(Mailbox, grant.municipality_number)
    return [submitter] + ([mailbox.email] if mailbox and mailbox.email != submitter else [])


def queue_receipt(grant: Grant, municipality: Municipality, submission: Submission,
                  to: list[str], language: str) -> list[OutboxMail]:
    """Queues the receipt mail to each address in the submission's own transaction, so a
    stored submission always has its receipt on the way (sent by mail.deliver_queued)."""
    with force_locale(language):
        heading = render_template("report/receipt_heading.txt", grant=grant, m=municipality,
                                  submission=submission, language=language)
        lines = receipt_lines(grant, submission, language, grant_context(grant, municipality))
        body = render_template("mail/receipt.txt", heading=heading, lines=lines)
    subject = heading.splitlines()[0]
    return [queue_mail(address, subject, body, kind="receipt", grant_id=grant.id)
            for address in dict.fromkeys(to)]
