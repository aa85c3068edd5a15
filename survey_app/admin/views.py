"""Administration: the start page, the accounts and the audit log."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from survey_app import sessions
from survey_app.access import Action, requires
from survey_app.audit_words import action_words, object_words
from survey_app.extensions import db
from survey_app.listing import DESC, Listing, choice_arg
from survey_app.mail import mail_counts
from survey_app.models import AuditEvent, Municipality, User, UserSession
from survey_app.query_args import date_arg
from survey_app.services import users as user_service
from survey_app.services.audit_log import visible_to

bp = Blueprint("admin", __name__)
bp.add_app_template_filter(action_words)
bp.add_app_template_filter(object_words)
PAGE_SIZE = 100
OSLO = ZoneInfo("Europe/Oslo")


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
    args = request.args
    # An office's auditor sees only the office's events (services.audit_log).
    scope = visible_to(current_user)
    actions = db.session.scalars(sa.select(AuditEvent.action).where(scope).distinct()).all()
    object_types = db.session.scalars(sa.select(AuditEvent.object_type).where(scope)
                                      .distinct()).all()
    filters = {k: (args.get(k) or "").strip() for k in ("actor", "object_id")}
    filters["action"], action_ok = choice_arg(args, "action", actions)
    filters["object_type"], type_ok = choice_arg(args, "object_type", object_types)
    query = sa.select(AuditEvent).where(scope)
    for key, value in filters.items():
        if value:
            query = query.where(getattr(AuditEvent, key) == value)
    (start, start_ok), (end, end_ok) = date_arg(args, "from"), date_arg(args, "to")
    # The dates are the reader's, in Europe/Oslo; the log keeps UTC.
    if start:
        query = query.where(AuditEvent.at >= _utc_midnight(start))
    if end:
        query = query.where(AuditEvent.at < _utc_midnight(end + dt.timedelta(days=1)))
    # The events in the words the reader reads, in the order of those words.
    in_words = sorted(actions, key=lambda a: action_words(a).casefold())
    sorts = {"time": AuditEvent.at, "actor": AuditEvent.actor,
             "action": sa.case({a: i for i, a in enumerate(in_words)},
                               value=AuditEvent.action, else_=len(in_words))
             if in_words else AuditEvent.action}
    listing = Listing.from_args(args, list(sorts), "time", DESC, per_page=PAGE_SIZE)
    page = listing.paged(query, sorts, tiebreak=(AuditEvent.id.desc(),))
    ignored = [(name, label) for name, label, ok in (
        ("action", _("Event"), action_ok), ("object_type", _("Object type"), type_ok))
        if not ok]
    return render_template(
        "admin/audit_log.html", page=page, filters=filters, start=start, end=end,
        actions=[(a, action_words(a)) for a in in_words],
        object_types=sorted(((t, object_words(t)) for t in object_types),
                            key=lambda c: c[1].casefold()),
        ignored=ignored, date_error=not (start_ok and end_ok))


def _utc_midnight(day: dt.date) -> dt.datetime:
    """The start of a day in Europe/Oslo as the log stores times: naive UTC."""
    return (dt.datetime.combine(day, dt.time(), tzinfo=OSLO).astimezone(dt.UTC)
            .replace(tzinfo=None))
