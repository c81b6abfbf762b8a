"""Similarity reports: one row per report an instructor asked for (branch similarity).

Revision ID: 0003_similarity
Revises: 0002_ux
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_similarity"
down_revision = "0002_ux"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('similarity_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.String(length=64), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('progress', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_similarity_reports_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_similarity_reports_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_similarity_reports'))
    )
    op.create_index(op.f('ix_similarity_reports_assignment_id'), 'similarity_reports', ['assignment_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_similarity_reports_assignment_id'), table_name='similarity_reports')
    op.drop_table('similarity_reports')
