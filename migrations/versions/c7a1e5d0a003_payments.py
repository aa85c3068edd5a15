"""payments: a grant's payment out (amount and day) and the payments back on a claim

Revision ID: c7a1e5d0a003
Revises: c7a1e5d0a002
Create Date: 2026-12-01 10:00:00

Grants get `paid_amount` (kroner) and `paid_on`, both or neither. A grant that was marked
paid before these columns existed (its status `paid`, or a `paid` event in its history)
keeps that fact: it is given its amount and the day of that event, so the economy report
goes on showing it paid. Claims get a table of payments received (øre, day); a claim
already marked paid gets one payment of its whole amount on the day it was last changed.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c7a1e5d0a003'
down_revision = 'c7a1e5d0a002'
branch_labels = None
depends_on = None


PAID_AMOUNT_CHECK = 'paid_amount is null or paid_amount >= 0'
BOTH_OR_NEITHER = ('(paid_amount is null and paid_on is null) or '
                   '(paid_amount is not null and paid_on is not null)')


def _sqlite():
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    # Not a batch (table copy) on SQLite: dropping the old `grants` would break the foreign
    # keys of every row that points at a grant (responses, flags, claims, events). SQLite
    # adds a column with its CHECK in place; PostgreSQL adds the named constraints.
    if _sqlite():
        op.execute('ALTER TABLE grants ADD COLUMN paid_amount BIGINT CONSTRAINT '
                   f'ck_grants_paid_amount_not_negative CHECK ({PAID_AMOUNT_CHECK})')
        op.execute('ALTER TABLE grants ADD COLUMN paid_on DATE CONSTRAINT '
                   f'ck_grants_paid_amount_and_date CHECK ({BOTH_OR_NEITHER})')
    else:
        op.add_column('grants', sa.Column('paid_amount', sa.BigInteger(), nullable=True))
        op.add_column('grants', sa.Column('paid_on', sa.Date(), nullable=True))
        op.create_check_constraint(op.f('ck_grants_paid_amount_not_negative'), 'grants',
                                   PAID_AMOUNT_CHECK)
        op.create_check_constraint(op.f('ck_grants_paid_amount_and_date'), 'grants',
                                   BOTH_OR_NEITHER)
    op.create_table(
        'claim_payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('amount_ore', sa.BigInteger(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(length=254), nullable=False),
        sa.CheckConstraint('amount_ore > 0', name=op.f('ck_claim_payments_amount_positive')),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], ondelete='CASCADE',
                                name=op.f('fk_claim_payments_claim_id_claims')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_payments')),
    )
    with op.batch_alter_table('claim_payments') as batch:
        batch.create_index(batch.f('ix_claim_payments_claim_id'), ['claim_id'])
    _keep_what_was_paid()


def _keep_what_was_paid():
    """Grants and claims marked paid before this revision keep being paid, with a date."""
    # The first `paid` event of each grant dates its payment; a grant whose status is
    # `paid` without such an event is dated by its last change.
    op.execute(
        "UPDATE grants SET paid_amount = amount, paid_on = (SELECT DATE(MIN(e.at)) "
        "FROM grant_events e WHERE e.grant_id = grants.id AND e.status_after = 'paid') "
        "WHERE EXISTS (SELECT 1 FROM grant_events e WHERE e.grant_id = grants.id "
        "AND e.status_after = 'paid')")
    op.execute(
        "UPDATE grants SET paid_amount = amount, paid_on = DATE(updated_at) "
        "WHERE status = 'paid' AND paid_on IS NULL")
    op.execute(
        "INSERT INTO claim_payments (claim_id, amount_ore, paid_on, recorded_at, recorded_by) "
        "SELECT id, amount_ore, DATE(updated_at), updated_at, 'migration' "
        "FROM claims WHERE status = 'paid'")


def downgrade():
    with op.batch_alter_table('claim_payments') as batch:
        batch.drop_index(batch.f('ix_claim_payments_claim_id'))
    op.drop_table('claim_payments')
    if _sqlite():  # each CHECK belongs to its column and goes with it (SQLite 3.35+)
        op.execute('ALTER TABLE grants DROP COLUMN paid_on')
        op.execute('ALTER TABLE grants DROP COLUMN paid_amount')
        return
    op.drop_constraint(op.f('ck_grants_paid_amount_and_date'), 'grants', type_='check')
    op.drop_constraint(op.f('ck_grants_paid_amount_not_negative'), 'grants', type_='check')
    op.drop_column('grants', 'paid_on')
    op.drop_column('grants', 'paid_amount')
