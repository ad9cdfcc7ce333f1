"""网络来源 and 网络民意: registered web sources with their health, and the items collected from them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 06:45:00

`web_sources`: what an admin registered (feed, list page, page, sitemap or a file export), its schedule and
keyword filter, the validators of its start URL for conditional GET, and the health of its last run.
`web_items`: one article, post or comment each, unique by canonical URL, kept as collected; comments point to their
parent, repeats to the first item that said the same. New tables only: nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("schedule_minutes", sa.Integer(), nullable=False),
        sa.Column("keywords", sa.String(length=1000), nullable=False),
        sa.Column("max_pages", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_fetch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=False),
        sa.Column("items_last_run", sa.Integer(), nullable=False),
        sa.Column("errors_last_run", sa.Integer(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_web_sources_name")),
    )
    op.create_index("ix_web_sources_active_next_run_at", "web_sources", ["active", "next_run_at"])  # due sources
    op.create_table(
        "web_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("canonical_url", sa.String(length=2000), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("clean_text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("published", sa.String(length=40), nullable=True),
        sa.Column("encoding", sa.String(length=32), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("analysis", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["web_items.id"], name=op.f("fk_web_items_duplicate_of_id_web_items")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["web_items.id"], name=op.f("fk_web_items_parent_id_web_items")),
        sa.ForeignKeyConstraint(["source_id"], ["web_sources.id"], name=op.f("fk_web_items_source_id_web_sources")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_items")),
        sa.UniqueConstraint("canonical_url", name=op.f("uq_web_items_canonical_url")),
    )
    op.create_index("ix_web_items_content_hash", "web_items", ["content_hash"])  # exact repeats across runs
    op.create_index("ix_web_items_source_id_fetched_at", "web_items", ["source_id", "fetched_at"])  # a source's list
    op.create_index("ix_web_items_urgent_fetched_at", "web_items", ["urgent", "fetched_at"])  # urgent items first


def downgrade() -> None:
    for index in ("ix_web_items_urgent_fetched_at", "ix_web_items_source_id_fetched_at", "ix_web_items_content_hash"):
        op.drop_index(index, table_name="web_items")
    op.drop_table("web_items")
    op.drop_index("ix_web_sources_active_next_run_at", table_name="web_sources")
    op.drop_table("web_sources")
