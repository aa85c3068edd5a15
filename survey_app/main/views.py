"""Start pages per role, municipality pages, the register and the accessibility statement."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from survey_app.access import (
    Action,
    can,
    enforce,
    in_scope,
    national_scope,
    public,
    regional_office,
    requires,
)
from survey_app.extensions import db
from survey_app.models import Municipality, Role
from survey_app.offices import OFFICES, office_name
from survey_app.review.queue import work_queue
from survey_app.services import coordinator_reports
from survey_app.services.register import (
    RegisterSelection,
    current_entry,
    municipalities_for_year,
)
from survey_app.services.responses import reports_of

bp = Blueprint("main", __name__)

START_PAGES = {
    Role.COORDINATOR: "main.my_reports",
    Role.REVIEWER: "main.review_home",
    Role.AUDITOR: "main.audit_home",
    Role.ADMIN: "admin.home",
    Role.AUTHOR: "authoring.workspace",
}


@bp.app_context_processor
def helpers() -> dict[str, object]:
    language = str(get_locale())

    def named(slug: str | None, year: int | None = None) -> str:
        # The office's name in the page's language (nynorsk pages: "Statsforvaltaren i").
        return office_name(slug, year, language)

    return {"office_name": named, "regional_office": regional_office,
            "national_scope": national_scope}


@bp.route("/")
@public
def home() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(START_PAGES[Role(current_user.role)]))


@bp.route("/mine-rapporter")
@requires(Action.REPORT)
def my_reports() -> str:
    numbers = sorted(current_user.municipality_numbers)
    municipalities = [m for m in (current_entry(n) for n in numbers) if m is not None]
    reports = reports_of(numbers)
    return render_template("main/my_reports.html", municipalities=municipalities,
                           reports=reports,
                           split=coordinator_reports.split(reports,
                                                           coordinator_reports.oslo_today()))


def _scoped_municipalities(year: int) -> tuple[list[Municipality], RegisterSelection]:
    selection = municipalities_for_year(year)
    return [m for m in selection.municipalities if in_scope(current_user, m)], selection


@bp.route("/gjennomgang")
@requires(Action.REVIEW)
def review_home() -> str:
    year = dt.date.today().year
    municipalities, selection = _scoped_municipalities(year)
    by_county = [(county, list(group)) for county, group in itertools.groupby(
        sorted(municipalities, key=lambda m: (m.county_number, m.name)),
        key=lambda m: m.county_name)]
    return render_template("main/review_home.html", by_county=by_county,
                           total=len(municipalities), year=year, selection=selection,
                           queues=work_queue(current_user, dt.date.today()))


@bp.route("/revisjon")
@requires(Action.AUDIT)
def audit_home() -> str:
    return render_template("main/audit_home.html")


@bp.route("/kommuner/<number>")
@requires(Action.VIEW_MUNICIPALITY)
def municipality(number: str) -> str:
    entry = current_entry(number) if number.isdigit() and len(number) == 4 else None
    if entry is None:
        abort(404)
    enforce(Action.VIEW_MUNICIPALITY, entry)
    history = db.session.scalars(sa.select(Municipality).where(
        Municipality.number == number).order_by(Municipality.valid_from)).all()
    reports = reports_of([number]) if can(current_user, Action.READ_DRAFTS, entry) else []
    return render_template("main/municipality.html", m=entry, history=history,
                           reports=reports)


@bp.route("/register")
@requires(Action.VIEW_REGISTER)
def register() -> str:
    year = request.args.get("year", type=int) or dt.date.today().year
    year = min(max(year, 1838), 2100)  # 1838: the first Norwegian municipalities
    selection = municipalities_for_year(year)
    office = request.args.get("office")
    rows = [m for m in selection.municipalities if not office or m.office == office]
    return render_template("main/register.html", selection=selection, rows=rows,
                           offices=OFFICES, office=office)


@bp.route("/tilgjengelighet")
@public
def accessibility() -> str:
    return render_template("main/accessibility.html")
