"""Jurisdictions in levels: the tree, and the jurisdiction of departments, accounts, cases and addressed messages

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 00:00:00

`jurisdictions` (the tree: `path` holds the ids from the root, so a subtree is one range of an index); the root
is created here, named 本级 until the admin renames it. `departments`, `users` and `cases` get a nullable
`jurisdiction_id` (NULL: the root), so nothing is rewritten at upgrade, whatever the volume — without a foreign
key (a jurisdiction is never deleted, only deactivated; the services check every id they store): SQLite cannot drop
a referencing column in place, and a batch copy of `cases` or `users` at downgrade would have to drop tables that
other tables refer to; `cases` gets the
reason it was placed (`jurisdiction_reason`) and the index of a jurisdiction's work lists; `messages` gets what
the citizen addressed (`addressed_jurisdiction_id`, `addressed_leader`; no foreign key: a reference
would cost SQLite's downgrade a copy of the table and its search triggers).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jurisdictions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("slug", sa.String(40), nullable=False, unique=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("jurisdictions.id"), nullable=True),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("leaders", sa.JSON(), nullable=False),
        sa.Column("deadline_days", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("parent_id", "name", name="uq_jurisdictions_parent_name"),
    )
    op.create_index("ix_jurisdictions_parent_id", "jurisdictions", ["parent_id"])
    op.create_index("ix_jurisdictions_path", "jurisdictions", ["path"])
    table = sa.table(
        "jurisdictions",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("level", sa.String()),
        sa.column("slug", sa.String()),
        sa.column("path", sa.String()),
        sa.column("areas", sa.JSON()),
        sa.column("leaders", sa.JSON()),
        sa.column("deadline_days", sa.JSON()),
        sa.column("is_active", sa.Boolean()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        table,
        [
            {
                "id": 1,
                "name": "本级",
                "level": "city",
                "slug": "root",
                "path": "/1/",
                "areas": [],
                "leaders": [],
                "deadline_days": {},
                "is_active": True,
                "created_at": datetime.now(UTC),
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('jurisdictions', 'id'), 1)")
    # plain ADD COLUMN with an inline REFERENCES: SQLite adds it in place (no copy of a large table, the search
    # triggers of messages untouched); PostgreSQL adds the constraint without rewriting the rows (NULL default)
    for name in ("departments", "users", "cases"):
        op.add_column(name, sa.Column("jurisdiction_id", sa.Integer(), nullable=True))
    for name in ("departments", "users"):
        op.create_index(f"ix_{name}_jurisdiction_id", name, ["jurisdiction_id"])
    op.add_column("cases", sa.Column("jurisdiction_reason", sa.Text(), nullable=False, server_default=""))
    op.create_index(
        "ix_cases_jurisdiction_status_urgent",
        "cases",
        ["jurisdiction_id", "status", "urgent", "deadline", "received_at"],
    )
    op.add_column("messages", sa.Column("addressed_jurisdiction_id", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("addressed_leader", sa.String(16), nullable=False, server_default=""))


def downgrade() -> None:
    # in place (SQLite 3.35+ drops a column that no index, key or constraint uses): a batch copy of `cases` or
    # `users` would have to drop tables that other tables refer to
    for column in ("addressed_leader", "addressed_jurisdiction_id"):
        op.drop_column("messages", column)
    op.drop_index("ix_cases_jurisdiction_status_urgent", table_name="cases")
    for name in ("users", "departments"):
        op.drop_index(f"ix_{name}_jurisdiction_id", table_name=name)
    op.drop_column("cases", "jurisdiction_reason")
    for name in ("cases", "users", "departments"):
        op.drop_column(name, "jurisdiction_id")
    op.drop_index("ix_jurisdictions_path", table_name="jurisdictions")
    op.drop_index("ix_jurisdictions_parent_id", table_name="jurisdictions")
    op.drop_table("jurisdictions")
