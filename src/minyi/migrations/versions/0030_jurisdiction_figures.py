"""Figures per jurisdiction: the case's jurisdiction in `case_facts`, stored reports per (period, jurisdiction)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 12:00:00

`case_facts.jurisdiction_id` (NULL: the root, as on `cases`) with the index `(jurisdiction_id, received_on)` that
serves a jurisdiction's figures: its subtree's ids, each a range of received days. Existing rows take their case's
jurisdiction (only the cases placed below the root are rewritten: none on a database upgraded from before 0028).
`stored_reports.jurisdiction_id` (not null, the root's id 1 for every existing report): one report per period and
jurisdiction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

ROOT_ID = 1


def upgrade() -> None:
    # plain ADD COLUMN: SQLite adds it in place, PostgreSQL without rewriting the rows (NULL default)
    op.add_column("case_facts", sa.Column("jurisdiction_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE case_facts SET jurisdiction_id = (SELECT cases.jurisdiction_id FROM cases"
        " WHERE cases.id = case_facts.case_id)"
        " WHERE case_id IN (SELECT id FROM cases WHERE jurisdiction_id IS NOT NULL)"
    )
    op.create_index("ix_case_facts_jurisdiction_received", "case_facts", ["jurisdiction_id", "received_on"])
    with op.batch_alter_table("stored_reports") as batch:
        batch.add_column(
            sa.Column("jurisdiction_id", sa.Integer(), nullable=False, server_default=sa.text(str(ROOT_ID)))
        )
        batch.drop_constraint("uq_stored_reports_period", type_="unique")
        batch.create_unique_constraint("uq_stored_reports_period_jurisdiction", ["period", "jurisdiction_id"])


def downgrade() -> None:
    op.execute(f"DELETE FROM stored_reports WHERE jurisdiction_id <> {ROOT_ID}")  # noqa: S608 - a constant
    with op.batch_alter_table("stored_reports") as batch:
        batch.drop_constraint("uq_stored_reports_period_jurisdiction", type_="unique")
        batch.create_unique_constraint("uq_stored_reports_period", ["period"])
        batch.drop_column("jurisdiction_id")
    op.drop_index("ix_case_facts_jurisdiction_received", table_name="case_facts")
    with op.batch_alter_table("case_facts") as batch:
        batch.drop_column("jurisdiction_id")
