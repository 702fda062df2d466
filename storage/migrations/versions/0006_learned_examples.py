"""learned examples: question words linked to the lesson that should have answered them, no author; and
the questions a mentor or an admin marked as needing a new topic

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learnedexample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("learnedexample", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learnedexample_lesson_id"), ["lesson_id"], unique=False)

    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("new_topic_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_column("new_topic_at")

    with op.batch_alter_table("learnedexample", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learnedexample_lesson_id"))

    op.drop_table("learnedexample")
