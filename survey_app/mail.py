"""Sending mail: through SMTP in production, into the outbox table in development.

Every mail leaves a row in the outbox (``OutboxMail``), which admins read at
``/admin/utboks``. With ``MAIL_BACKEND = "outbox"`` that row *is* the delivery: the whole
mail is kept so a developer can follow its links. With ``"smtp"`` the mail goes out
through ``SMTP_HOST`` and the row keeps a copy in which every personal link is replaced
by "[personlig lenke]": a token must never be readable from the database.

Two ways to send:

* :func:`send_mail` sends now and raises :class:`MailError` on failure; the cron jobs
  (invitations, reminders) use it and release their claim when it fails.
* :func:`queue_mail` only adds a queued row, so the mail is committed together with what
  it is about (a receipt with its submission): it cannot be lost by a crash or an SMTP
  server that is down. :func:`deliver_queued` sends queued rows — a receipt once its
  page has gone to the browser (:func:`deliver_after_response`), and from cron
  (``flask --app wsgi mail send``) whatever is left —
  retrying with growing pauses and giving up after ``MAX_ATTEMPTS``.

The caller commits the outbox row together with whatever the mail is about.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import sqlalchemy as sa
from flask import current_app
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.extensions import db
from survey_app.models import MailAttachment, MailState, OutboxMail
from survey_app.models.users import utcnow

log = logging.getLogger(__name__)

# A personal link, with or without scheme and host: `https://host/invitasjon/<token>`, or
# a link to choose a new password (`/tilbakestill-passord/<token>`).
PERSONAL_LINK = re.compile(r"\S*/(?:invitasjon|tilbakestill-passord)/[A-Za-z0-9_\-]+")
REDACTED_LINK = "[personlig lenke]"

# A queued mail is tried at most this often; the pause after attempt n is RETRY_PAUSE * 2**(n-1)
# (5 min, 10, 20, 40, ... about 21 hours in all), so a weekend's SMTP outage is not enough
# to lose a receipt, but a mail to an address that is refused forever stops being retried.
MAX_ATTEMPTS = 9
RETRY_PAUSE = dt.timedelta(minutes=5)
# A sender's claim on a mail: longer than any SMTP conversation (SMTP_TIMEOUT is 30 s),
# so a mail claimed by a server that died is tried again after this.
CLAIM = dt.timedelta(minutes=5)


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


def with_attachments(message: EmailMessage, mail_id: int) -> EmailMessage:
    """The message with the outbox mail's attached files (MailAttachment), in order."""
    for attachment in db.session.scalars(
            sa.select(MailAttachment).where(MailAttachment.outbox_id == mail_id)
            .order_by(MailAttachment.position, MailAttachment.id)):
        maintype, _, subtype = attachment.file.content_type.partition("/")
        message.add_attachment(attachment.file.data, maintype=maintype, subtype=subtype,
                               filename=attachment.filename)
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
    smtp = _smtp()
    if smtp:
        _deliver_smtp(build_message(to, subject, body))
    now = utcnow()
    row = OutboxMail(to=to, subject=subject, body=redact(body) if smtp else body, kind=kind,
                     grant_id=grant_id, state=MailState.SENT if smtp else MailState.STORED,
                     attempts=int(smtp), sent_at=now if smtp else None, created_at=now)
    db.session.add(row)
    return row


def queue_mail(to: str, subject: str, body: str, *, kind: str,
               grant_id: int | None = None) -> OutboxMail:
    """Add the mail to the outbox, to be sent by :func:`deliver_queued` after the caller
    commits; with the outbox backend it is only stored, as :func:`send_mail` would."""
    now = utcnow()
    row = OutboxMail(to=to, subject=subject, body=body, kind=kind, grant_id=grant_id,
                     state=MailState.QUEUED if _smtp() else MailState.STORED,
                     next_attempt_at=now, created_at=now)
    db.session.add(row)
    return row


