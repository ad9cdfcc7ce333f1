"""网络民意 in the leaders' view: web items counted by place, domain and appeal kind; surges; watches on web items

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 09:00:00

`web_items.domain`, `.appeal_kind`, `.place`: copies of the analysis (the place: the first the text names, else the
source's), filled here from the JSON for the items stored before, and at store time after; indexes that serve the
period counts (a covering index of first voices over `fetched_at`) and the lists filtered by each.
`web_voice_days`: first web voices per China day, dimension (all, place, domain, kind, source) and value — the
aggregate a period's counts read —, counted here from the items stored before.
`web_surges`: a topic's web voices against its own baseline, one row per topic and China day.
`watches.last_web_item_id`: the newest web item a watch has scanned (compare-and-set, as `last_message_id`); set to
the newest item now, so that existing watches alert only on what arrives after this migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

FIRST_VOICES = "duplicate_of_id IS NULL"
INDEXES = {
    "ix_web_items_fetched_at_id": ["fetched_at", "id"],
    "ix_web_items_place_fetched_at": ["place", "fetched_at", "id"],
    "ix_web_items_domain_fetched_at": ["domain", "fetched_at", "id"],
    "ix_web_items_appeal_kind_fetched_at": ["appeal_kind", "fetched_at", "id"],
}
# The analysis JSON read in each dialect: its domain, appeal kind and first place, as text.
JSON_FIELDS = {
    "sqlite": (
        "json_extract(analysis, '$.domain')",
        "json_extract(analysis, '$.appeal_kind')",
        "json_extract(analysis, '$.places[0]')",
    ),
    "postgresql": ("analysis->>'domain'", "analysis->>'appeal_kind'", "analysis->'places'->>0"),
}
# The China day (UTC+8, no daylight saving) of a stored UTC time, in each dialect.
CHINA_DAY = {
    "sqlite": "date(fetched_at, '+8 hours')",
    "postgresql": "CAST((fetched_at AT TIME ZONE 'Asia/Shanghai') AS DATE)",
}
DIMENSIONS = {
    "all": "''",
    "place": "place",
    "domain": "domain",
    "kind": "appeal_kind",
    "source": "CAST(source_id AS VARCHAR(100))",
}


def upgrade() -> None:
    for name, length in (("domain", 32), ("appeal_kind", 32), ("place", 100)):
        op.add_column("web_items", sa.Column(name, sa.String(length=length), server_default="", nullable=False))
    domain, kind, place = JSON_FIELDS[op.get_bind().dialect.name]
    source_place = "(SELECT s.place FROM web_sources s WHERE s.id = web_items.source_id)"
    op.execute(
        f"UPDATE web_items SET domain = COALESCE(SUBSTR({domain}, 1, 32), ''),"  # noqa: S608 - fixed SQL, no input
        f" appeal_kind = COALESCE(SUBSTR({kind}, 1, 32), ''),"
        f" place = SUBSTR(COALESCE(NULLIF({place}, ''), {source_place}, ''), 1, 100)"
    )
    op.create_index(
        "ix_web_items_voices",
        "web_items",
        ["fetched_at", "place", "domain", "appeal_kind", "source_id", "duplicate_of_id"],  # all read: covering
        sqlite_where=sa.text(FIRST_VOICES),
        postgresql_where=sa.text(FIRST_VOICES),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "web_items", columns)
    op.create_table(
        "web_voice_days",
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("voices", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "day", "value"),
    )
    day = CHINA_DAY[op.get_bind().dialect.name]
    for dimension, value in DIMENSIONS.items():
        grouped = day if dimension == "all" else f"{day}, {value}"  # PostgreSQL refuses a constant in GROUP BY
        op.execute(
            "INSERT INTO web_voice_days (dimension, day, value, voices)"  # noqa: S608 - fixed SQL, no input
            f" SELECT '{dimension}', {day}, {value}, count(*) FROM web_items WHERE duplicate_of_id IS NULL"
            f" GROUP BY {grouped}"
        )
    op.create_table(
        "web_surges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("recent", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "value", "day", name="uq_web_surges_kind_value_day"),
    )
    op.create_index("ix_web_surges_last_seen_at", "web_surges", ["last_seen_at"])
    op.add_column("watches", sa.Column("last_web_item_id", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE watches SET last_web_item_id = (SELECT COALESCE(MAX(id), 0) FROM web_items)")


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+): a batch copy of web_items would trip its own foreign keys once it has rows
    op.drop_column("watches", "last_web_item_id")
    op.drop_index("ix_web_surges_last_seen_at", table_name="web_surges")
    op.drop_table("web_surges")
    op.drop_table("web_voice_days")
    for name in ("ix_web_items_voices", *INDEXES):
        op.drop_index(name, table_name="web_items")
    for name in ("place", "appeal_kind", "domain"):
        op.drop_column("web_items", name)
