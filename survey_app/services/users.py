"""Accounts: creating them with their role and scope, changing either, deactivating them.

One code path for the `users` CLI and the admin pages (survey_app/admin/users.py): every
refusal is a UserError whose message is the CLI's English and whose `says` is the page's
translated text for the field it names; every change is an audit event with before and
after, committed with it."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from survey_app import audit, sessions
from survey_app.auth import passwords
from survey_app.extensions import db
from survey_app.models import Municipality, Role, User, UserMunicipality
from survey_app.offices import NATIONAL, OFFICES
from survey_app.services import invitations

_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
EMAIL_LENGTH, NAME_LENGTH = 254, 200  # User.email's and User.name's columns
SCOPED_ROLES = (Role.REVIEWER, Role.AUDITOR)


class UserError(ValueError):
    """The account cannot be created or changed as asked; the message says why (in
    English, for the CLI), `says` the same for a page, and `field` which field it is."""

    def __init__(self, message: str, *, field: str = "", says: Any = None) -> None:
        super().__init__(message)
        self.field = field
        self.says = says

    @property
    def text(self) -> str:
        """What the page shows: the translated text, else the CLI's."""
        return str(self.says) if self.says is not None else str(self)


def find_office(text: str) -> str | None:
    """An office slug from its slug, its full name or its area ("Innlandet")."""
    wanted = text.strip().casefold().removeprefix("statsforvalteren i ").strip()
    for slug, name in OFFICES.items():
        area = name.removeprefix("Statsforvalteren i ").casefold()
        if wanted in (slug, area):
            return slug
    return None


def _check_municipalities(role: str, numbers: list[str]) -> None:
    field = "municipalities"
    if role == Role.COORDINATOR and not numbers:
        raise UserError("a coordinator needs at least one --municipality NNNN", field=field,
                        says=_l("Enter at least one municipality number."))
    if role != Role.COORDINATOR and numbers:
        raise UserError("only coordinators are bound to municipalities", field=field,
                        says=_l("Only coordinators have municipalities."))
    known = set(db.session.scalars(
        sa.select(Municipality.number).where(Municipality.number.in_(numbers))))
    unknown = [n for n in numbers if n not in known]
    if unknown:
        shown = ", ".join(n[:8] for n in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise UserError(f"unknown kommunenummer: {shown}", field=field,
                        says=_l("Unknown municipality number: %(numbers)s.", numbers=shown))


def _check_office(role: str, office: str | None) -> str | None:
    """A reviewer's or auditor's scope, said outright: one office, or `national`; never
    national by leaving it out (issue 13). Other roles have none."""
    choices = f"{NATIONAL} or an office: {', '.join(OFFICES)}"
    if role not in SCOPED_ROLES:
        if office:
            raise UserError("only reviewers and auditors belong to an office", field="office",
                            says=_l("Only reviewers and auditors have an office."))
        return None
    if not office or not office.strip():
        raise UserError(f"a {role} needs a scope: --office {choices}", field="office",
                        says=_l("Choose a scope: national, or one office."))
    if office.strip().casefold() == NATIONAL:
        return NATIONAL
    slug = find_office(office)
    if slug is None:
        raise UserError(f"unknown office {office[:60]!r}; {choices}", field="office",
                        says=_l("Choose national or one of the offices in the list."))
    return slug


def _check_role(role: str) -> None:
    if role not in set(Role):
        raise UserError(f"role must be one of {', '.join(Role)}, not {role[:30]!r}",
                        field="role", says=_l("Choose a role from the list."))


def _check_name(name: str) -> str:
    name = name.strip()
    if len(name) > NAME_LENGTH:
        raise UserError(f"the name is longer than {NAME_LENGTH} characters", field="name",
                        says=_l("The name can be at most %(max)d characters.",
                                max=NAME_LENGTH))
    return name


def _check_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        raise UserError(f"{email[:80]!r} is not an e-mail address", field="email",
                        says=_l("Enter an e-mail address, for example ola.nordmann@kommune.no."))
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise UserError(f"a user with e-mail {email} exists already", field="email",
                        says=_l("There is already an account with this e-mail address."))
    return email


def _check_password(password: str, email: str, name: str) -> None:
    with force_locale("en"):  # the CLI speaks English
        found = passwords.problems(password, email, name)
    if found:
        raise UserError(" ".join(found).rstrip("."))


def create_user(
    email: str,
    role: str,
    *,
    municipalities: Iterable[str] = (),
    office: str | None = None,
    password: str | None = None,
    name: str = "",
    check_strength: bool = True,
    passwordless: bool = False,
) -> tuple[User, str | None]:
    """Create an account; returns it and the generated password when none was given.

    A given password must pass auth.passwords (strength, against the address and name);
    only the demo accounts' printed passwords skip it (`check_strength=False`). With
    `passwordless` (the admin pages) the account has no password at all: a coordinator
    chooses one or binds an ID-porten identity through an invitation, staff sign in with
    the identity an admin binds (survey_app.auth.oidc.bind)."""
    _check_role(role)
    email = _check_email(email)
    name = _check_name(name)
    numbers = sorted({n.strip() for n in municipalities})
    _check_municipalities(role, numbers)
    slug = _check_office(role, office)
    generated = None
    if not passwordless:
        if password is None:
            password = generated = secrets.token_urlsafe(12)
        elif check_strength:
            _check_password(password, email, name)
    user = User(email=email, role=role, office=slug, name=name)
    if password is not None:
        user.set_password(password)
    user.municipalities = [UserMunicipality(number=n) for n in numbers]
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id,
                 after={"email": email, "name": name, "role": role, "office": slug,
                        "municipalities": numbers, "password": password is not None})
    db.session.commit()
    return user, generated


