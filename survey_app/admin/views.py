"""Administration: the start page, the accounts and the audit log."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from survey_app import sessions
from survey_app.access import Action, requires
from survey_app.audit_words import action_words, object_words
from survey_app.extensions import db
from survey_app.mail import mail_counts
from survey_app.models import AuditEvent, Municipality, User, UserSession
from survey_app.query_args import date_arg, page_arg
from survey_app.services import users as user_service
from survey_app.services.audit_log import visible_to

bp = Blueprint("admin", __name__)
bp.add_app_template_filter(action_words)
bp.add_app_template_filter(object_words)
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


# The accounts' list, page and changes: survey_app/admin/users.py.


@bp.route("/admin/brukere/<int:user_id>/okter")
@requires(Action.ADMIN)
def user_sessions(user_id: int) -> str:
    """A user's open sessions: since when, last seen, from where."""
    user = user_or_404(user_id)
    records = db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == user.id, sessions.alive())
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())).all()
    return render_template("admin/user_sessions.html", user=user, records=records)


@bp.route("/admin/brukere/<int:user_id>/okter/avslutt", methods=["POST"])
@requires(Action.ADMIN)
def end_user_sessions(user_id: int) -> Response:
    ended = user_service.end_sessions(user_or_404(user_id))
    flash(_("Sessions ended: %(count)d.", count=ended), "success")
    return redirect(url_for("admin.user_sessions", user_id=user_id))


def user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/logg")
@requires(Action.READ_AUDIT_LOG)
def audit_log() -> str:
    filters = {k: request.args.get(k, "").strip() for k in ("actor", "action", "object_type",
                                                            "object_id")}
    # An office's auditor sees only the office's events (services.audit_log).
    scope = visible_to(current_user)
    query = sa.select(AuditEvent).where(scope)
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
    actions = db.session.scalars(sa.select(AuditEvent.action).where(scope).distinct()
                                 .order_by(AuditEvent.action)).all()
    return render_template("admin/audit_log.html", events=events[:PAGE_SIZE],
                           more=len(events) > PAGE_SIZE, page=page, filters=filters,
                           start=start, end=end, actions=actions,
                           date_error=not (start_ok and end_ok))
