"""workshops: express workshops (their run-sheet and run state, seats, live quiz answers, hands-on
checks), the commitments people make in them or in meetings, the room a ledger row is posted in, and
the rooms Tandem keeps a way to post into (a Teams group chat's or channel's conversation reference)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("planned_by_id", sa.Integer(), nullable=True),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("starts_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("lessons", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("step_started_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("timer_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("timer_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("room", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["host_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["planned_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_host_id"), ["host_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_planned_by_id"), ["planned_by_id"], unique=False)
        batch_op.create_index("ix_workshop_start", ["status", "starts_at"], unique=False)
        batch_op.create_index("ix_workshop_timer", ["status", "timer_at"], unique=False)

    op.create_table(
        "workshop_seat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("rsvp", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("invited", sa.Boolean(), nullable=False),
        sa.Column("rsvp_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("joined_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id", "person_id", name="uq_workshop_seat_person"),
    )
    with op.batch_alter_table("workshop_seat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_seat_person_id"), ["person_id"], unique=False)

    op.create_table(
        "workshop_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id", "person_id", "step", name="uq_workshop_answer_person_step"),
    )
    with op.batch_alter_table("workshop_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_answer_person_id"), ["person_id"], unique=False)

    op.create_table(
        "workshop_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id", "person_id", "step", name="uq_workshop_check_person_step"),
    )
    with op.batch_alter_table("workshop_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_check_person_id"), ["person_id"], unique=False)

    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("lesson_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("made_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("follow_up_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index("ix_commitment_follow_up", ["status", "follow_up_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_workshop_id"), ["workshop_id"], unique=False)

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("room", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))

    op.create_table(
        "chat_room",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("conversation", sa.JSON(), nullable=True),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("chat_room")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("room")

    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_person_id"))
        batch_op.drop_index("ix_commitment_follow_up")

    op.drop_table("commitment")
    with op.batch_alter_table("workshop_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_check_person_id"))

    op.drop_table("workshop_check")
    with op.batch_alter_table("workshop_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_answer_person_id"))

    op.drop_table("workshop_answer")
    with op.batch_alter_table("workshop_seat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_seat_person_id"))

    op.drop_table("workshop_seat")
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_index("ix_workshop_timer")
        batch_op.drop_index("ix_workshop_start")
        batch_op.drop_index(batch_op.f("ix_workshop_planned_by_id"))
        batch_op.drop_index(batch_op.f("ix_workshop_host_id"))

    op.drop_table("workshop")