def set_approver(account: User | str, allowed: bool = True) -> User:
    """Gives (or takes) a reviewer's authority to approve repayment decisions that another
    reviewer drafted (services.claim_process); on the record. Only a reviewer decides
    (issue 13: separation of duties), so only a reviewer is given it."""
    user = _account(account)
    if allowed and user.role != Role.REVIEWER:
        raise UserError(f"{user.email} is a {user.role}: only a reviewer can approve "
                        "decisions", field="approves_decisions",
                        says=_l("Only a reviewer can approve decisions."))
    before = user.approves_decisions
    if before == allowed:
        return user  # as asked already: nothing changes, nothing recorded
    user.approves_decisions = allowed
    audit.record("user.approver", "user", user.id, before={"approves_decisions": before},
                 after={"approves_decisions": allowed})
    db.session.commit()
    return user


def _account(account: User | str) -> User:
    if isinstance(account, User):
        return account
    user = db.session.scalar(sa.select(User).where(User.email == account.strip().lower()))
    if user is None:
        raise UserError(f"there is no account {account[:80]!r}")
    return user


def _keep_an_admin(user: User, by: User | None, doing: str) -> None:
    """An admin does not lock themselves out (deactivating or demoting their own account),
    and the last active admin stays one: somebody must be able to administer. Every active
    admin's row is locked (PostgreSQL), this one's too, so of two admins demoting each
    other at once the second waits and then finds itself the last."""
    if by is not None and by.id == user.id:
        says = (_l("You cannot deactivate your own account.") if doing == "deactivate"
                else _l("You cannot change your own role."))
        raise UserError(f"you cannot {doing} your own account", says=says)
    if user.role != Role.ADMIN or not user.active:
        return
    admins = db.session.scalars(sa.select(User.id).where(
        User.role == Role.ADMIN, User.active.is_(True)).with_for_update()).all()
    if not set(admins) - {user.id}:
        raise UserError(f"{user.email} is the last active admin: make another admin first",
                        says=_l("This is the last active administrator. Make another "
                                "account an administrator first."))


