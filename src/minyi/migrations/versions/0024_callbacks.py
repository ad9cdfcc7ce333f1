"""帮助 and 化解: the 回访 work list, repeated-complaint flags, 回访 facts for the statistics

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 00:00:00

`callback_tasks` (one row per closed help or complaint case; indexed by state then closing time, overall, per
department and per appeal kind), `repeat_flags` and `repeat_links` (重复投诉), four 回访 columns of `case_facts`
(no case had a call-back before: their defaults are exact), and the indexes the repeated-complaint check looks
earlier complaints up by (the contact e-mail, the place as written).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_tasks",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True, autoincrement=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("appeal_kind", sa.String(32), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_callback_tasks_state_closed", "callback_tasks", ["state", "closed_at", "case_id"])
    op.create_index(
        "ix_callback_tasks_state_department_closed",
        "callback_tasks",
        ["state", "department_id", "closed_at", "case_id"],
    )
    op.create_index(
        "ix_callback_tasks_state_kind_closed", "callback_tasks", ["state", "appeal_kind", "closed_at", "case_id"]
    )
    op.create_index(
        "ix_callback_tasks_state_result_closed", "callback_tasks", ["state", "result", "closed_at", "case_id"]
    )
    op.create_table(
        "repeat_flags",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True, autoincrement=False),
        sa.Column("matched_by", sa.String(32), nullable=False),
        sa.Column("earlier", sa.Integer(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_repeat_flags_flagged", "repeat_flags", ["flagged_at", "case_id"])
    op.create_table(
        "repeat_links",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True, autoincrement=False),
        sa.Column("earlier_case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True, autoincrement=False),
        sa.Column("matched_by", sa.String(32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
    )
    with op.batch_alter_table("case_facts") as batch:
        batch.add_column(sa.Column("called_back", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("callback_reached", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("callback_resolved", sa.String(8), nullable=True))
        batch.add_column(sa.Column("callback_satisfaction", sa.String(16), nullable=True))
    op.create_index("ix_message_contacts_email", "message_contacts", ["email"])
    op.create_index("ix_messages_place_text", "messages", ["place_text"])


def downgrade() -> None:
    op.drop_index("ix_messages_place_text", "messages")
    op.drop_index("ix_message_contacts_email", "message_contacts")
    with op.batch_alter_table("case_facts") as batch:
        for column in ("callback_satisfaction", "callback_resolved", "callback_reached", "called_back"):
            batch.drop_column(column)
    op.drop_table("repeat_links")
    op.drop_index("ix_repeat_flags_flagged", "repeat_flags")
    op.drop_table("repeat_flags")
    for name in (
        "ix_callback_tasks_state_result_closed",
        "ix_callback_tasks_state_kind_closed",
        "ix_callback_tasks_state_department_closed",
        "ix_callback_tasks_state_closed",
    ):
        op.drop_index(name, "callback_tasks")
    op.drop_table("callback_tasks")
