"""retention: the review schedule per learner and lesson, every quiz and review answer, confidence
ratings, and what nudges need on the person (last activity, nudges sent, settings, pause reason)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("variant", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reviewanswer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviewanswer_lesson_id"), ["lesson_id"], unique=False)
        batch_op.create_index("ix_reviewanswer_person_time", ["person_id", "answered_at"], unique=False)

    op.create_table(
        "reviewcard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("first_sent_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ask_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("last_variant", sa.Integer(), nullable=True),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("retained_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "lesson_id", name="uq_reviewcard_person_lesson"),
    )
    with op.batch_alter_table("reviewcard", schema=None) as batch_op:
        batch_op.create_index("ix_reviewcard_due", ["due_at"], unique=False)
        batch_op.create_index("ix_reviewcard_ask", ["ask_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviewcard_person_id"), ["person_id"], unique=False)

    op.create_table(
        "confidencerating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("moment", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrollment_id", "moment", name="uq_confidence_enrollment_moment"),
    )
    with op.batch_alter_table("confidencerating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_confidencerating_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pause_reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(sa.Column("nudges", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("share_topics", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(
            sa.Column("last_active_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("nudged_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("nudges_ignored", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("idle_since", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("nudge_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_person_nudge_at"), ["nudge_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_nudge_at"))
        batch_op.drop_column("nudge_at")
        batch_op.drop_column("idle_since")
        batch_op.drop_column("nudges_ignored")
        batch_op.drop_column("nudged_at")
        batch_op.drop_column("last_active_at")
        batch_op.drop_column("share_topics")
        batch_op.drop_column("nudges")
        batch_op.drop_column("pause_reason")

    with op.batch_alter_table("confidencerating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confidencerating_person_id"))

    op.drop_table("confidencerating")
    with op.batch_alter_table("reviewcard", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewcard_person_id"))
        batch_op.drop_index("ix_reviewcard_ask")
        batch_op.drop_index("ix_reviewcard_due")

    op.drop_table("reviewcard")
    with op.batch_alter_table("reviewanswer", schema=None) as batch_op:
        batch_op.drop_index("ix_reviewanswer_person_time")
        batch_op.drop_index(batch_op.f("ix_reviewanswer_lesson_id"))

    op.drop_table("reviewanswer")
