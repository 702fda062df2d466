"""relationship: every pair there has been (pairing, filled from the current pairs), match suggest's
proposals, a mentor's capacity, a pair's meeting rhythm, its meetings and their notes, the meeting a
commitment was made in, and the goals learners chose

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("unmet", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("unmet_arg", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["learner_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mentor_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cohort_id", "round", "number", name="uq_match_proposal_number"),
    )
    with op.batch_alter_table("match_proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_proposal_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_proposal_learner_id"), ["learner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_proposal_mentor_id"), ["mentor_id"], unique=False)

    op.create_table(
        "pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("mentee_id", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["mentee_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["mentor_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairing_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairing_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index("ix_pairing_pair", ["mentor_id", "mentee_id"], unique=False)

    op.create_table(
        "person_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chosen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "goal_id", name="uq_person_goal"),
    )
    with op.batch_alter_table("person_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_goal_person_id"), ["person_id"], unique=False)

    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("planned_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("moved_to", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("brief_sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("asked_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["answered_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairing.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pairing_id", "planned_at", name="uq_meeting_moment"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_due", ["status", "planned_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_pairing_id"), ["pairing_id"], unique=False)

    op.create_table(
        "rhythm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("tz", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("missed_in_row", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairing.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pairing_id"),
    )
    op.create_table(
        "meeting_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meeting_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_note_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_note_meeting_id"), ["meeting_id"], unique=False)

    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_commitment_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_commitment_meeting_id", "meeting", ["meeting_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentor_capacity", sa.Integer(), nullable=True))

    # The pairs in force start the history, from when they were made.
    op.execute(
        "INSERT INTO pairing (mentor_id, mentee_id, source, started_at) "
        "SELECT mentor_id, mentee_id, 'manual', created_at FROM mentorship"
    )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("mentor_capacity")

    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_commitment_meeting_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_commitment_meeting_id"))
        batch_op.drop_column("meeting_id")

    with op.batch_alter_table("meeting_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_note_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_note_author_id"))

    op.drop_table("meeting_note")
    op.drop_table("rhythm")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_pairing_id"))
        batch_op.drop_index("ix_meeting_due")

    op.drop_table("meeting")
    with op.batch_alter_table("person_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_goal_person_id"))

    op.drop_table("person_goal")
    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.drop_index("ix_pairing_pair")
        batch_op.drop_index(batch_op.f("ix_pairing_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_pairing_mentee_id"))

    op.drop_table("pairing")
    with op.batch_alter_table("match_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_proposal_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_match_proposal_learner_id"))
        batch_op.drop_index(batch_op.f("ix_match_proposal_cohort_id"))

    op.drop_table("match_proposal")
