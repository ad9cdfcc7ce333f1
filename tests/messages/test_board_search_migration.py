"""Migration 0016: the board's search bigrams are backfilled for the messages already stored, its index follows
every insert and update, and going down and up again leaves the staff search's index (0011) working."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, update
from sqlalchemy.orm import Session

from minyi.core.db import make_engine, make_session_factory
from minyi.core.migrate import alembic_config, upgrade
from minyi.messages.models import Message
from minyi.nlp.display import public_search_text
from minyi.workflow import views
from tests import factories as f

PHONE = "13812345678"


def _board(db: Session, q: str) -> list[int]:
    return [c.id for c in views.list_public_cases(db, filters=views.BoardFilters(q=q)).items]


def test_the_backfill_fills_the_stored_messages_and_the_index_follows(db: Session) -> None:
    sub = f.message(db, title="旧留言的标题", body=f"旧留言里的路灯坏了，电话 {PHONE} 需要遮盖。")
    assert _board(db, "路灯坏了") == [sub.case.id]
    db.execute(update(Message).where(Message.id == sub.message.id).values(public_search_grams=""))
    assert _board(db, "路灯坏了") == []  # the index follows an update (SQLite: the trigger; PostgreSQL: GIN)
    script = ScriptDirectory.from_config(alembic_config()).get_revision("0016").module
    script._backfill(db.connection())
    db.expire_all()
    assert _board(db, "路灯坏了") == [sub.case.id] and _board(db, "旧留言") == [sub.case.id]
    assert _board(db, "1381") == [] and _board(db, "138****5678") == [sub.case.id]


def _insert_old_message(engine: Engine, number: int) -> None:
    """A message and its case as the schema before 0016 stores them (no board bigrams)."""
    title, body = f"第{number}号路灯不亮", f"幸福路第{number}号路灯不亮，请联系 {PHONE}。"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO messages (id, title, body, appeal_kind, place_text, is_public, is_anonymous, source,"
            " tracking_hash, client_hash, created_at, public_search_text, search_grams, place_grams)"
            " VALUES (?, ?, ?, 'complaint', '', 1, 0, 'web', ?, '', '2026-12-01 08:00:00', ?, ?, '')",
            (number, title, body, f"old-{number}", public_search_text(title, body, ""), f"{number}号 路灯"),
        )
        conn.exec_driver_sql(
            "INSERT INTO cases (id, message_id, status, reopen_count, escalated, public_reason, supports, urgent,"
            " rated_unsatisfied, updated_at) VALUES (?, ?, 'submitted', 0, 0, '', 0, 0, 0, '2026-12-01 08:00:00')",
            (number, number),
        )


def _staff_index_finds(engine: Engine, number: int) -> bool:
    with engine.connect() as conn:
        hits = conn.exec_driver_sql("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?", (f'"{number}号"',))
        return number in {row[0] for row in hits}


def test_sqlite_down_and_up_again(tmp_path: Path) -> None:
    """Down to 0015 (the other branches stay), a row written meanwhile, up again: its board bigrams are filled,
    the search table finds it and what is written afterwards, and the staff search's triggers of 0011 kept
    working throughout."""
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0015")
    engine = make_engine(url)
    columns = {c["name"] for c in inspect(engine).get_columns("messages")}
    assert "public_search_grams" not in columns and "search_grams" in columns
    assert not any(t.startswith("messages_fts_public") for t in inspect(engine).get_table_names())
    assert "ix_messages_public_created" not in {i["name"] for i in inspect(engine).get_indexes("messages")}
    _insert_old_message(engine, 7)
    assert _staff_index_finds(engine, 7)  # 0011's triggers survived the downgrade of 0016
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        assert _board(db, "路灯不亮") == [7] and _board(db, "第7号") == [7]  # backfilled and indexed
        assert _board(db, "1381") == [] and _board(db, "138****5678") == [7]
        sub = f.message(db, title="升级后的新留言", body="升级以后提交的留言，路灯也不亮了。")
        db.commit()
        assert _board(db, "升级后") == [sub.case.id]  # the triggers index what is written after the upgrade
    assert _staff_index_finds(engine, 7)
    engine.dispose()
