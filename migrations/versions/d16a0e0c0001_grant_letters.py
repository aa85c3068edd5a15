"""grant decision letters and mail attachments

`grant_letters` holds one row per grant and letter kind once its letter is queued (the
unique key that makes `letters decisions` idempotent); `mail_attachments` the files an
outbox mail carries, by SHA-256 into `stored_files` (survey_app.models.letters, issue 16).

Revision ID: d16a0e0c0001
Revises: d15a0e0c0001
Create Date: 2026-12-02 03:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd16a0e0c0001'
down_revision = 'd15a0e0c0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_files',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stored_files')),
    )
    op.create_table(
        'mail_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ondelete='CASCADE',
                                name=op.f('fk_mail_attachments_outbox_id_outbox')),
        sa.ForeignKeyConstraint(['sha256'], ['stored_files.sha256'],
                                name=op.f('fk_mail_attachments_sha256_stored_files')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_attachments')),
        sa.UniqueConstraint('outbox_id', 'filename',
                            name=op.f('uq_mail_attachments_outbox_id_filename')),
    )
    op.create_index(op.f('ix_mail_attachments_outbox_id'), 'mail_attachments', ['outbox_id'])
    op.create_index(op.f('ix_mail_attachments_sha256'), 'mail_attachments', ['sha256'])
    op.create_table(
        'grant_letters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grant_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('to', sa.String(length=254), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind in ('decision')", name=op.f('ck_grant_letters_kind')),
        sa.CheckConstraint("language in ('nb', 'nn')", name=op.f('ck_grant_letters_language')),
        sa.ForeignKeyConstraint(['grant_id'], ['grants.id'], ondelete='CASCADE',
                                name=op.f('fk_grant_letters_grant_id_grants')),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ondelete='SET NULL',
                                name=op.f('fk_grant_letters_outbox_id_outbox')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_letters')),
        sa.UniqueConstraint('grant_id', 'kind', name=op.f('uq_grant_letters_grant_id_kind')),
    )
    op.create_index(op.f('ix_grant_letters_grant_id'), 'grant_letters', ['grant_id'])


def downgrade():
    op.drop_index(op.f('ix_grant_letters_grant_id'), table_name='grant_letters')
    op.drop_table('grant_letters')
    op.drop_index(op.f('ix_mail_attachments_sha256'), table_name='mail_attachments')
    op.drop_index(op.f('ix_mail_attachments_outbox_id'), table_name='mail_attachments')
    op.drop_table('mail_attachments')
    op.drop_table('stored_files')