def scope_of(user: User) -> dict[str, Any]:
    """The account's role and scope as the audit log records them."""
    return {"role": user.role, "office": user.office,
            "municipalities": sorted(user.municipality_numbers),
            "approves_decisions": user.approves_decisions}


def change_access(user: User, role: str, *, office: str | None = None,
                  municipalities: Iterable[str] = (), by: User | None = None) -> bool:
    """Sets the account's role and its scope, chosen again with it (an office or
    `national` for reviewers and auditors, municipalities for coordinators, none for
    admins); whether anything changed. Another role ends every session of the account
    (it may need a stronger sign-in) and takes away the authority to approve decisions
    unless it is a reviewer's. One audit event with before and after."""
    _check_role(role)
    if role != user.role:
        _keep_an_admin(user, by, "demote")
    numbers = sorted({n.strip() for n in municipalities})
    _check_municipalities(role, numbers)
    slug = _check_office(role, office)
    before = scope_of(user)
    new_role = role != user.role
    ended = sessions.end_all(user.id) if new_role else 0
    user.role, user.office = role, slug
    if sorted(user.municipality_numbers) != numbers:
        user.municipalities = [UserMunicipality(number=n) for n in numbers]
    if role != Role.REVIEWER:
        user.approves_decisions = False
    after = scope_of(user)
    if after == before:
        db.session.rollback()
        return False
    audit.record("user.role" if new_role else "user.scope", "user", user.id, before=before,
                 after={**after, "sessions_ended": ended} if new_role else after)
    db.session.commit()
    return True


def invite(user: User, base_url: str, now: dt.datetime) -> invitations.Summary:
    """Sends a coordinator the invitation of every round now open for reporting that has a
    grant to one of their municipalities (services.invitations, as the round's own
    invitations go out: a personal link, at most once per round); on the record. Staff
    are not invited by mail: they sign in with the identity an admin binds."""
    if user.role != Role.COORDINATOR:
        raise UserError(f"{user.email} is a {user.role}: only coordinators are invited",
                        says=_l("Only coordinators are invited by e-mail."))
    if not user.active:
        raise UserError(f"{user.email} is deactivated",
                        says=_l("The account is deactivated: activate it first."))
    summary = invitations.invite_coordinator(user, base_url, now)
    audit.record("user.invited", "user", user.id,
                 after={"sent": summary.sent, "skipped": summary.skipped,
                        "failed": summary.failed})
    db.session.commit()
    return summary


def end_sessions(user: User, reason: str = "admin") -> int:
    """Ends every session of the account at once (its open pages then go to the sign-in
    page); on the record with how many were still signed in."""
    ended = sessions.end_all(user.id)
    audit.record("user.sessions-ended", "user", user.id,
                 after={"sessions": ended, "reason": reason})
    db.session.commit()
    return ended


def _set_active(account: User | str, active: bool, by: User | None) -> tuple[User, bool]:
    user = _account(account)
    if user.active == active:
        return user, False  # as asked already: nothing changes, nothing recorded
    if not active:
        _keep_an_admin(user, by, "deactivate")
    ended = sessions.end_all(user.id)
    user.active = active
    audit.record("user.activate" if active else "user.deactivate", "user", user.id,
                 before={"active": not active},
                 after={"active": active, "sessions_ended": ended})
    db.session.commit()
    return user, True


def deactivate_user(account: User | str, by: User | None = None) -> tuple[User, bool]:
    """The account can no longer sign in and its open sessions end at once; whether it
    was active. Its records (reports, decisions, the audit log) stay as they are. `by`
    (the admin doing it) may not deactivate themselves, nor anyone the last active admin."""
    return _set_active(account, False, by)


def activate_user(account: User | str, by: User | None = None) -> tuple[User, bool]:
    """The account can sign in again (a new sign-in: no old session comes back); whether
    it was deactivated."""
    return _set_active(account, True, by)
