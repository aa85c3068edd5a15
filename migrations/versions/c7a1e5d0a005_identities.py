"""identities: a person's OpenID Connect subject at a provider, bound to an account

Revision ID: c7a1e5d0a005
Revises: c7a1e5d0a004
Create Date: 2026-12-01 13:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a1e5d0a005'
down_revision = 'c7a1e5d0a004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('bound_at', sa.DateTime(), nullable=False),
        sa.Column('bound_by', sa.String(length=254), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_identities_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identities')),
        sa.UniqueConstraint('provider', 'subject', name=op.f('uq_identities_provider_subject')),
        sa.UniqueConstraint('user_id', 'provider', name=op.f('uq_identities_user_id_provider')),
    )
    with op.batch_alter_table('identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identities_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identities_user_id'))
    op.drop_table('identities')
