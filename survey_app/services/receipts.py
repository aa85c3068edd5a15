"""The receipt of a submission: its lines (for the page, the PDF and the mail), the PDF,
and the receipt mail to the person who submitted and the municipality's post box."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale, gettext

from forms.answers import answers_from_json
from forms.builder import format_answer, render_text
from survey_app.mail import queue_mail
from survey_app.models import Grant, Mailbox, Municipality, OutboxMail, Submission
from survey_app.pdf import html_to_pdf
from survey_app.services import letter_config, responses
from survey_app.services.authority import signer
from survey_app.services.rounds import grant_context

# The page numbering's words in the PDF's footer (CSS counters sit between them).
PAGE_WORDS = {"nb": ("Side", "av"), "nn": ("Side", "av"), "en": ("Page", "of")}


@dataclass(frozen=True)
class Line:
    section: str
    label: str
    answer: str
    answered: bool = True  # False: the question was left empty ("Not answered")


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
                value = answers[question.id]
                lines.append(Line(title, render_text(question.label, language, context),
                                  format_answer(question, value, language, context),
                                  answered=value is not None and value != []))
    return lines


def receipt_pdf(grant: Grant, municipality: Municipality, submission: Submission,
                language: str) -> bytes:
    """The receipt as a tagged PDF (survey_app.pdf) in ``language``, with the letters'
    layout: the administering authority as sender, the reference block, every answer as
    on the receipt page, and what happens next."""
    sender = signer(grant, language)
    with force_locale(language):
        body = render_template(
            "report/receipt_pdf.html", grant=grant, m=municipality, submission=submission,
            language=language, sender=sender, authority=letter_config.authority_of(grant),
            questionnaire_title=render_text(responses.questionnaire_version(
                submission.questionnaire_id, submission.questionnaire_version).title, language,
                grant_context(grant, municipality)),
            lines=receipt_lines(grant, submission, language, grant_context(grant, municipality)))
        document = render_template(
            "pdf/document.html", title=gettext("Receipt %(reference)s",
                                               reference=submission.reference),
            language=language, author=sender, reference=submission.reference,
            footer=PAGE_WORDS.get(language, PAGE_WORDS["nb"]), body=body)
    return html_to_pdf(document)


def receipt_addresses(mailbox: Mailbox | None, submitter: str) -> list[str]:
    """The person who submitted, and the municipality's post box (as `find_report` read
    it with the grant) for its archive."""
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
