"""Database models, one module per concern."""

from survey_app.models.audit import AuditEvent
from survey_app.models.compliance import (
    Claim,
    ClaimStatus,
    Flag,
    FlagEvent,
    FlagStatus,
    ReviewComment,
)
from survey_app.models.mail import (
    Invitation,
    Mailbox,
    MailState,
    OutboxMail,
    Recipient,
    Reminder,
)
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
    "Administration",
    "AuditEvent",
    "Claim",
    "ClaimStatus",
    "Flag",
    "FlagEvent",
    "FlagStatus",
    "Grant",
    "GrantEvent",
    "GrantStatus",
    "Invitation",
    "LoginAttempt",
    "MailState",
    "Mailbox",
    "Municipality",
    "OutboxMail",
    "Position",
    "Recipient",
    "Reminder",
    "Response",
    "ResponseStatus",
    "ReviewComment",
    "Role",
    "Round",
    "Scheme",
    "Submission",
    "User",
    "UserMunicipality",
]
