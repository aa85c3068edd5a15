"""The outbox: every mail the service sent, will send or, in development, would have sent;
an admin can send a given-up mail again (once the address or the server is fixed)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey_app import audit
from survey_app.access import Action, requires
from survey_app.admin.views import PAGE_SIZE, bp
from survey_app.extensions import db
from survey_app.mail import mail_counts, send_again
from survey_app.models import MailState, OutboxMail
from survey_app.query_args import page_arg

STATES = (MailState.FAILED, MailState.QUEUED, MailState.SENT, MailState.STORED)


@bp.route("/admin/utboks")
@requires(Action.ADMIN)
def outbox() -> str:
    page = page_arg(request.args)
    # Finding the few mails that were given up among thousands sent is the point of it.
    state = request.args.get("tilstand", "")
    query = sa.select(OutboxMail)
    if state in STATES:
        query = query.where(OutboxMail.state == state)
    else:
        state = ""
    mails = db.session.scalars(
        query.order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template("admin/outbox.html", mails=mails[:PAGE_SIZE],
                           more=len(mails) > PAGE_SIZE, page=page, chosen=state,
                           counts=mail_counts())



@bp.route("/admin/utboks/<int:mail_id>")
@requires(Action.ADMIN)
def outbox_mail(mail_id: int) -> str:
    return render_template("admin/outbox_mail.html", mail=_mail(mail_id))


@bp.route("/admin/utboks/<int:mail_id>/send-igjen", methods=["POST"])
@requires(Action.ADMIN)
def outbox_send_again(mail_id: int) -> Response:
    mail = _mail(mail_id)
    if mail.state not in (MailState.FAILED, MailState.SENT):  # SENT: another admin was first
        flash(_("Only a mail that was given up can be sent again."), "error")
        return redirect(url_for("admin.outbox_mail", mail_id=mail.id))
    before = {"state": mail.state, "attempts": mail.attempts}
    audit.record("mail.send_again", "outbox", mail.id, before=before)
    db.session.commit()  # the request is on record even if the attempt fails
    if send_again(mail):
        flash(_("The mail was sent."), "success")
    else:
        flash(_("The mail could not be sent: %(error)s", error=mail.last_error or mail.state),
              "error")
    return redirect(url_for("admin.outbox_mail", mail_id=mail.id))


def _mail(mail_id: int) -> OutboxMail:
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None:
        abort(404)
    return mail
