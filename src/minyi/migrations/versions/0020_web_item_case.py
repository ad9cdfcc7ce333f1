"""转为办件: a web item taken up as a case keeps the case it became

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 00:00:00

`web_items.case_id`: the case a coordinator opened from the item (its reply answers the web, 回应网民关切), or NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_items") as batch:
        batch.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_web_items_case_id_cases", "cases", ["case_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("web_items") as batch:
        batch.drop_constraint("fk_web_items_case_id_cases", type_="foreignkey")
        batch.drop_column("case_id")
