"""outbox queue: a mail's state, attempts and next attempt

Revision ID: 3c1d2a7b9e10
Revises: ee4f05055a04
Create Date: 2026-11-23 10:05:00

A receipt mail is queued in the submit's own transaction and retried by
`flask --app wsgi mail send`; `delivered` (a yes/no) becomes `state`.
"""
from alembic import op
import sqlalchemy as sa


revision = '3c1d2a7b9e10'
down_revision = 'ee4f05055a04'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('state', sa.String(length=10), nullable=False,
                                   server_default='stored'))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('last_error', sa.Text(), nullable=True))
    outbox = sa.table('outbox', sa.column('state', sa.String), sa.column('delivered', sa.Boolean),
                      sa.column('attempts', sa.Integer), sa.column('sent_at', sa.DateTime),
                      sa.column('created_at', sa.DateTime))
    op.execute(outbox.update().where(outbox.c.delivered.is_(True))
               .values(state='sent', attempts=1, sent_at=outbox.c.created_at))
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('delivered')
        batch.create_index('ix_outbox_next_attempt_at', ['next_attempt_at'])


def downgrade():
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('delivered', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    outbox = sa.table('outbox', sa.column('state', sa.String), sa.column('delivered', sa.Boolean))
    op.execute(outbox.update().where(outbox.c.state == 'sent').values(delivered=True))
    with op.batch_alter_table('outbox') as batch:
        batch.drop_index('ix_outbox_next_attempt_at')
        for column in ('last_error', 'sent_at', 'next_attempt_at', 'attempts', 'state'):
            batch.drop_column(column)
