"""The one access-control decision for every view.

Every view is decorated with :func:`requires` (or :func:`public`); a test walks every
route as every role. A refusal answers 404, so that nobody learns which municipalities or
pages exist outside their scope, and writes an audit event.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user

from survey_app import audit
from survey_app.extensions import db, login_manager
from survey_app.models import Municipality, Role, User
from survey_app.offices import NATIONAL, OFFICES

F = TypeVar("F", bound=Callable[..., Any])


class Action(enum.StrEnum):
    REPORT = "report"  # the coordinator's own reports
    REVIEW = "review"  # reading the review of municipalities in scope: cases, flags, letters
    # Deciding on a case: a flag waived or claimed, a claim's process, a report returned or
    # approved, a repayment recorded. Separate from REVIEW so that whoever reads a case (an
    # admin, an auditor) cannot decide it (issue 13: separation of duties).
    DECIDE = "decide"
    AUDIT = "audit"  # read-only access to records for auditors
    VIEW_MUNICIPALITY = "municipality.view"
    VIEW_REGISTER = "register.view"
    READ_AUDIT_LOG = "audit-log.read"
    PREVIEW_QUESTIONNAIRE = "questionnaire.preview"
    EXPORT = "export"  # downloading a round's exports (changes nothing)
    READ_DRAFTS = "drafts.read"  # every saved version of a municipality's draft
    # A report's receipts, as a page and a PDF: its coordinator, and whoever reads the
    # municipality's case (reviewers, auditors, admins in scope), read only (issue 13).
    READ_RECEIPTS = "receipts.read"
    ADMIN = "admin"
    OWN_ACCOUNT = "account"  # one's own account (changing one's password): every role
    AUTHOR = "questionnaire.author"  # drafting and publishing questionnaires (issue 15)


# Separation of duties (issue 13): only a coordinator fills in and submits a municipality's
# report, only a reviewer decides a case; an admin administers (rounds, users,
# questionnaires) and reads, and an auditor reads, neither changing a report or a case.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.COORDINATOR: frozenset({Action.REPORT, Action.READ_RECEIPTS, Action.VIEW_MUNICIPALITY,
                                 Action.OWN_ACCOUNT}),
    Role.REVIEWER: frozenset({Action.REVIEW, Action.DECIDE, Action.VIEW_MUNICIPALITY,
                              Action.VIEW_REGISTER, Action.PREVIEW_QUESTIONNAIRE,
                              Action.EXPORT, Action.READ_DRAFTS, Action.READ_RECEIPTS,
                              Action.OWN_ACCOUNT}),
    # Auditors read the cases, receipts and letters too ("a national auditor can open every
    # receipt, case and letter (read only)", issue 13), never deciding them.
    Role.AUDITOR: frozenset({
        Action.AUDIT, Action.REVIEW, Action.VIEW_MUNICIPALITY, Action.VIEW_REGISTER,
        Action.READ_AUDIT_LOG, Action.PREVIEW_QUESTIONNAIRE, Action.EXPORT,
        Action.READ_DRAFTS, Action.READ_RECEIPTS, Action.OWN_ACCOUNT}),
    # Authors write and publish the forms; an admin then opens rounds with them, and
    # neither does the other's part.
    Role.AUTHOR: frozenset({Action.AUTHOR, Action.PREVIEW_QUESTIONNAIRE, Action.OWN_ACCOUNT}),
    Role.ADMIN: frozenset(Action) - {Action.REPORT, Action.DECIDE, Action.AUTHOR},
}
SCOPED_ROLES = (Role.REVIEWER, Role.AUDITOR)  # scoped by office: national or one office


def regional_office(user: Any) -> str | None:
    """The one Statsforvalter office a reviewer or auditor is limited to; None for anyone
    else (national, no scope at all, or another role)."""
    office = getattr(user, "office", None)
    if getattr(user, "role", None) in SCOPED_ROLES and office in OFFICES:
        return str(office)
    return None


def national_scope(user: Any) -> bool:
    """Whether the user's scope is every municipality: an admin, or a reviewer or auditor
    given national scope outright."""
    role = getattr(user, "role", None)
    return role == Role.ADMIN or (role in SCOPED_ROLES
                                  and getattr(user, "office", None) == NATIONAL)


def in_scope(user: User, municipality: Municipality) -> bool:
    """Whether the municipality lies within the user's scope, whatever the action."""
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return municipality.number in user.municipality_numbers
    # Reviewers and auditors: national, or one Statsforvalter office, each said outright;
    # an account with neither (office NULL) has no scope at all, never national by omission.
    if national_scope(user):
        return True
    office = regional_office(user)
    return office is not None and municipality.office == office


def can(user: Any, action: Action, municipality: Municipality | None = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if action not in ROLE_ACTIONS.get(user.role, frozenset()):
        return False
    return municipality is None or in_scope(user, municipality)


def enforce(action: Action, municipality: Municipality | None = None,
            *, object_type: str = "page", object_id: str = "") -> None:
    """Abort with 404 (and an audit event) unless the current user may do this."""
    if can(current_user, action, municipality):
        return
    if municipality is not None:
        object_type, object_id = "municipality", municipality.number
    audit.record("access.denied", object_type, object_id, after={"action": str(action)})
    db.session.commit()
    abort(404)


def requires(action: Action, *, anonymous_post: bool = False) -> Callable[[F], F]:
    """Sign-in required, and the role must allow ``action``; object checks go in the view.

    With ``anonymous_post`` a POST whose session has expired still reaches the view, which
    must keep what was posted without showing anything of the object (see report.resume).
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if anonymous_post and request.method == "POST":
                    return view(*args, **kwargs)
                return login_manager.unauthorized()
            enforce(action, object_type="page", object_id=request.path)
            return view(*args, **kwargs)

        wrapped.access_action = action  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Marks a view as open to everyone, so the route walk knows it was meant to be."""
    view.access_action = None  # type: ignore[attr-defined]
    return view
