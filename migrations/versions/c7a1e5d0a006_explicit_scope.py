"""explicit scope: a national reviewer's or auditor's office is the word `national`

Until now an empty office meant national scope. From this revision an empty office means
no scope at all (survey_app.access.in_scope), so the reviewers and auditors who had
national scope by omission are given it outright and keep exactly the access they had.
The downgrade gives the old meaning back.

Revision ID: c7a1e5d0a006
Revises: c7a1e5d0a005
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a1e5d0a006'
down_revision = 'c7a1e5d0a005'
branch_labels = None
depends_on = None

NATIONAL = 'national'  # survey_app.offices.NATIONAL, as it was when this was written
SCOPED = "role in ('reviewer', 'auditor')"


def upgrade():
    op.execute(sa.text(f"UPDATE users SET office = :national WHERE {SCOPED} AND office IS NULL")
               .bindparams(national=NATIONAL))


def downgrade():
    op.execute(sa.text(f"UPDATE users SET office = NULL WHERE {SCOPED} AND office = :national")
               .bindparams(national=NATIONAL))
