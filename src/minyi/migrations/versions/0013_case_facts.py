"""statistics: per-case facts (case_facts), kept with the event log and backfilled from it

Revision ID: 0013
Revises: 0011, 0012
Create Date: 2026-12-04 22:10:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from minyi.stats.facts import facts_of_cases  # the one fold of the log: the facts equal what the pages computed

revision = "0013"
down_revision = ("0011", "0012")
branch_labels = None
depends_on = None

BATCH = 1000  # cases folded and written per round


def _columns() -> tuple[sa.Column[Any], ...]:
    return (
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("received_month", sa.String(length=7), nullable=False),
        sa.Column("received_week", sa.String(length=8), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=True),
        sa.Column("appeal_kind", sa.String(length=32), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("place_label", sa.String(length=40), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("first_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_on", sa.Date(), nullable=True),
        sa.Column("deadline_at_reply", sa.Date(), nullable=True),
        sa.Column("reply_days", sa.Integer(), nullable=True),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=True),
    )


_cases = sa.table("cases", sa.column("id", sa.Integer()))


def upgrade() -> None:
    op.create_table("case_facts", *_columns(), sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_facts")))
    op.create_index("ix_case_facts_received_on", "case_facts", ["received_on"], unique=False)
    op.create_index("ix_case_facts_department_received", "case_facts", ["department_id", "received_on"], unique=False)
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """Fold every case's log, BATCH cases a round (keyset by id, one INSERT executemany per round)."""
    facts = sa.table("case_facts", *(sa.column(c.name, c.type) for c in _columns()))
    names = [c.name for c in _columns()]
    last = 0
    while True:
        ids = list(conn.scalars(sa.select(_cases.c.id).where(_cases.c.id > last).order_by(_cases.c.id).limit(BATCH)))
        if not ids:
            return
        rows = []
        for fact in facts_of_cases(conn, ids, jurisdiction=False):  # cases.jurisdiction_id: 0028
            row = {n: getattr(fact, n, None) for n in names}
            row["received_month"] = f"{fact.received_on.year:04d}-{fact.received_on.month:02d}"
            year, week, _ = fact.received_on.isocalendar()
            row["received_week"] = f"{year:04d}-W{week:02d}"
            rows.append(row)
        if rows:
            conn.execute(facts.insert(), rows)
        last = ids[-1]


def downgrade() -> None:
    op.drop_index("ix_case_facts_department_received", table_name="case_facts")
    op.drop_index("ix_case_facts_received_on", table_name="case_facts")
    op.drop_table("case_facts")
