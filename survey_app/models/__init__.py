"""Database models, one module per concern."""

from survey_app.models.audit import AuditEvent
from survey_app.models.mail import Invitation, Mailbox, OutboxMail, Recipient, Reminder
from survey_app.models.register import Municipality
from survey_app.models.responses import Response, ResponseStatus, Submission
from survey_app.models.rounds import (
    Administration,
    Grant,
    GrantEvent,
    GrantStatus,
    Position,
    Round,
    Scheme,
)
from survey_app.models.users import LoginAttempt, Role, User, UserMunicipality

__all__ = [
    "Administration", "AuditEvent", "Grant", "GrantEvent", "GrantStatus", "Invitation",
    "LoginAttempt", "Mailbox", "Municipality", "OutboxMail", "Position", "Recipient",
    "Reminder", "Response", "ResponseStatus", "Role", "Round", "Scheme", "Submission", "User",
    "UserMunicipality",
]
