"""Manual grades remember the answer text they were given for (its SHA-256), so a grade
follows the student to a resubmission whose answer is unchanged.

Revision ID: 0002_ux
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_ux"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("manual_grades", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("manual_grades", schema=None) as batch_op:
        batch_op.drop_column("answer_sha256")
