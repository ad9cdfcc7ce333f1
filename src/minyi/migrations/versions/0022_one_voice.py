"""One voice counted once: web items found again across runs, linked to open cases, counted in hot issues

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 00:00:00

`web_item_keys`: the keys (MinHash bands, sentences) a stored first item is found again by, so that a repost or a
quote collected in a later run points to it. `web_items.matched_at`: when a worker matched the item against the
open cases. `web_item_links`: a web item that speaks of the same problem as an open case (unlinked, never deleted).
`hot_issues.board_voices`, `web_voices`, `web_item_ids`: a hot issue's voices per channel.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_item_keys",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("web_item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["web_item_id"], ["web_items.id"], name=op.f("fk_web_item_keys_web_item_id_web_items")),
        sa.PrimaryKeyConstraint("key", "web_item_id", name=op.f("pk_web_item_keys")),
    )
    with op.batch_alter_table("web_items") as batch:
        batch.add_column(sa.Column("matched_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_web_items_matched_at_id", ["matched_at", "id"], unique=False)
    op.create_table(
        "web_item_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("web_item_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unlinked_by_id", sa.Integer(), nullable=True),
        sa.Column("unlink_reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_web_item_links_case_id_cases")),
        sa.ForeignKeyConstraint(["unlinked_by_id"], ["users.id"], name=op.f("fk_web_item_links_unlinked_by_id_users")),
        sa.ForeignKeyConstraint(
            ["web_item_id"], ["web_items.id"], name=op.f("fk_web_item_links_web_item_id_web_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_item_links")),
        sa.UniqueConstraint("web_item_id", "case_id", name=op.f("uq_web_item_links_web_item_id")),
    )
    op.create_index("ix_web_item_links_case_id_unlinked_at", "web_item_links", ["case_id", "unlinked_at"])
    op.create_index("ix_web_item_links_created_at", "web_item_links", ["created_at"])
    with op.batch_alter_table("hot_issues") as batch:
        batch.add_column(sa.Column("board_voices", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("web_voices", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("web_item_ids", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("hot_issues") as batch:
        batch.drop_column("web_item_ids")
        batch.drop_column("web_voices")
        batch.drop_column("board_voices")
    op.drop_index("ix_web_item_links_created_at", table_name="web_item_links")
    op.drop_index("ix_web_item_links_case_id_unlinked_at", table_name="web_item_links")
    op.drop_table("web_item_links")
    op.drop_table("web_item_keys")
    # plain DROP COLUMN (SQLite 3.35+): a batch copy of web_items would trip its own foreign keys once it has rows
    op.drop_index("ix_web_items_matched_at_id", table_name="web_items")
    op.drop_column("web_items", "matched_at")
