"""Migration 0017: every stored message and its statistics facts get a channel (网站 for all that came before);
down and up again, the channels staff entered come back from their `submit` events — on SQLite, and on PostgreSQL
under `make test-postgres`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from minyi.core.db import make_engine, make_session_factory
from minyi.core.migrate import alembic_config, upgrade
from minyi.messages.models import Message
from minyi.stats.facts import facts_of_cases
from minyi.workflow.models import Case
from tests import factories as f
from tests.reliability.live import fresh_database


def _channels(engine: Engine, table: str, key: str) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.exec_driver_sql(f"SELECT {key}, channel FROM {table}").all())  # noqa: S608 - fixed names


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_down_and_up_again(tmp_path: Path) -> None:
    """On a fresh database of its own: an SQLite file, or a new PostgreSQL database (make test-postgres)."""
    with fresh_database(tmp_path) as url:
        _down_and_up_again(url)


def _down_and_up_again(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        coordinator = f.user(db, role="coordinator")
        web = f.message(db).case
        phone = f.entered(db, coordinator).submission.case
        letter = f.entered(db, coordinator, channel="letter").submission.case
        db.commit()
        ids = {"web": web.id, "phone": phone.id, "letter": letter.id}
    engine.dispose()
    command.downgrade(alembic_config(url), "0016")
    engine = make_engine(url)
    assert "channel" not in _columns(engine, "messages") and "channel" not in _columns(engine, "case_facts")
    assert "search_grams" in _columns(engine, "messages")  # the rest of the schema is untouched
    with engine.begin() as conn:  # a message written meanwhile, as the schema before 0017 stores it
        conn.exec_driver_sql(
            "INSERT INTO messages (title, body, appeal_kind, place_text, is_public, is_anonymous, source,"
            " tracking_hash, client_hash, created_at) VALUES ('旧版本的留言', '降级期间写入的一条留言内容。',"
            " 'complaint', '', TRUE, FALSE, 'web', 'old-0017', '', '2026-12-01 08:00:00')"
        )
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as db:
        by_case = dict(db.execute(select(Case.id, Message.channel).join(Message, Message.id == Case.message_id)).all())
        old = db.scalar(select(Message.channel).where(Message.tracking_hash == "old-0017"))
        folded = {fact.case_id: fact.channel for fact in facts_of_cases(db, ids.values())}
    expected = {ids["web"]: "website", ids["phone"]: "phone", ids["letter"]: "letter"}
    assert by_case == expected and old == "website"  # entered channels back from their events; the rest 网站
    assert _channels(engine, "case_facts", "case_id") == expected == folded  # the facts agree with the fold
    engine.dispose()


def test_a_release_database_gets_the_website_channel_everywhere(tmp_path: Path) -> None:
    release = Path(__file__).resolve().parents[1] / "fixtures" / "release-2026-11-26.sqlite3"
    db = tmp_path / "release.sqlite3"
    db.write_bytes(release.read_bytes())
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    messages, facts = _channels(engine, "messages", "id"), _channels(engine, "case_facts", "case_id")
    assert len(messages) == 17 and set(messages.values()) == {"website"}
    assert len(facts) >= 17 and set(facts.values()) == {"website"}
    engine.dispose()
