"""A jurisdiction's public board: one row per public case and per jurisdiction holding it (not the root)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 12:30:00

`jurisdiction_board` (`minyi.workflow.jurisdiction_board`): a subtree's newest public cases on one range of
`ix_jurisdiction_board_newest` (jurisdiction_id, created_at, case_id), whatever the level. Filled here from the
cases that have a jurisdiction (NULL, the root, needs no row: its board is `/board`), in one INSERT … SELECT:
before jurisdictions existed every case is the root's, so an upgrade from 0028 writes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

BACKFILL = """
INSERT INTO jurisdiction_board (jurisdiction_id, case_id, created_at)
SELECT above.id, cases.id, messages.created_at
FROM cases
JOIN messages ON messages.id = cases.message_id
JOIN jurisdictions AS holder ON holder.id = cases.jurisdiction_id
JOIN jurisdictions AS above ON holder.path LIKE above.path || '%'
WHERE messages.is_public AND above.parent_id IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "jurisdiction_board",
        sa.Column("jurisdiction_id", sa.Integer(), sa.ForeignKey("jurisdictions.id"), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_jurisdiction_board_case_id", "jurisdiction_board", ["case_id"])
    op.create_index("ix_jurisdiction_board_newest", "jurisdiction_board", ["jurisdiction_id", "created_at", "case_id"])
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_jurisdiction_board_newest", table_name="jurisdiction_board")
    op.drop_index("ix_jurisdiction_board_case_id", table_name="jurisdiction_board")
    op.drop_table("jurisdiction_board")
