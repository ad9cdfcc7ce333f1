"""吸纳: adoption decisions, commitments and their progress; case_facts.adoption

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 00:00:00

`adoptions` (one decision per suggestion case), `commitments` and `commitment_updates`, each with the indexes of
its lists (the public 建言采纳 page, the open and overdue commitments per department); `case_facts.adoption`,
the decision of a case's `adopt` event, filled from those events (none exist before this revision: the kind is new,
but a database whose facts were rebuilt by 0013's backfill gets them back the same way).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "adoptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("adopting", sa.Boolean(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )
    op.create_index("ix_adoptions_public", "adoptions", ["public", "adopting", "decided_at", "id"])
    op.create_index("ix_adoptions_public_status", "adoptions", ["public", "adopting", "status", "decided_at", "id"])
    op.create_index(
        "ix_adoptions_department", "adoptions", ["department_id", "public", "adopting", "status", "decided_at", "id"]
    )
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("done_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["adoption_id"], ["adoptions.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_commitments_adoption_id", "commitments", ["adoption_id"])
    op.create_index("ix_commitments_case_id", "commitments", ["case_id"])
    op.create_index("ix_commitments_status_due", "commitments", ["status", "due_on", "id"])
    op.create_index("ix_commitments_department_status_due", "commitments", ["department_id", "status", "due_on", "id"])
    op.create_table(
        "commitment_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitments.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_commitment_updates_commitment_id", "commitment_updates", ["commitment_id"])
    with op.batch_alter_table("case_facts") as batch:
        batch.add_column(sa.Column("adoption", sa.String(length=16), nullable=True))
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """`case_facts.adoption` from the `adopt` events (a suggestion has one at most; the last one counts)."""
    events = sa.table(
        "case_events", sa.column("id"), sa.column("case_id"), sa.column("kind"), sa.column("data", sa.JSON)
    )
    facts = sa.table("case_facts", sa.column("case_id"), sa.column("adoption"))
    decided = conn.execute(
        sa.select(events.c.case_id, events.c.data).where(events.c.kind == "adopt").order_by(events.c.id)
    )
    for case_id, data in decided:
        decision = data.get("decision") if isinstance(data, dict) else None
        conn.execute(facts.update().where(facts.c.case_id == case_id).values(adoption=decision))


def downgrade() -> None:
    with op.batch_alter_table("case_facts") as batch:
        batch.drop_column("adoption")
    op.drop_table("commitment_updates")
    op.drop_table("commitments")
    op.drop_table("adoptions")
