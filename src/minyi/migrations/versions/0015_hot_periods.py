"""hot issues of any period: hot_periods (the hot issues of a period of China dates, grouped by a worker)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hot_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stamp", sa.String(length=64), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hot_periods")),
        sa.UniqueConstraint("first_day", "last_day", name=op.f("uq_hot_periods_first_day")),
    )
    op.create_index(op.f("ix_hot_periods_requested_at"), "hot_periods", ["requested_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hot_periods_requested_at"), table_name="hot_periods")
    op.drop_table("hot_periods")
