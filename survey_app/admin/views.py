"""Administration: the start page, the accounts and the audit log."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from survey_app.access import Action, requires
from survey_app.extensions import db
from survey_app.mail import mail_counts
from survey_app.models import AuditEvent, Municipality, User

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


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/logg")
@requires(Action.READ_AUDIT_LOG)
def audit_log() -> str:
    filters = {k: request.args.get(k, "").strip() for k in ("actor", "action", "object_type",
                                                            "object_id")}
    query = sa.select(AuditEvent)
    for key, value in filters.items():
        if value:
            query = query.where(getattr(AuditEvent, key) == value)
    start, end = _date("from"), _date("to")
    if start:
        query = query.where(AuditEvent.at >= dt.datetime.combine(start, dt.time()))
    if end:
        query = query.where(AuditEvent.at < dt.datetime.combine(end + dt.timedelta(days=1),
                                                                dt.time()))
    page = max(request.args.get("page", 1, type=int), 1)
    events = db.session.scalars(query.order_by(AuditEvent.id.desc())
                                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct()
                                 .order_by(AuditEvent.action)).all()
    return render_template("admin/audit_log.html", events=events[:PAGE_SIZE],
                           more=len(events) > PAGE_SIZE, page=page, filters=filters,
                           start=start, end=end, actions=actions)
