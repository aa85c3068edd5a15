"""page saves (append-only draft history) and posts kept over an expired sign-in

Revision ID: c7a1e5d0a001
Revises: 3c1d2a7b9e10
Create Date: 2026-12-01 09:10:00

Every page save is kept as its own row (who, when, version, values); a report page posted
by the same browser after its sign-in expired is kept server-side until that user signs
in again. The audit log and the page saves become append-only in the database itself:
an UPDATE or DELETE of a row is refused by a trigger, whatever code runs.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a1e5d0a001'
down_revision = '3c1d2a7b9e10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'page_saves',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('section_id', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('saved_by', sa.String(length=254), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                                name=op.f('fk_page_saves_response_id_responses')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_page_saves')),
        sa.UniqueConstraint('response_id', 'version',
                            name=op.f('uq_page_saves_response_id_version')),
    )
    with op.batch_alter_table('page_saves') as batch:
        batch.create_index(batch.f('ix_page_saves_response_id'), ['response_id'])
    op.create_table(
        'pending_posts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('browser', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('grant_id', sa.Integer(), nullable=False),
        sa.Column('section_id', sa.String(length=80), nullable=False),
        sa.Column('form', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['grant_id'], ['grants.id'],
                                name=op.f('fk_pending_posts_grant_id_grants')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_pending_posts_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_posts')),
        sa.UniqueConstraint('browser', 'grant_id', 'section_id',
                            name=op.f('uq_pending_posts_browser_grant_id_section_id')),
    )
    with op.batch_alter_table('pending_posts') as batch:
        batch.create_index(batch.f('ix_pending_posts_browser'), ['browser'])
        batch.create_index(batch.f('ix_pending_posts_user_id'), ['user_id'])
        batch.create_index(batch.f('ix_pending_posts_expires_at'), ['expires_at'])


    for table in APPEND_ONLY:
        _protect(table)


APPEND_ONLY = ('audit_events', 'page_saves')


def _protect(table):
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_change()")
        return
    for change in ('update', 'delete'):
        op.execute(f"CREATE TRIGGER {table}_no_{change} BEFORE {change.upper()} ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _unprotect(table):
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        return
    for change in ('update', 'delete'):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{change}")


def downgrade():
    for table in APPEND_ONLY:
        _unprotect(table)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS refuse_change()")
    op.drop_table('pending_posts')
    op.drop_table('page_saves')
