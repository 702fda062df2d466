"""dashboard rollups: daily counts per cohort, lesson and measure (`dashboard_day`), filled from the rows
already there, and the index the retention figures' cut-off day reads (review cards by first sending)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_day",
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("lesson_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "lesson_id", "day", "cohort_id"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("reviewcard", schema=None) as batch_op:
        batch_op.create_index("ix_reviewcard_first_sent", ["first_sent_at"], unique=False)
    from storage import rollups

    for statement in rollups.backfill_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("reviewcard", schema=None) as batch_op:
        batch_op.drop_index("ix_reviewcard_first_sent")
    op.drop_table("dashboard_day")
