"""Published questionnaires, scheme entries and repayment rules, and the authors' drafts.

A published definition is immutable: its YAML text, its SHA-256, who published it and when.
The files in `questionnaires/` are the shipped seed (`flask --app wsgi questionnaires
publish`, `demo seed`); what servers serve is the seed plus these rows, re-read by every
server as soon as a row is added (survey_app.questionnaires), so publishing needs neither a
deploy nor a restart. A correction is a new version: `(kind, key, version)` is unique and no
code path updates or deletes a row.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy import orm as so

from survey_app.extensions import Model
from survey_app.models.users import utcnow


class DefinitionKind(enum.StrEnum):
    QUESTIONNAIRE = "questionnaire"  # key: the questionnaire id; version: its `version:`
    SCHEME = "scheme"  # key: the scheme slug; version: 1, 2, ... per publication
    RULES = "rules"  # key: the questionnaire id the rules read; version: 1, 2, ...


class PublishedDefinition(Model):
    __tablename__ = "published_definitions"
    __table_args__ = (
        sa.UniqueConstraint("kind", "key", "version"),
        sa.CheckConstraint("kind in ('questionnaire', 'scheme', 'rules')", name="kind"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    key: so.Mapped[str] = so.mapped_column(sa.String(80))
    version: so.Mapped[int]
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    published_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    published_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    source: so.Mapped[str] = so.mapped_column(sa.String(16))  # "seed" or "workspace"


class AuthorDraft(Model):
    """An author's work in progress: the three texts of one scheme, shared with every
    author (any author may open and continue it) until it is published."""

    __tablename__ = "author_drafts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    questionnaire_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    scheme_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    rules_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Saves are checked against the version the author's page showed (concurrent edits).
    version: so.Mapped[int] = so.mapped_column(default=1)
    created_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_by: so.Mapped[str] = so.mapped_column(sa.String(254))
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    published_at: so.Mapped[dt.datetime | None]
