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

F = TypeVar("F", bound=Callable[..., Any])


class Action(enum.StrEnum):
    REPORT = "report"  # the coordinator's own reports
    REVIEW = "review"  # reviewing municipalities in scope
    AUDIT = "audit"  # read-only access to records for auditors
    VIEW_MUNICIPALITY = "municipality.view"
    VIEW_REGISTER = "register.view"
    READ_AUDIT_LOG = "audit-log.read"
    PREVIEW_QUESTIONNAIRE = "questionnaire.preview"
    EXPORT = "export"  # downloading a round's exports (changes nothing)
    READ_DRAFTS = "drafts.read"  # every saved version of a municipality's draft
    ADMIN = "admin"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.COORDINATOR: frozenset({Action.REPORT, Action.VIEW_MUNICIPALITY}),
    Role.REVIEWER: frozenset({Action.REVIEW, Action.VIEW_MUNICIPALITY, Action.VIEW_REGISTER,
                              Action.PREVIEW_QUESTIONNAIRE, Action.EXPORT,
                              Action.READ_DRAFTS}),
    Role.AUDITOR: frozenset({
        Action.AUDIT, Action.VIEW_MUNICIPALITY, Action.VIEW_REGISTER, Action.READ_AUDIT_LOG,
        Action.PREVIEW_QUESTIONNAIRE, Action.EXPORT, Action.READ_DRAFTS}),
    Role.ADMIN: frozenset(Action),
}


def in_scope(user: User, municipality: Municipality) -> bool:
    """Whether the municipality lies within the user's scope, whatever the action."""
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return municipality.number in user.municipality_numbers
    # Reviewers and auditors: national (no office) or one Statsforvalter office.
    return user.office is None or municipality.office == user.office


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
