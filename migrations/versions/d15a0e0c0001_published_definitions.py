"""published questionnaires, scheme entries and rules; authors' drafts; the author role

`published_definitions` holds every published questionnaire, scheme entry and rules file
(immutable YAML text, its SHA-256, who and when); `author_drafts` the authors' shared work
in progress; `users.role` may be 'author' (survey_app.models.definitions, issue 15).

Revision ID: d15a0e0c0001
Revises: c7a1e5d0a009
Create Date: 2026-12-02 02:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd15a0e0c0001'
down_revision = 'c7a1e5d0a009'
branch_labels = None
depends_on = None

OLD_ROLES = "role in ('coordinator', 'reviewer', 'auditor', 'admin')"
NEW_ROLES = "role in ('coordinator', 'reviewer', 'auditor', 'admin', 'author')"


def upgrade():
    op.create_table(
        'published_definitions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('published_by', sa.String(length=254), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.CheckConstraint("kind in ('questionnaire', 'scheme', 'rules')",
                           name=op.f('ck_published_definitions_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_published_definitions')),
        sa.UniqueConstraint('kind', 'key', 'version',
                            name=op.f('uq_published_definitions_kind_key_version')),
    )
    op.create_table(
        'author_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('questionnaire_text', sa.Text(), nullable=False),
        sa.Column('scheme_text', sa.Text(), nullable=False),
        sa.Column('rules_text', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=254), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_author_drafts')),
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.create_check_constraint('role', NEW_ROLES)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.create_check_constraint('role', OLD_ROLES)
    op.drop_table('author_drafts')
    op.drop_table('published_definitions')
