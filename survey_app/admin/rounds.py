"""Administration of reporting rounds: the list, a new round, a round's dates and grants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Field, IntegerField, SelectField
from wtforms.validators import (
    InputRequired,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from forms.money import format_amount
from survey_app import grant_words
from survey_app.access import Action, requires
from survey_app.admin.views import bp
from survey_app.extensions import db
from survey_app.form_fields import DateField, KronerField
from survey_app.listing import AmountRange, Listing, choice_arg
from survey_app.lookups import round_or_404
from survey_app.models import Grant, GrantEvent, Municipality, Round, Scheme
from survey_app.offices import office_name
from survey_app.services import grants, register, rounds
from survey_app.services.scheme_rules import YearRefusal

DATE_HINT = _l("dd.mm.yyyy, for example 01.04.2023")
# A grant's "paid" is money out: "Paid out" (nb/nn "Utbetalt"); a repayment is "Repaid".
STATUS_LABELS = {"allocated": _l("Allocated"), "opted_out": _l("Opted out"),
                 "paid": _l("Paid out"), "reported": _l("Reported"), "closed": _l("Closed")}


class WholeNumberField(IntegerField):
    """An integer field whose own message is translated, and is the only one shown."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_("Write a whole number, for example 14.")) from error

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:  # the range check would only repeat the problem
            raise StopValidation()


class RoundDatesForm(FlaskForm):
    opens_on = DateField(_l("Reporting opens"), description=DATE_HINT,
                         validators=[InputRequired(_l("Enter the day reporting opens."))])
    deadline = DateField(_l("Reporting deadline"), description=DATE_HINT,
                         validators=[InputRequired(_l("Enter the reporting deadline."))])
    grace_days = WholeNumberField(_l("Days of grace after the deadline"), default=0,
                              validators=[InputRequired(_l("Enter a number of days.")),
                                          NumberRange(0, 365, _l("Enter 0 to 365 days."))])
    opt_out_deadline = DateField(_l("Last day to decline the grant"), description=DATE_HINT,
                                 validators=[Optional()])
    payment_date = DateField(_l("Payment date"), description=DATE_HINT,
                             validators=[Optional()])
    budget = KronerField(_l("Budget (kroner)"), validators=[Optional()])

    def validate_deadline(self, field: Field) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_("The deadline must be on or after the day reporting "
                                    "opens."))

    def dates(self) -> rounds.RoundDates:
        """The dates of a validated form."""
        assert self.grace_days.data is not None  # InputRequired
        return rounds.RoundDates(
            opens_on=self.opens_on.data, deadline=self.deadline.data,
            grace_days=self.grace_days.data, opt_out_deadline=self.opt_out_deadline.data,
            payment_date=self.payment_date.data)

    def fields(self) -> list[Field]:
        return [self.opens_on, self.deadline, self.grace_days, self.opt_out_deadline,
                self.payment_date, self.budget]


class NewRoundForm(RoundDatesForm):
    scheme = SelectField(_l("Scheme"), validators=[InputRequired(_l("Choose a scheme."))])
    year = WholeNumberField(_l("Grant year"), validators=[
        InputRequired(_l("Enter the grant year, for example 2022.")),
        NumberRange(2000, 2100, _l("Enter a year from 2000 to 2100."))])

    def fields(self) -> list[Field]:
        return [self.scheme, self.year, *super().fields()]


def _new_round_form() -> NewRoundForm:
    form = NewRoundForm()
    language = str(get_locale())
    schemes = db.session.scalars(sa.select(Scheme).order_by(Scheme.slug)).all()
    form.scheme.choices = [(s.slug, s.name(language)) for s in schemes]
    return form


@bp.route("/admin/runder", methods=["GET", "POST"])
@requires(Action.ADMIN)
def rounds_list() -> str | Response | tuple[str, int]:
    rounds.sync_schemes()
    form = _new_round_form()
    if form.validate_on_submit():
        key = f"{form.scheme.data}/{form.year.data}"
        try:
            created = grants.open_round(key, form.dates(), budget=form.budget.data)
        except rounds.RoundYearRefused as error:
            db.session.rollback()
            form.year.errors = [_year_refusal(error.refusal)]
        except rounds.RoundError:
            db.session.rollback()
            form.year.errors = [_("There is already a round of this scheme for this year.")]
        else:
            flash(_("The round %(key)s was created.", key=created.key), "success")
            return redirect(url_for("admin.round_page", slug=created.scheme.slug,
                                    year=created.year))
    status = 400 if form.errors else 200
    return render_template("admin/rounds.html", summaries=grants.round_summaries(),
                           form=form, kroner=format_amount), status


