"""allocation keys: the named key a round's grants were made by

Revision ID: c7a1e5d0a002
Revises: c7a1e5d0a001
Create Date: 2026-12-01 10:30:00

One row per round: the key's name, kind (a key file of weights, the Directorate's
allocation list, or population asked for by name), its source and the register year it
was checked against. The weights stay on the grants.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a1e5d0a002'
down_revision = 'c7a1e5d0a001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'allocation_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('register_year', sa.Integer(), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind in ('weights', 'list', 'population')",
                           name=op.f('ck_allocation_keys_kind')),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_allocation_keys_round_id_rounds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_keys')),
        sa.UniqueConstraint('round_id', name=op.f('uq_allocation_keys_round_id')),
    )


def downgrade():
    op.drop_table('allocation_keys')