@dataclass
class Delivery:
    """What one :func:`deliver_queued` run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another server at the same moment
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"sent {self.sent}, to retry {self.retrying}, given up {self.failed}, "
                f"skipped {self.skipped}")


def deliver_queued(now: dt.datetime | None = None, ids: Iterable[int] | None = None) -> Delivery:
    """Send every queued mail that is due (only those in `ids`, when given), each claimed
    and committed on its own: safe to run on several servers at once; commits."""
    now = now or utcnow()
    due = sa.select(OutboxMail.id).where(OutboxMail.state == MailState.QUEUED,
                                         OutboxMail.next_attempt_at <= now)
    if ids is not None:
        due = due.where(OutboxMail.id.in_(list(ids)))
    delivery = Delivery()
    for mail_id in db.session.scalars(due.order_by(OutboxMail.id)).all():
        if not _claim(mail_id, now):
            delivery.skipped += 1
            continue
        _attempt(db.session.get_one(OutboxMail, mail_id), now, delivery)
        db.session.commit()
    return delivery


def send_again(mail: OutboxMail, now: dt.datetime | None = None) -> bool:
    """An admin's "send again" for a mail that was given up (the address or the server has
    been fixed): a fresh series of attempts, the first one now; True when it was sent.
    Only a given-up mail: a queued one belongs to the cron job, which may be sending it at
    this moment. The state change is conditional, and the attempt claims the mail as
    always, so two admins pressing at once send it once; the caller audit-logs it."""
    now = now or utcnow()
    db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == mail.id, OutboxMail.state == MailState.FAILED)
        .values(state=MailState.QUEUED, attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    deliver_queued(now, ids=[mail.id])
    db.session.refresh(mail)
    return mail.state == MailState.SENT


def deliver_after_response(response: WerkzeugResponse, mails: Iterable[OutboxMail]) -> None:
    """Send the queued `mails` once the response has gone to the browser (the WSGI server
    closes it then), so nobody waits for the SMTP server; what fails stays queued."""
    if not _smtp():  # the outbox backend stored them: nothing to send (and no reload)
        return
    ids = [mail.id for mail in mails]
    if not ids:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def deliver() -> None:
        with app.app_context():
            try:
                deliver_queued(ids=ids)
            except Exception:  # after the response nobody can be told; `mail send` retries
                log.exception("sending queued mail %s after the response failed", ids)

    response.call_on_close(deliver)


def mail_counts() -> dict[str, int]:
    """How many mails are in each state (a state with none is absent)."""
    return {state: count for state, count in db.session.execute(
        sa.select(OutboxMail.state, sa.func.count(OutboxMail.id)).group_by(OutboxMail.state))}


def _smtp() -> bool:
    return bool(current_app.config["MAIL_BACKEND"] == "smtp")


def _claim(mail_id: int, now: dt.datetime) -> bool:
    """Move the mail's next attempt past the claim period, only if it is still due: of two
    servers doing this at once, exactly one changes the row."""
    claimed = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.state == MailState.QUEUED,
               OutboxMail.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return bool(getattr(claimed, "rowcount", 0) == 1)


def _attempt(mail: OutboxMail, now: dt.datetime, delivery: Delivery) -> None:
    mail.attempts += 1
    try:
        _deliver_smtp(with_attachments(build_message(mail.to, mail.subject, mail.body),
                                       mail.id))
    except Exception as error:  # any failure (refused address too) leaves it for a retry
        log.warning("mail %s to %s, attempt %s: %s", mail.id, mail.to, mail.attempts, error)
        mail.last_error = str(error)[:2000]
        if mail.attempts >= MAX_ATTEMPTS:
            mail.state, mail.next_attempt_at = MailState.FAILED, None
            delivery.failed += 1
        else:
            mail.next_attempt_at = now + RETRY_PAUSE * 2 ** (mail.attempts - 1)
            delivery.retrying += 1
        delivery.failures.append(f"{mail.to} ({mail.kind}): {error}")
        return
    mail.state, mail.sent_at, mail.next_attempt_at = MailState.SENT, now, None
    mail.body = redact(mail.body)
    delivery.sent += 1
