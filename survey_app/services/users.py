"""Creating accounts with their role and scope."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

import sqlalchemy as sa

from survey_app import audit
from survey_app.extensions import db
from survey_app.models import Municipality, Role, User, UserMunicipality
from survey_app.offices import OFFICES

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MIN_PASSWORD_LENGTH = 10


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
    if not office:
        return None
    if role not in (Role.REVIEWER, Role.AUDITOR):
        raise UserError("only reviewers and auditors belong to an office")
    slug = find_office(office)
    if slug is None:
        raise UserError(f"unknown office {office!r}; one of: {', '.join(OFFICES)}")
    return slug


def create_user(
    email: str,
    role: str,
    *,
    municipalities: Iterable[str] = (),
    office: str | None = None,
    password: str | None = None,
    name: str = "",
) -> tuple[User, str | None]:
    """Create an account; returns it and the generated password when none was given."""
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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
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
