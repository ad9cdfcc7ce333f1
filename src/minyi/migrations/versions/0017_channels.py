"""受理渠道: the channel of every message (电话, 信件, 来访, 网站, 网络民意) and of its case's statistics facts

Revision ID: 0017
Revises: 0013, 0016 (joins the two heads)
Create Date: 2026-12-08 00:00:00

`messages.channel` and `case_facts.channel` hold a code of `minyi.messages.channels.CHANNELS`. Every row stored
before this revision came through the website (the citizens' form, the API, the demo data, imports of web
history), so the server default `website` is their value: `ADD COLUMN … NOT NULL DEFAULT 'website'` fills them in
one statement on SQLite and PostgreSQL alike (PostgreSQL 11+ without rewriting the table), and stays as the
default of rows written without a channel. Then the backfill reads the `submit` events, 1,000 a round: one that
names another channel (a database downgraded below this revision and upgraded again) gives it back to its message
and its facts. The facts' channel is folded from the same event (`SubmitPayload.channel`, absent in older events:
网站), so the backfill agrees with a fold of the log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = ("0013", "0016")  # case_facts (0013), messages after the board's columns (0016)
branch_labels = None
depends_on = None

DEFAULT = "website"  # minyi.messages.channels.WEBSITE, written out: a migration does not follow the code
TABLES = ("messages", "case_facts")


BATCH = 1000
_events = sa.table(
    "case_events", sa.column("id", sa.Integer()), sa.column("case_id", sa.Integer()), sa.column("kind", sa.String()),
    sa.column("data", sa.JSON()),
)  # fmt: skip
_cases = sa.table("cases", sa.column("id", sa.Integer()), sa.column("message_id", sa.Integer()))
_messages = sa.table("messages", sa.column("id", sa.Integer()), sa.column("channel", sa.String()))
_facts = sa.table("case_facts", sa.column("case_id", sa.Integer()), sa.column("channel", sa.String()))


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on `messages`: a batch copy would drop the search triggers (0011, 0016).
    for table in TABLES:
        op.add_column(table, sa.Column("channel", sa.String(length=16), server_default=DEFAULT, nullable=False))
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """Give every case whose `submit` event names a channel other than the default that channel (keyset by id)."""
    last = 0
    while True:
        rows = conn.execute(
            sa.select(_events.c.id, _events.c.case_id, _events.c.data)
            .where(_events.c.kind == "submit", _events.c.id > last)
            .order_by(_events.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        named = [
            {"key": r.case_id, "value": r.data["channel"]}
            for r in rows
            if isinstance(r.data, dict) and r.data.get("channel") not in (None, DEFAULT)
        ]
        if named:
            message_of = sa.select(_cases.c.message_id).where(_cases.c.id == sa.bindparam("key")).scalar_subquery()
            conn.execute(
                _messages.update().where(_messages.c.id == message_of).values(channel=sa.bindparam("value")), named
            )
            conn.execute(
                _facts.update().where(_facts.c.case_id == sa.bindparam("key")).values(channel=sa.bindparam("value")),
                named,
            )
        last = rows[-1].id


def downgrade() -> None:
    # ALTER TABLE DROP COLUMN (SQLite 3.35+), not a batch copy, for the same reason.
    for table in reversed(TABLES):
        op.drop_column(table, "channel")
