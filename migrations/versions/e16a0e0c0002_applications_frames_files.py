"""applications, office frames, application decisions and uploaded report files

`applications` holds one municipality's application per scheme and grant year (from a
report's application pages or stand-alone), `office_frames` what each office may grant per
chapter/post and year, `application_decisions` the proposed and approved decisions on them
(two-person approval), and `response_files` the files uploaded into a report, by SHA-256
into `stored_files` (survey_app.models.applications, issue 16).

Revision ID: e16a0e0c0002
Revises: d16a0e0c0001
Create Date: 2026-12-02 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e16a0e0c0002'
down_revision = 'd16a0e0c0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'applications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('municipality_number', sa.String(length=4), nullable=False),
        sa.Column('office', sa.String(length=40), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=True),
        sa.Column('questionnaire_id', sa.String(length=80), nullable=False),
        sa.Column('questionnaire_version', sa.Integer(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('applied_amount', sa.BigInteger(), nullable=True),
        sa.Column('positions', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('submitted_by', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status in ('draft', 'submitted', 'withdrawn')",
                           name=op.f('ck_applications_status')),
        sa.ForeignKeyConstraint(['scheme_id'], ['schemes.id'],
                                name=op.f('fk_applications_scheme_id_schemes')),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                                name=op.f('fk_applications_response_id_responses')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
        sa.UniqueConstraint('scheme_id', 'year', 'municipality_number',
                            name=op.f('uq_applications_scheme_id_year_municipality_number')),
    )
    op.create_index(op.f('ix_applications_scheme_id'), 'applications', ['scheme_id'])
    op.create_index(op.f('ix_applications_municipality_number'), 'applications',
                    ['municipality_number'])
    op.create_index(op.f('ix_applications_office'), 'applications', ['office'])
    op.create_index(op.f('ix_applications_response_id'), 'applications', ['response_id'])
    op.create_table(
        'office_frames',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chapter_post', sa.String(length=20), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('office', sa.String(length=40), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('transitional_cap', sa.BigInteger(), nullable=True),
        sa.Column('set_by', sa.String(length=254), nullable=False),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount >= 0', name=op.f('ck_office_frames_amount')),
        sa.CheckConstraint('transitional_cap is null or (transitional_cap >= 0 and '
                           'transitional_cap <= amount)',
                           name=op.f('ck_office_frames_transitional_cap')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office_frames')),
        sa.UniqueConstraint('chapter_post', 'year', 'office',
                            name=op.f('uq_office_frames_chapter_post_year_office')),
    )
    op.create_table(
        'application_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('proposed_by', sa.String(length=254), nullable=False),
        sa.Column('proposed_at', sa.DateTime(), nullable=False),
        sa.Column('approved_by', sa.String(length=254), nullable=True),
        sa.Column('approved_at', sa.DateTime(), nullable=True),
        sa.Column('grant_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("outcome in ('approved', 'reduced', 'rejected')",
                           name=op.f('ck_application_decisions_outcome')),
        sa.CheckConstraint("state in ('proposed', 'approved', 'withdrawn')",
                           name=op.f('ck_application_decisions_state')),
        sa.CheckConstraint('amount >= 0', name=op.f('ck_application_decisions_amount')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_application_decisions_application_id_applications')),
        sa.ForeignKeyConstraint(['grant_id'], ['grants.id'],
                                name=op.f('fk_application_decisions_grant_id_grants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_application_decisions')),
    )
    op.create_index(op.f('ix_application_decisions_application_id'),
                    'application_decisions', ['application_id'])
    op.create_table(
        'response_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('section_id', sa.String(length=80), nullable=False),
        sa.Column('question_id', sa.String(length=80), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('response_version', sa.Integer(), nullable=True),
        sa.Column('uploaded_by', sa.String(length=254), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                                name=op.f('fk_response_files_response_id_responses')),
        sa.ForeignKeyConstraint(['sha256'], ['stored_files.sha256'],
                                name=op.f('fk_response_files_sha256_stored_files')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_response_files')),
    )
    op.create_index(op.f('ix_response_files_response_id'), 'response_files', ['response_id'])
    op.create_index(op.f('ix_response_files_sha256'), 'response_files', ['sha256'])


def downgrade():
    op.drop_index(op.f('ix_response_files_sha256'), table_name='response_files')
    op.drop_index(op.f('ix_response_files_response_id'), table_name='response_files')
    op.drop_table('response_files')
    op.drop_index(op.f('ix_application_decisions_application_id'),
                  table_name='application_decisions')
    op.drop_table('application_decisions')
    op.drop_table('office_frames')
    op.drop_index(op.f('ix_applications_response_id'), table_name='applications')
    op.drop_index(op.f('ix_applications_office'), table_name='applications')
    op.drop_index(op.f('ix_applications_municipality_number'), table_name='applications')
    op.drop_index(op.f('ix_applications_scheme_id'), table_name='applications')
    op.drop_table('applications')
