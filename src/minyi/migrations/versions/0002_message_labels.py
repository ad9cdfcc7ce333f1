"""message labels

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 22:48:43.108796
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("suggested", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_message_labels_message_id_messages")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_message_labels_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_labels")),
    )
    with op.batch_alter_table("message_labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_labels_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_labels_message_id"))

    op.drop_table("message_labels")
