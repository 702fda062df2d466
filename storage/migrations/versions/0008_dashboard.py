"""dashboard: what a people import knows of a person (email, department, manager, role), the secret that
signs the web dashboard's cookies, and the index the deliveries-per-day figure reads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True))
        batch_op.add_column(
            sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch_op.add_column(sa.Column("manager_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.create_index(batch_op.f("ix_person_email"), ["email"], unique=False)
        batch_op.create_foreign_key(
            "fk_person_manager_id", "person", ["manager_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_sent_day", ["status", "kind", "sent_at"], unique=False)

    op.create_table(
        "secret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("secret")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_sent_day")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint("fk_person_manager_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_person_email"))
        batch_op.drop_column("role")
        batch_op.drop_column("manager_id")
        batch_op.drop_column("department")
        batch_op.drop_column("email")
