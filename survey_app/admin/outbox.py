"""The outbox: every mail the service sent or, in development, would have sent."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request

from survey_app.access import Action, requires
from survey_app.admin.views import PAGE_SIZE, bp
from survey_app.extensions import db
from survey_app.models import OutboxMail


@bp.route("/admin/utboks")
@requires(Action.ADMIN)
def outbox() -> str:
    page = max(request.args.get("page", 1, type=int), 1)
    mails = db.session.scalars(
        sa.select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template("admin/outbox.html", mails=mails[:PAGE_SIZE],
                           more=len(mails) > PAGE_SIZE, page=page)


@bp.route("/admin/utboks/<int:mail_id>")
@requires(Action.ADMIN)
def outbox_mail(mail_id: int) -> str:
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None:
        abort(404)
    return render_template("admin/outbox_mail.html", mail=mail)
