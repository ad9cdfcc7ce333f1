"""the public board at a million cases: its keyword search by character bigrams of the masked text, its order

Revision ID: 0016
Revises: 0015 (depends on 0011)
Create Date: 2026-12-05 00:00:00

`messages.public_search_grams` holds `public_search_text` (the title, body and place as the public pages show
them, personal data masked) as character bigrams (`minyi.messages.search`), backfilled here in batches: the
board's keyword search matches it through its own index, never the original text — on PostgreSQL a GIN index on
`to_tsvector('simple', …)`, on SQLite an FTS5 table (`messages_fts_public`, external content, kept by triggers),
as migration 0011 does for the staff search. `ix_messages_public_created` serves the board's order (public
messages, newest first, id last) and its capped count, the two beside it the same for one domain or appeal kind.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from minyi.messages.search import grams  # pure text: stable across model changes

revision = "0016"
down_revision = "0015"
branch_labels = None
# After 0011 and undone before it: 0011's downgrade copies `messages` (a batch drop of its columns on SQLite),
# which would drop this migration's triggers.
depends_on = "0011"

BATCH = 1000
_messages = sa.table(
    "messages",
    sa.column("id", sa.Integer()),
    sa.column("public_search_text", sa.Text()),
    sa.column("public_search_grams", sa.Text()),
)
GIN_INDEX = "ix_messages_public_search_grams"
BOARD_INDEXES = {  # newest first among the public messages, of a domain, of an appeal kind
    "ix_messages_public_created": ["is_public", "created_at", "id"],
    "ix_messages_public_domain_created": ["is_public", "domain", "created_at", "id"],
    "ix_messages_public_kind_created": ["is_public", "appeal_kind", "created_at", "id"],
}
FTS_TRIGGERS = """
CREATE TRIGGER messages_fts_public_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts_public(rowid, public_search_grams) VALUES (new.id, new.public_search_grams);
END;
CREATE TRIGGER messages_fts_public_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts_public(messages_fts_public, rowid, public_search_grams)
  VALUES ('delete', old.id, old.public_search_grams);
END;
CREATE TRIGGER messages_fts_public_update AFTER UPDATE OF public_search_grams ON messages BEGIN
  INSERT INTO messages_fts_public(messages_fts_public, rowid, public_search_grams)
  VALUES ('delete', old.id, old.public_search_grams);
  INSERT INTO messages_fts_public(rowid, public_search_grams) VALUES (new.id, new.public_search_grams);
END;
"""


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch copy of `messages` would drop the staff search's triggers (0011).
    op.add_column("messages", sa.Column("public_search_grams", sa.Text(), server_default="", nullable=False))
    for name, columns in BOARD_INDEXES.items():
        op.create_index(name, "messages", columns, unique=False)
    conn = op.get_bind()
    _backfill(conn)
    if conn.dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {GIN_INDEX} ON messages USING gin (to_tsvector('simple'::regconfig, public_search_grams))"
        )
    elif conn.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE messages_fts_public USING fts5(public_search_grams,"
            " content='messages', content_rowid='id')"
        )
        op.execute("INSERT INTO messages_fts_public(messages_fts_public) VALUES ('rebuild')")
        for statement in FTS_TRIGGERS.split("END;")[:-1]:
            op.execute(statement + "END;")


def _backfill(conn: sa.Connection) -> None:
    """Write the bigrams of the stored messages' public text in batches of BATCH rows (keyset by id)."""
    last = 0
    while True:
        rows = conn.execute(
            sa.select(_messages.c.id, _messages.c.public_search_text)
            .where(_messages.c.id > last)
            .order_by(_messages.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            _messages.update()
            .where(_messages.c.id == sa.bindparam("row_id"))
            .values(public_search_grams=sa.bindparam("text")),
            [{"row_id": r.id, "text": grams(r.public_search_text)} for r in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute(f"DROP INDEX {GIN_INDEX}")
    elif conn.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER messages_fts_public_{trigger}")
        op.execute("DROP TABLE messages_fts_public")
    for name in BOARD_INDEXES:
        op.drop_index(name, table_name="messages")
    # ALTER TABLE DROP COLUMN (SQLite 3.35+), not a batch copy, for the same reason as above.
    op.drop_column("messages", "public_search_grams")
