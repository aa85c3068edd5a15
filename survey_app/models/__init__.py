"""Database models, one module per concern."""

from survey_app.models.allocation import AllocationKey, KeyKind
from survey_app.models.applications import (
    Application,
    ApplicationDecision,
    ApplicationStatus,
    DecisionOutcome,
    DecisionState,
    Frame,
    ResponseFile,
)
from survey_app.models.audit import AuditEvent
from survey_app.models.compliance import (
    Claim,
    ClaimStage,
    ClaimStatus,
    Flag,
    FlagEvent,
    FlagStatus,
    ReviewComment,
)
from survey_app.models.definitions import AuthorDraft, DefinitionKind, PublishedDefinition
from survey_app.models.letters import GrantLetter, LetterKind, MailAttachment, StoredFile
from survey_app.models.mail import (
    Invitation,
    Mailbox,
    MailState,
    OutboxMail,
    Recipient,
    Reminder,
)
from survey_app.models.payments import ClaimPayment
from survey_app.models.register import Municipality
from survey_app.models.responses import (
    PageSave,
    PendingPost,
    Response,
    ResponseStatus,
    Submission,
)
from survey_app.models.rounds import (
    Administration,
    Grant,
    GrantEvent,
    GrantStatus,
    Position,
    Round,
    Scheme,
)
from survey_app.models.sessions import ServerSession, UserSession
from survey_app.models.users import (
    Identity,
    LoginAttempt,
    PasswordReset,
    RecoveryCode,
    Role,
    User,
    UserMunicipality,
)

__all__ = [
    "Administration",
    "AllocationKey",
    "Application",
    "ApplicationDecision",
    "ApplicationStatus",
    "AuditEvent",
    "AuthorDraft",
    "Claim",
    "ClaimPayment",
    "ClaimStage",
    "ClaimStatus",
    "DecisionOutcome",
    "DecisionState",
    "DefinitionKind",
    "Flag",
    "FlagEvent",
    "FlagStatus",
    "Frame",
    "Grant",
    "GrantEvent",
    "GrantLetter",
    "GrantStatus",
    "Identity",
    "Invitation",
    "KeyKind",
    "LetterKind",
    "LoginAttempt",
    "MailAttachment",
    "MailState",
    "Mailbox",
    "Municipality",
    "OutboxMail",
    "PageSave",
    "PasswordReset",
    "PendingPost",
    "Position",
    "PublishedDefinition",
    "Recipient",
    "RecoveryCode",
    "Reminder",
    "Response",
    "ResponseFile",
    "ResponseStatus",
    "ReviewComment",
    "Role",
    "Round",
    "Scheme",
    "ServerSession",
    "StoredFile",
    "Submission",
    "User",
    "UserMunicipality",
    "UserSession",
]
