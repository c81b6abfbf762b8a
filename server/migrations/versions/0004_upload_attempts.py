"""Upload attempts: uploads being checked or refused, per user, for the limit on refused
uploads (branch uploads, issue 7).

Revision ID: 0004_upload_attempts
Revises: 0003_similarity
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_upload_attempts"
down_revision = "0003_similarity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('upload_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refused', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_upload_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_attempts'))
    )
    op.create_index(op.f('ix_upload_attempts_user_id'), 'upload_attempts', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_upload_attempts_user_id'), table_name='upload_attempts')
    op.drop_table('upload_attempts')
