"""Administration of accounts: the list, a new account, an account's page and its changes.

Thin views: the forms read and check what was typed, survey_app.services.users makes every
change (the same functions as the `users` CLI) and writes it to the audit log; a refusal
from there is shown next to the field it names, with status 400.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, Field, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from survey_app import sessions
from survey_app.access import Action, requires
from survey_app.admin.views import PAGE_SIZE, bp, user_or_404
from survey_app.auth import oidc
from survey_app.extensions import db
from survey_app.models import Identity, Role, User, UserSession
from survey_app.models.users import utcnow
from survey_app.offices import NATIONAL, OFFICES, office_name
from survey_app.query_args import page_arg
from survey_app.services import users as user_service

ROLE_LABELS = {Role.COORDINATOR: _l("Coordinator"), Role.REVIEWER: _l("Reviewer"),
               Role.AUDITOR: _l("Auditor"), Role.ADMIN: _l("Administrator"),
               Role.AUTHOR: _l("Questionnaire author")}
PROVIDER_LABELS = {"kommune": _l("ID-porten (municipalities)"),
                   "stat": _l("Entra ID (state staff)")}
NUMBER_LIST = re.compile(r"[\s,;]+")
MAX_NUMBERS = 400  # more than the 357 municipalities there are
SEARCH_LENGTH = 200


def _split_numbers(text: str | None) -> list[str]:
    return [n for n in NUMBER_LIST.split(text or "") if n]


class AccessForm(FlaskForm):
    """A role and the scope that goes with it, chosen together."""

    role = SelectField(_l("Role"), validate_choice=False,
                       validators=[InputRequired(_l("Choose a role."))])
    office = SelectField(_l("Office (reviewers and auditors)"), validate_choice=False,
                         description=_l("National: every municipality. An office: its "
                                        "municipalities only."))
    municipalities = StringField(
        _l("Municipality numbers (coordinators)"),
        description=_l("Four-digit numbers separated by commas, for example 3401, 3405."),
        validators=[Optional(), Length(max=3000, message=_l("The list is too long."))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(str(role), str(label)) for role, label in ROLE_LABELS.items()]
        language = str(get_locale())
        self.office.choices = [("", _("No office (coordinators and administrators)")),
                               (NATIONAL, _("National"))] + [
            (slug, office_name(slug, language=language)) for slug in OFFICES]

    def validate_municipalities(self, field: Field) -> None:
        numbers = _split_numbers(field.data)
        if len(numbers) > MAX_NUMBERS or not all(re.fullmatch(r"[0-9]{4}", n)
                                                 for n in numbers):
            raise ValidationError(_("Write four-digit municipality numbers separated by "
                                    "commas, for example 3401, 3405."))

    def numbers(self) -> list[str]:
        return _split_numbers(self.municipalities.data)

    def fields(self) -> list[Field]:
        return [self.role, self.office, self.municipalities]


class NewUserForm(AccessForm):
    name = StringField(_l("Name"), validators=[
        Optional(), Length(max=user_service.NAME_LENGTH,
                           message=_l("The name can be at most %(max)d characters."))])
    email = StringField(_l("E-mail address"), validators=[
        InputRequired(_l("Enter the e-mail address.")),
        Length(max=user_service.EMAIL_LENGTH,
               message=_l("The e-mail address can be at most %(max)d characters."))])

    def fields(self) -> list[Field]:
        return [self.name, self.email, *super().fields()]


class PlainForm(FlaskForm):
    """A button's form (its CSRF token only); a refusal shows above the page's forms."""

    def fields(self) -> list[Field]:
        return []


class ConfirmForm(FlaskForm):
    confirm = BooleanField(validators=[InputRequired(_l("Tick the box to confirm."))])

    def fields(self) -> list[Field]:
        return [self.confirm]


class IdentityForm(FlaskForm):
    provider = SelectField(_l("Sign-in service"), validate_choice=False)
    subject = StringField(
        _l("Subject (the person's stable id there)"),
        description=_l("The subject (sub) of their ID token: a pseudonym at ID-porten, the "
                       "object id at Entra ID."),
        validators=[InputRequired(_l("Enter the subject.")),
                    Length(max=oidc.SUBJECT_LENGTH,
                           message=_l("The subject can be at most %(max)d characters."))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.provider.choices = [(name, str(PROVIDER_LABELS[name]))
                                 for name in oidc.PROVIDER_NAMES]

    def validate_provider(self, field: Field) -> None:
        if field.data not in oidc.PROVIDER_NAMES:
            raise ValidationError(_("Choose a sign-in service from the list."))

    def validate_subject(self, field: Field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_("Enter the subject."))

    def fields(self) -> list[Field]:
        return [self.provider, self.subject]


def scope_label(user: User) -> str:
    """What the account may see, in words: never a scope it does not have."""
    if user.role == Role.ADMIN:
        return _("All municipalities")
    if user.role == Role.COORDINATOR:
        return ", ".join(sorted(user.municipality_numbers)) or _("No scope")
    if user.office == NATIONAL:
        return _("National")
    if user.office in OFFICES:
        return office_name(user.office, language=str(get_locale()))
    return _("No scope")


def _open_sessions(user_ids: list[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    return {user_id: count for user_id, count in db.session.execute(
        sa.select(UserSession.user_id, sa.func.count()).where(
            sessions.alive(), UserSession.user_id.in_(user_ids))
        .group_by(UserSession.user_id))}


@bp.route("/admin/brukere")
@requires(Action.ADMIN)
def users() -> str:
    """Every account, by role then address; filtered by role and a search in the address
    and the name (what cannot be read is ignored, never an error)."""
    role = request.args.get("rolle", "")
    role = role if role in set(Role) else ""
    search = request.args.get("q", "").strip()[:SEARCH_LENGTH]
    query = sa.select(User)
    if role:
        query = query.where(User.role == role)
    if search:
        wanted = search.lower()
        query = query.where(sa.or_(
            sa.func.lower(User.email).contains(wanted, autoescape=True),
            sa.func.lower(User.name).contains(wanted, autoescape=True)))
    page = page_arg(request.args)
    rows = db.session.scalars(query.order_by(User.role, User.email, User.id)
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    shown = rows[:PAGE_SIZE]
    return render_template(
        "admin/users.html", users=shown, more=len(rows) > PAGE_SIZE, page=page, role=role,
        search=search, roles=ROLE_LABELS, scope_label=scope_label,
        signed_in=_open_sessions([u.id for u in shown]))


@bp.route("/admin/brukere/ny", methods=["GET", "POST"])
@requires(Action.ADMIN)
def new_user() -> str | Response | tuple[str, int]:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user, _generated = user_service.create_user(
                form.email.data or "", form.role.data or "", name=form.name.data or "",
                office=form.office.data or None, municipalities=form.numbers(),
                passwordless=True)
        except user_service.UserError as error:
            db.session.rollback()
            _show(form, error)
        else:
            flash(_("The account %(email)s was created.", email=user.email), "success")
            return redirect(url_for("admin.user_page", user_id=user.id), 303)
    return render_template("admin/user_new.html", form=form), 400 if form.errors else 200


def _show(form: FlaskForm, error: user_service.UserError) -> None:
    """The service's refusal next to its field, or above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if isinstance(field, Field):
        field.errors = [*field.errors, error.text]
    else:
        form.form_errors.append(error.text)


