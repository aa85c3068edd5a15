"""Administration: the start page, the accounts and the audit log."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from survey_app.access import Action, requires
from survey_app.extensions import db
from survey_app.mail import mail_counts
from survey_app.models import AuditEvent, Municipality, User
from survey_app.query_args import date_arg, page_arg

bp = Blueprint("admin", __name__)
PAGE_SIZE = 100


@bp.route("/admin")
@requires(Action.ADMIN)
def home() -> str:
    counts = {
        "users": db.session.scalar(sa.select(sa.func.count(User.id))),
        "municipalities": db.session.scalar(sa.select(sa.func.count(Municipality.id))),
        "events": db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
    }
    return render_template("admin/home.html", counts=counts, mail=mail_counts())


@bp.route("/admin/brukere")
@requires(Action.ADMIN)
def users() -> str:
    rows = db.session.scalars(sa.select(User).order_by(User.role, User.email)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/logg")
@requires(Action.READ_AUDIT_LOG)
def audit_log() -> str:
    filters = {k: request.args.get(k, "").strip() for k in ("actor", "action", "object_type",
                                                            "object_id")}
    query = sa.select(AuditEvent)
    for key, value in filters.items():
        if value:
            query = query.where(getattr(AuditEvent, key) == value)
    (start, start_ok), (end, end_ok) = date_arg(request.args, "from"), date_arg(request.args,
                                                                                "to")
    if start:
        query = query.where(AuditEvent.at >= dt.datetime.combine(start, dt.time()))
    if end:
        query = query.where(AuditEvent.at < dt.datetime.combine(end + dt.timedelta(days=1),
                                                                dt.time()))
    page = page_arg(request.args)
    events = db.session.scalars(query.order_by(AuditEvent.id.desc())
                                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct()
                                 .order_by(AuditEvent.action)).all()
    return render_template("admin/audit_log.html", events=events[:PAGE_SIZE],
                           more=len(events) > PAGE_SIZE, page=page, filters=filters,
                           start=start, end=end, actions=actions,
                           date_error=not (start_ok and end_ok))
