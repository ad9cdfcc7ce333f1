"""Jurisdictions: a revision number per row, so that each process knows when to rebuild its area index

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 12:00:00

`jurisdictions.revision` goes up by one on every update of a row (the model's `onupdate`); a process keeps the
area index it built (minyi.jurisdictions.routing) with the count of rows and the sum of their revisions, and
builds it again when either changed: one small aggregate per submission instead of reading every area name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jurisdictions", sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.execute("ALTER TABLE jurisdictions DROP COLUMN revision")  # in place: SQLite 3.35+ drops a column
