"""claim process: advance notice, response, decision, approval by a second reviewer

Revision ID: c7a1e5d0a004
Revises: c7a1e5d0a003
Create Date: 2026-12-01 10:00:00

A claim now goes notice (forvaltningsloven § 16) -> the municipality's response window ->
a decision drafted by the case officer -> approved by a second reviewer. A claim made
before this revision was issued in one step, so it counts as decided; its due date stays.
The due date is set by the decision, so a claim at the notice stage has none.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a1e5d0a004'
down_revision = 'c7a1e5d0a003'
branch_labels = None
depends_on = None

STAGES = "stage in ('notice-draft', 'notice-sent', 'decision-draft', 'decided')"
COLUMNS = (
    ('notice_amount_ore', sa.BigInteger()),
    ('notice_language', sa.String(length=2)),
    ('notice_sent_at', sa.DateTime()),
    ('notice_sent_by', sa.String(length=254)),
    ('response_due', sa.Date()),
    ('response_text', sa.Text()),
    ('response_received_on', sa.Date()),
    ('response_recorded_by', sa.String(length=254)),
    ('decision_reason', sa.Text()),
    ('decision_drafted_at', sa.DateTime()),
    ('decision_drafted_by', sa.String(length=254)),
    ('approved_at', sa.DateTime()),
    ('approved_by', sa.String(length=254)),
    ('decided_on', sa.Date()),
    ('kid', sa.String(length=25)),
    ('account_number', sa.String(length=11)),
)


def upgrade():
    # Existing claims were issued in one step: they are decided (the server default while
    # the column is added), and from then on a new claim starts as a draft notice.
    with op.batch_alter_table('claims') as batch:
        batch.add_column(sa.Column('stage', sa.String(length=16), nullable=False,
                                   server_default='decided'))
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.alter_column('due_date', existing_type=sa.Date(), nullable=True)
    with op.batch_alter_table('claims') as batch:
        batch.alter_column('stage', existing_type=sa.String(length=16),
                           server_default='notice-draft')
        batch.create_check_constraint(op.f('ck_claims_stage'), STAGES)
    op.execute("UPDATE claims SET notice_amount_ore = amount_ore, notice_language = language")
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('approves_decisions', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('approves_decisions')
    # A claim still in its notice stage has no due date; it gets its notice's response
    # deadline (or the day it was made), as the one-step claims had a due date.
    op.execute("UPDATE claims SET due_date = COALESCE(response_due, CAST(created_at AS DATE)) "
               "WHERE due_date IS NULL")
    with op.batch_alter_table('claims') as batch:
        batch.drop_constraint(op.f('ck_claims_stage'), type_='check')
        batch.alter_column('due_date', existing_type=sa.Date(), nullable=False)
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
        batch.drop_column('stage')
