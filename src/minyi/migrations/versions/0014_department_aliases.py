"""department merges: department_aliases (other names of a department), department_merges (the merge events)

Revision ID: 0014
Revises: 0006, 0008, 0009, 0010
Create Date: 2026-12-04 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = ("0006", "0008", "0009", "0010")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_department_aliases_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_aliases")),
        sa.UniqueConstraint("name", name=op.f("uq_department_aliases_name")),
    )
    op.create_index(op.f("ix_department_aliases_department_id"), "department_aliases", ["department_id"], unique=False)
    op.create_table(
        "department_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=100), nullable=False),
        sa.Column("target_name", sa.String(length=100), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_department_merges_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["departments.id"], name=op.f("fk_department_merges_source_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["departments.id"], name=op.f("fk_department_merges_target_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_merges")),
        sa.UniqueConstraint("source_id", name=op.f("uq_department_merges_source_id")),
    )
    op.create_index(op.f("ix_department_merges_target_id"), "department_merges", ["target_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_department_merges_target_id"), table_name="department_merges")
    op.drop_table("department_merges")
    op.drop_index(op.f("ix_department_aliases_department_id"), table_name="department_aliases")
    op.drop_table("department_aliases")
