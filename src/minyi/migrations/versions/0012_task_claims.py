"""background work: periodic-task claims, failed tasks, the similar-cases index built by a worker

Revision ID: 0012
Revises: 0006, 0008, 0009, 0010
Create Date: 2026-12-04 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = ("0006", "0008", "0009", "0010")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_claims",
        sa.Column("task", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("worker", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("task", "period", name=op.f("pk_task_claims")),
    )
    op.create_index("ix_task_claims_claimed_at", "task_claims", ["claimed_at"], unique=False)
    op.create_table(
        "failed_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retried_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retried_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["retried_by"], ["users.id"], name=op.f("fk_failed_tasks_retried_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_tasks")),
    )
    op.create_index("ix_failed_tasks_status_id", "failed_tasks", ["status", "id"], unique=False)
    op.create_table(
        "similar_index_snapshots",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stamp", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_similar_index_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("similar_index_snapshots")
    op.drop_index("ix_failed_tasks_status_id", table_name="failed_tasks")
    op.drop_table("failed_tasks")
    op.drop_index("ix_task_claims_claimed_at", table_name="task_claims")
    op.drop_table("task_claims")
