"""public search text: the masked title, body and place that public search matches

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from minyi.nlp.display import public_search_text  # pure text: stable across model changes

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 1000
_messages = sa.table(
    "messages",
    sa.column("id", sa.Integer()),
    sa.column("title", sa.String()),
    sa.column("body", sa.Text()),
    sa.column("place_text", sa.String()),
    sa.column("public_search_text", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_search_text", sa.Text(), server_default="", nullable=False))
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """Mask the stored messages in batches of BATCH rows (keyset by id, one UPDATE executemany per batch)."""
    last = 0
    while True:
        rows = conn.execute(
            sa.select(_messages.c.id, _messages.c.title, _messages.c.body, _messages.c.place_text)
            .where(_messages.c.id > last)
            .order_by(_messages.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            _messages.update()
            .where(_messages.c.id == sa.bindparam("row_id"))
            .values(public_search_text=sa.bindparam("text")),
            [{"row_id": r.id, "text": public_search_text(r.title, r.body, r.place_text)} for r in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("public_search_text")
