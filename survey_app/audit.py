"""Writing to the audit log: in the caller's transaction, so a change and its record
are committed together or not at all."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from survey_app.extensions import db
from survey_app.models import AuditEvent, User


def record(
    action: str,
    object_type: str,
    object_id: str | int,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: User | None = None,
) -> AuditEvent:
    """Add an audit event to the current session; the caller commits it with the change.

    The actor is the signed-in user, or ``actor`` when given, or "system" for CLI jobs.
    """
    object_id = str(object_id)
    limit = 80  # AuditEvent.object_id is a String(80)
    if len(object_id) > limit:
        # A denied page's path is as long as the address typed; the event keeps its start
        # and says it was cut (a full 5 000-character address is of no use to an auditor).
        after = {**(after or {}), "object_id_length": len(object_id)}
        object_id = object_id[:limit - 1] + "…"
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        client=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
