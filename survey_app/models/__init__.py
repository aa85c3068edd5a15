"""Database models, one module per concern."""

from survey_app.models.audit import AuditEvent
from survey_app.models.register import Municipality
from survey_app.models.users import LoginAttempt, Role, User, UserMunicipality

__all__ = ["AuditEvent", "LoginAttempt", "Municipality", "Role", "User", "UserMunicipality"]
