"""work lists at any volume: cases.urgent, indexes for each list, staff keyword search by character bigrams

Revision ID: 0011
Revises: 0006, 0008, 0009, 0010
Create Date: 2026-12-04 21:40:00

`cases.urgent` copies `message_analyses.urgent` and `cases.rated_unsatisfied` says the latest rating is 不满意
(kept by `minyi.workflow.models._copy_urgent` and `_copy_rating`), so that a list is filtered and ordered in one
table; `cases.received_at` copies the message's time for the same reason. `messages.search_grams` /
`place_grams` hold the text as character
bigrams (`minyi.messages.search`): on PostgreSQL a GIN index on `to_tsvector('simple', …)` serves them, on
SQLite an FTS5 table (`messages_fts`, external content, kept by triggers). Both are backfilled here in
batches.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from minyi.messages.search import grams, search_grams_of  # pure text: stable across model changes

revision = "0011"
down_revision = ("0006", "0008", "0009", "0010")
branch_labels = None
depends_on = None

BATCH = 1000
_messages = sa.table(
    "messages",
    sa.column("id", sa.Integer()),
    sa.column("title", sa.String()),
    sa.column("body", sa.Text()),
    sa.column("place_text", sa.String()),
    sa.column("search_grams", sa.Text()),
    sa.column("place_grams", sa.Text()),
)
CASE_INDEXES = {
    "ix_cases_status_urgent_deadline": ["status", "urgent", "deadline", "received_at"],
    "ix_cases_department_status_urgent": ["department_id", "status", "urgent", "deadline", "received_at"],
    "ix_cases_status_deadline": ["status", "deadline"],
    "ix_cases_reopen_count": ["reopen_count"],
}
GIN_INDEXES = {"ix_messages_search_grams": "search_grams", "ix_messages_place_grams": "place_grams"}
FTS_TRIGGERS = """
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, search_grams, place_grams) VALUES (new.id, new.search_grams, new.place_grams);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, search_grams, place_grams)
  VALUES ('delete', old.id, old.search_grams, old.place_grams);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF search_grams, place_grams ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, search_grams, place_grams)
  VALUES ('delete', old.id, old.search_grams, old.place_grams);
  INSERT INTO messages_fts(rowid, search_grams, place_grams) VALUES (new.id, new.search_grams, new.place_grams);
END;
"""


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (no batch copy of `cases`, which other tables reference).
    op.add_column("cases", sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("cases", sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE cases SET received_at = (SELECT m.created_at FROM messages m WHERE m.id = cases.message_id)")
    for name, columns in CASE_INDEXES.items():
        op.create_index(name, "cases", columns, unique=False)
    op.execute(
        "UPDATE cases SET urgent = COALESCE((SELECT a.urgent FROM message_analyses a"
        " WHERE a.message_id = cases.message_id), false)"
    )
    op.add_column("cases", sa.Column("rated_unsatisfied", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(op.f("ix_cases_rated_unsatisfied"), "cases", ["rated_unsatisfied"], unique=False)
    op.execute(
        "UPDATE cases SET rated_unsatisfied = true WHERE (SELECT r.level FROM ratings r WHERE r.case_id = cases.id"
        " ORDER BY r.created_at DESC, r.id DESC LIMIT 1) = 'unsatisfied'"
    )
    with op.batch_alter_table("message_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_contacts_phone"), ["phone"], unique=False)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_grams", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("place_grams", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    _backfill(conn)
    if conn.dialect.name == "postgresql":
        for name, column in GIN_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON messages USING gin (to_tsvector('simple'::regconfig, {column}))")
    elif conn.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE messages_fts USING fts5(search_grams, place_grams,"
            " content='messages', content_rowid='id')"
        )
        op.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
        for statement in FTS_TRIGGERS.split("END;")[:-1]:
            op.execute(statement + "END;")


def _backfill(conn: sa.Connection) -> None:
    """Write the bigrams of the stored messages in batches of BATCH rows (keyset by id, one executemany each)."""
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
            .values(search_grams=sa.bindparam("text"), place_grams=sa.bindparam("place")),
            [
                {"row_id": r.id, "text": search_grams_of(r.title, r.body, r.place_text), "place": grams(r.place_text)}
                for r in rows
            ],
        )
        last = rows[-1].id


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for name in GIN_INDEXES:
            op.execute(f"DROP INDEX {name}")
    elif conn.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER messages_fts_{trigger}")
        op.execute("DROP TABLE messages_fts")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("place_grams")
        batch_op.drop_column("search_grams")
    with op.batch_alter_table("message_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_contacts_phone"))
    for name in CASE_INDEXES:
        op.drop_index(name, table_name="cases")
    op.drop_index(op.f("ix_cases_rated_unsatisfied"), table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("rated_unsatisfied")
        batch_op.drop_column("received_at")
        batch_op.drop_column("urgent")
