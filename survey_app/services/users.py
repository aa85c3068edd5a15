"""Creating accounts with their role and scope."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import force_locale

from survey_app import audit, sessions
from survey_app.auth import passwords
from survey_app.extensions import db
from survey_app.models import Municipality, Role, User, UserMunicipality
from survey_app.offices import NATIONAL, OFFICES

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class UserError(ValueError):
    """The account cannot be created as asked; the message says why."""


def find_office(text: str) -> str | None:
    """An office slug from its slug, its full name or its area ("Innlandet")."""
    wanted = text.strip().casefold().removeprefix("statsforvalteren i ").strip()
    for slug, name in OFFICES.items():
        area = name.removeprefix("Statsforvalteren i ").casefold()
        if wanted in (slug, area):
            return slug
    return None


def _check_municipalities(role: str, numbers: list[str]) -> None:
    if role == Role.COORDINATOR and not numbers:
        raise UserError("a coordinator needs at least one --municipality NNNN")
    if role != Role.COORDINATOR and numbers:
        raise UserError("only coordinators are bound to municipalities")
    known = set(db.session.scalars(
        sa.select(Municipality.number).where(Municipality.number.in_(numbers))))
    unknown = [n for n in numbers if n not in known]
    if unknown:
        raise UserError(f"unknown kommunenummer: {', '.join(unknown)}")


def _check_office(role: str, office: str | None) -> str | None:
    """A reviewer's or auditor's scope, said outright: one office, or `national`; never
    national by leaving it out (issue 13). Other roles have none."""
    choices = f"{NATIONAL} or an office: {', '.join(OFFICES)}"
    if role not in (Role.REVIEWER, Role.AUDITOR):
        if office:
            raise UserError("only reviewers and auditors belong to an office")
        return None
    if not office or not office.strip():
        raise UserError(f"a {role} needs a scope: --office {choices}")
    if office.strip().casefold() == NATIONAL:
        return NATIONAL
    slug = find_office(office)
    if slug is None:
        raise UserError(f"unknown office {office!r}; {choices}")
    return slug


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
) -> tuple[User, str | None]:
    """Create an account; returns it and the generated password when none was given.

    A given password must pass auth.passwords (strength, against the address and name);
    only the demo accounts' printed passwords skip it (`check_strength=False`)."""
    email = email.strip().lower()
    numbers = sorted({n.strip() for n in municipalities})
    if not _EMAIL.fullmatch(email):
        raise UserError(f"{email!r} is not an e-mail address")
    if role not in set(Role):
        raise UserError(f"role must be one of {', '.join(Role)}, not {role!r}")
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise UserError(f"a user with e-mail {email} exists already")
    _check_municipalities(role, numbers)
    slug = _check_office(role, office)
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(12)
    elif check_strength:
        _check_password(password, email, name)
    user = User(email=email, role=role, office=slug, name=name.strip())
    user.set_password(password)
    user.municipalities = [UserMunicipality(number=n) for n in numbers]
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id,
                 after={"email": email, "role": role, "office": slug, "municipalities": numbers})
    db.session.commit()
    return user, generated


def set_approver(email: str, allowed: bool = True) -> User:
    """Gives (or takes) a reviewer's authority to approve repayment decisions that another
    reviewer drafted (services.claim_process); on the record."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UserError(f"there is no account {email!r}")
    if allowed and user.role not in (Role.REVIEWER, Role.ADMIN):
        raise UserError(f"{user.email} is a {user.role}: only a reviewer or an admin can "
                        "approve decisions")
    before = user.approves_decisions
    user.approves_decisions = allowed
    audit.record("user.approver", "user", user.id, before={"approves_decisions": before},
                 after={"approves_decisions": allowed})
    db.session.commit()
    return user


def _account(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UserError(f"there is no account {email!r}")
    return user


def end_sessions(user: User, reason: str = "admin") -> int:
    """Ends every session of the account at once (its open pages then go to the sign-in
    page); on the record with how many were still signed in."""
    ended = sessions.end_all(user.id)
    audit.record("user.sessions-ended", "user", user.id,
                 after={"sessions": ended, "reason": reason})
    db.session.commit()
    return ended


def _set_active(email: str, active: bool) -> tuple[User, bool]:
    user = _account(email)
    if user.active == active:
        return user, False  # as asked already: nothing changes, nothing recorded
    ended = sessions.end_all(user.id)
    user.active = active
    audit.record("user.activate" if active else "user.deactivate", "user", user.id,
                 before={"active": not active},
                 after={"active": active, "sessions_ended": ended})
    db.session.commit()
    return user, True


def deactivate_user(email: str) -> tuple[User, bool]:
    """The account can no longer sign in and its open sessions end at once; whether it
    was active. Its records (reports, decisions, the audit log) stay as they are."""
    return _set_active(email, False)


def activate_user(email: str) -> tuple[User, bool]:
    """The account can sign in again (a new sign-in: no old session comes back); whether
    it was deactivated."""
    return _set_active(email, True)
