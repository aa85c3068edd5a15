"""Sending mail: through SMTP in production, into the outbox table in development.

Every mail leaves a row in the outbox (``OutboxMail``), which admins read at
``/admin/utboks``. With ``MAIL_BACKEND = "outbox"`` that row *is* the delivery: the whole
mail is kept so a developer can follow its links. With ``"smtp"`` the mail goes out
through ``SMTP_HOST`` and the row keeps a copy in which every personal link is replaced
by "[personlig lenke]": a token must never be readable from the database.

The caller commits the outbox row together with whatever the mail is about.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app

from survey_app.extensions import db
from survey_app.models import OutboxMail

# A personal link, with or without scheme and host: `https://host/invitasjon/<token>`.
PERSONAL_LINK = re.compile(r"\S*/invitasjon/[A-Za-z0-9_\-]+")
REDACTED_LINK = "[personlig lenke]"


class MailError(Exception):
    """The mail could not be handed to the SMTP server; the message says why."""


def redact(body: str) -> str:
    """The body with every personal link replaced, for storing what was sent."""
    return PERSONAL_LINK.sub(REDACTED_LINK, body)


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 mail with From, To, Subject, Date and Message-ID."""
    sender = current_app.config["MAIL_FROM"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(addr_spec=to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body, charset="utf-8")
    return message


def _deliver_smtp(message: EmailMessage) -> None:
    config = current_app.config
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"],
                          timeout=config["SMTP_TIMEOUT"]) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"{config['SMTP_HOST']}:{config['SMTP_PORT']}: {error}") from error


def send_mail(to: str, subject: str, body: str, *, kind: str,
              grant_id: int | None = None) -> OutboxMail:
    """Send (or, with the outbox backend, store) one mail; raises MailError on failure.

    ``kind`` says what the mail is for (invitation, reminder, receipt, ...); the returned
    outbox row is added to the session for the caller to commit.
    """
    smtp = current_app.config["MAIL_BACKEND"] == "smtp"
    if smtp:
        _deliver_smtp(build_message(to, subject, body))
    row = OutboxMail(to=to, subject=subject, body=redact(body) if smtp else body, kind=kind,
                     grant_id=grant_id, delivered=smtp)
    db.session.add(row)
    return row
