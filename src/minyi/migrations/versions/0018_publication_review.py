"""审核后公开: a message the citizen wants public waits for a coordinator's review when the admin asks for it, or when
it reads as abuse or a personal accusation

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 00:00:00

`messages.review`: "" (nothing to review: public at once, or private by the citizen's choice), "pending" (the
citizen asked for it to be public; off the board until a coordinator publishes it) or "withheld" (kept off the
board after review). `messages.review_flags`: why it waits (`abuse`, `accusation`, comma-separated; empty when the
admin's setting alone holds it). Every row before this revision was published under the old rule: "" for all,
in one `ADD COLUMN … NOT NULL DEFAULT ''` on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COLUMNS = (("review", 16), ("review_flags", 64))


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on `messages`: a batch copy would drop the search triggers (0011, 0016).
    for name, length in COLUMNS:
        op.add_column("messages", sa.Column(name, sa.String(length=length), server_default="", nullable=False))
    op.create_index("ix_messages_review", "messages", ["review"])  # counted on every coordinator's inbox


def downgrade() -> None:
    op.drop_index("ix_messages_review", table_name="messages")
    for name, _length in reversed(COLUMNS):
        op.drop_column("messages", name)