@bp.route("/admin/runder/<slug>/<int:year>", methods=["GET", "POST"])
@requires(Action.ADMIN)
def round_page(slug: str, year: int) -> str | Response | tuple[str, int]:
    found = round_or_404(slug, year)
    form = RoundDatesForm(obj=found)
    if form.validate_on_submit():
        if grants.update_round(found, form.dates(), form.budget.data):
            flash(_("The round was saved."), "success")
        return redirect(url_for("admin.round_page", slug=slug, year=year))
    page = render_template("admin/rounds_round.html", round=found, form=form,
                           kroner=format_amount, status_labels=STATUS_LABELS,
                           history_reason=grant_words.history_reason,
                           history_actor=grant_words.history_actor,
                           known_reason=grant_words.known_reason, **_grant_tables(found))
    return page, 400 if form.errors else 200


def _year_refusal(refusal: YearRefusal) -> str:
    """Why the scheme has no round that year, in the reader's language."""
    if refusal.too_late:
        return _("The scheme ends with the round for %(last)s: there is no round for "
                 "%(year)s.", last=refusal.last_year, year=refusal.year)
    return _("The scheme begins with the round for %(first)s: there is no round for "
             "%(year)s.", first=refusal.first_year, year=refusal.year)


# The grant history on the round's page: the newest changes (the grant_events table keeps all).
HISTORY_ROWS = 100
GRANT_SORTS: dict[str, Callable[[Grant], Any]] = {
    "number": lambda g: g.municipality_number, "amount": lambda g: g.amount,
    "status": lambda g: (str(STATUS_LABELS.get(g.status, g.status)).casefold(),
                         g.municipality_number)}


def _grant_tables(found: Round) -> dict[str, object]:
    numbering = grants.Numbering.for_year(found.year)
    rows = grants.grants_of(found)
    names = {g.municipality_number: numbering.name(g.municipality_number) for g in rows}
    chosen = _GrantFilter.from_args(found, names)
    shown = [g for g in rows if chosen.admits(g)]
    sorts = {**GRANT_SORTS, "municipality": lambda g: (
        names[g.municipality_number].casefold(), g.municipality_number)}
    listing = Listing.from_args(request.args, list(sorts), "number")
    events = db.session.execute(
        sa.select(GrantEvent, Grant.municipality_number).join(Grant)
        .where(Grant.round_id == found.id).order_by(GrantEvent.id.desc())
        .limit(HISTORY_ROWS)).all()
    event_count = db.session.scalar(
        sa.select(sa.func.count(GrantEvent.id)).join(Grant).where(Grant.round_id == found.id))
    return {"grants": rows, "shown": shown, "page": listing.page_of(shown, sorts),
            "chosen": chosen, "names": names, "events": events,
            "event_count": event_count,
        "total": sum(g.amount for g in rows),
        "shown_total": sum(g.amount for g in shown),
        "paid_total": sum(g.paid_amount or 0 for g in rows),
        "paid_count": sum(1 for g in rows if g.paid_on is not None)}


@dataclass(frozen=True)
class _GrantFilter:
    """The filter of the round page's grants (a GET form): county, Statsforvalter office,
    status, amount range, and a search in the municipality's name or number."""

    places: dict[str, Municipality]  # kommunenummer -> its register entry that year
    counties: list[tuple[str, str]]  # (county number, name), the round's
    offices: list[tuple[str, str]]  # (office slug, its name that year), the round's
    amounts: AmountRange
    county: str = ""
    office: str = ""
    status: str = ""
    search: str = ""
    ignored: tuple[tuple[str, str], ...] = ()  # (argument, label) not used

    @classmethod
    def from_args(cls, found: Round, names: dict[str, str]) -> _GrantFilter:
        args = request.args
        places = {m.number: m for m in register.municipalities_for_year(found.year)
                  .municipalities if m.number in names}
        counties = sorted({(m.county_number, m.county_name) for m in places.values()
                           if m.county_number})
        language = str(get_locale() or "nb")
        offices = [(o, office_name(o, found.year, language))
                   for o in sorted({m.office for m in places.values() if m.office})]
        county, county_ok = choice_arg(args, "county", {c for c, _name in counties})
        office, office_ok = choice_arg(args, "office", {o for o, _name in offices})
        status, status_ok = choice_arg(args, "status", STATUS_LABELS)
        ignored = tuple((name, str(label)) for name, label, ok in (
            ("county", _l("County"), county_ok), ("office", _l("County governor"), office_ok),
            ("status", _l("Status"), status_ok)) if not ok)
        return cls(places=places, counties=counties, offices=offices, county=county,
                   office=office, status=status, search=(args.get("q") or "").strip(),
                   amounts=AmountRange.from_args(args, language),
                   ignored=ignored)

    @property
    def problems(self) -> bool:
        return bool(self.ignored or self.amounts.errors)

    def admits(self, grant: Grant) -> bool:
        place = self.places.get(grant.municipality_number)
        if (self.county or self.office) and place is None:
            return False
        name = place.display_name if place else ""
        wanted = self.search.casefold()
        return ((not self.county or (place is not None and place.county_number == self.county))
                and (not self.office or (place is not None and place.office == self.office))
                and (not self.status or grant.status == self.status)
                and self.amounts.admits(grant.amount)
                and (not wanted or grant.municipality_number.startswith(wanted)
                     or wanted in name.casefold()))