def _page(user: User, status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    """The account's page, with a form posted with errors in place of its empty one."""
    access = forms.get("access") or AccessForm(prefix="access", formdata=None, data={
        "role": user.role, "office": user.office or "",
        "municipalities": ", ".join(sorted(user.municipality_numbers))})
    identities = db.session.scalars(sa.select(Identity).where(Identity.user_id == user.id)
                                    .order_by(Identity.provider)).all()
    return render_template(
        "admin/user.html", user=user, roles=ROLE_LABELS, providers=PROVIDER_LABELS,
        scope=scope_label(user), identities=identities,
        open_sessions=_open_sessions([user.id]).get(user.id, 0), access=access,
        active=forms.get("active") or ConfirmForm(prefix="active", formdata=None),
        identity=forms.get("identity") or IdentityForm(prefix="identity", formdata=None),
        plain=forms.get("plain") or PlainForm(prefix="plain", formdata=None),
        is_self=user.id == current_user.id), status


@bp.route("/admin/brukere/<int:user_id>")
@requires(Action.ADMIN)
def user_page(user_id: int) -> tuple[str, int]:
    return _page(user_or_404(user_id))


def _done(user: User, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("admin.user_page", user_id=user.id), 303)


@bp.route("/admin/brukere/<int:user_id>/tilgang", methods=["POST"])
@requires(Action.ADMIN)
def change_access(user_id: int) -> Response | tuple[str, int]:
    """Another role and its scope, or another scope in the same role."""
    user = user_or_404(user_id)
    form = AccessForm(prefix="access")
    if form.validate_on_submit():
        try:
            changed = user_service.change_access(
                user, form.role.data or "", office=form.office.data or None,
                municipalities=form.numbers(), by=current_user._get_current_object())
        except user_service.UserError as error:
            db.session.rollback()
            _show(form, error)
        else:
            return _done(user, _("The role and scope were saved.") if changed
                         else _("Nothing was changed."))
    return _page(user, 400, access=form)


@bp.route("/admin/brukere/<int:user_id>/aktiv", methods=["POST"])
@requires(Action.ADMIN)
def set_active(user_id: int) -> Response | tuple[str, int]:
    """Deactivate an active account (its sessions end at once) or activate it again."""
    user = user_or_404(user_id)
    form = ConfirmForm(prefix="active")
    if form.validate_on_submit():
        change = user_service.activate_user if not user.active else \
            user_service.deactivate_user
        try:
            changed_user, _changed = change(user, by=current_user._get_current_object())
        except user_service.UserError as error:
            db.session.rollback()
            _show(form, error)
        else:
            return _done(user, _("The account is active.") if changed_user.active
                         else _("The account is deactivated and signed out everywhere."))
    return _page(user, 400, active=form)


@bp.route("/admin/brukere/<int:user_id>/godkjenner", methods=["POST"])
@requires(Action.ADMIN)
def set_approver(user_id: int) -> Response | tuple[str, int]:
    """A reviewer's authority to approve decisions another reviewer drafted, or not."""
    user = user_or_404(user_id)
    form = PlainForm(prefix="plain")
    allowed = request.form.get("allowed") == "yes"
    if form.validate_on_submit():
        try:
            user_service.set_approver(user, allowed)
        except user_service.UserError as error:
            db.session.rollback()
            _show(form, error)
        else:
            return _done(user, _("The account may now approve decisions.") if allowed
                         else _("The account may no longer approve decisions."))
    return _page(user, 400, plain=form)


@bp.route("/admin/brukere/<int:user_id>/inviter", methods=["POST"])
@requires(Action.ADMIN)
def invite(user_id: int) -> Response | tuple[str, int]:
    """A coordinator's invitation to the open rounds of their municipalities."""
    user = user_or_404(user_id)
    form = PlainForm(prefix="plain")
    if form.validate_on_submit():
        base_url = str(current_app.config.get("PUBLIC_URL") or request.url_root)
        try:
            summary = user_service.invite(user, base_url, utcnow())
        except user_service.UserError as error:
            db.session.rollback()
            _show(form, error)
        else:
            if summary.failed:
                flash(_("Invitations that could not be sent: %(n)d. See the outbox.",
                        n=summary.failed), "error")
            return _done(user, _("Invitations sent: %(sent)d. Sent before: %(skipped)d.",
                                 sent=summary.sent, skipped=summary.skipped)
                         if summary.sent or summary.skipped else
                         _("No round open for reporting has a grant to these "
                           "municipalities: the invitation goes out with the next round's."))
    return _page(user, 400, plain=form)


@bp.route("/admin/brukere/<int:user_id>/identitet", methods=["POST"])
@requires(Action.ADMIN)
def bind_identity(user_id: int) -> Response | tuple[str, int]:
    """Binds the person's subject at a sign-in service to the account (as `users bind`),
    so that they sign in there; an earlier one at the same service is replaced."""
    user = user_or_404(user_id)
    form = IdentityForm(prefix="identity")
    if form.validate_on_submit():
        try:
            oidc.bind(user, form.provider.data or "", (form.subject.data or "").strip(),
                      by=current_user.email)
        except ValueError:
            db.session.rollback()
            form.subject.errors = [_("This subject is bound to another account.")]
        else:
            db.session.commit()
            return _done(user, _("The identity was bound to the account."))
    return _page(user, 400, identity=form)
