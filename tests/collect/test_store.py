"""One voice counted once across runs: a later run's near copy or quote points to the stored first item, found by its
keys (an index lookup), never by reading every stored item."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from minyi.collect.dedup import fingerprints, fold, repeats
from minyi.collect.extract import Item
from minyi.collect.models import WebItem, WebItemKey, WebSource
from minyi.collect.store import store_items

ARTICLE = (
    "春晖路积水问题困扰居民多年。每逢下雨，春晖路与河西大道交叉口的积水就没过脚踝，电动车经常熄火。"
    "附近居民说，排水管道老化堵塞，多次反映都没有彻底解决。学生上学只能绕行，老人出门更是困难。"
    "居民希望有关部门尽快改造排水管网，彻底解决积水问题。"
)
REPOST = ARTICLE.replace("电动车经常熄火", "电动车常常熄火") + "（转载自青川论坛，作者保留权利）"
QUOTE = "网友留言：附近居民说，排水管道老化堵塞，多次反映都没有彻底解决。学生上学只能绕行，老人出门更是困难。说得对"
OTHER = (
    "青川市图书馆延长开放时间。从下月起，市图书馆周末开放到晚上九点，自习区增加两百个座位，"
    "读者可以在网上预约座位。馆方表示，将根据读者意见继续调整开放安排，欢迎市民提出建议。"
)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _source(factory: sessionmaker[Session]) -> int:
    with factory.begin() as session:
        source = WebSource(name="青川新闻", kind="feed", url="http://127.0.0.1/rss.xml", last_error="")
        session.add(source)
        session.flush()
        return source.id


def _store(factory: sessionmaker[Session], source_id: int, texts: dict[str, str], *, author: str = "网友") -> int:
    items = [
        Item(f"http://127.0.0.1/{name}", f"http://127.0.0.1/{name}", name, body, author, None, None, "post", "utf-8")
        for name, body in texts.items()
    ]
    records = [
        {"text": body, "duplicate_of": None, "domain": "", "appeal_kind": "", "urgent": False, "places": []}
        for body in texts.values()
    ]
    return store_items(factory, source_id=source_id, items=items, records=records, validators={}, now=NOW)


def _first_of(db: Session, name: str) -> int | None:
    db.expire_all()
    return db.scalar(select(WebItem.duplicate_of_id).where(WebItem.title == name))


def _id(db: Session, name: str) -> int:
    return db.scalar(select(WebItem.id).where(WebItem.title == name))  # type: ignore[return-value]


def test_a_later_runs_repost_and_quote_point_to_the_stored_first_item(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    source_id = _source(session_factory)
    assert _store(session_factory, source_id, {"article": ARTICLE, "other": OTHER}) == 2
    assert db.scalar(select(WebItemKey.key).where(WebItemKey.web_item_id == _id(db, "article")).limit(1)) is not None
    stored = _store(
        session_factory, source_id, {"repost": REPOST, "quote": QUOTE, "support": "支持", "new": OTHER[::-1]}
    )
    assert stored == 4
    article = _id(db, "article")
    assert _first_of(db, "repost") == article  # a near copy with another footer, in a later run
    assert _first_of(db, "quote") == article  # mostly a quote of it
    assert _first_of(db, "support") is None and _first_of(db, "new") is None  # too short; another text
    keyed = set(db.scalars(select(WebItemKey.web_item_id).distinct()))
    assert _id(db, "repost") not in keyed and _id(db, "quote") not in keyed  # only first items are looked up


def test_a_quote_of_an_item_of_the_same_run_points_to_it(session_factory: sessionmaker[Session], db: Session) -> None:
    source_id = _source(session_factory)
    _store(session_factory, source_id, {"article": ARTICLE, "quote": QUOTE})
    assert _first_of(db, "quote") == _id(db, "article")


def test_a_text_that_only_shares_a_sentence_is_not_a_repeat() -> None:
    reply = "附近居民说，排水管道老化堵塞，多次反映都没有彻底解决。" + OTHER
    mine, stored = fingerprints([reply, ARTICLE])
    assert set(mine.keys) & set(stored.keys)  # found as a candidate by the shared sentence ...
    assert not repeats(mine.folded, stored.folded)  # ... but it says more of its own: not a quote
    assert repeats(fold(QUOTE), fold(ARTICLE)) and not repeats(fold(ARTICLE), fold(QUOTE))


def test_the_key_lookup_is_served_by_the_primary_key(db: Session) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip(
            "SQLite's EXPLAIN QUERY PLAN: the PostgreSQL plans of web items are checked in test_voices_postgres"
        )
    plan = " ".join(
        str(row[-1])
        for row in db.execute(text("EXPLAIN QUERY PLAN SELECT web_item_id FROM web_item_keys WHERE key IN (1, 2)"))
    )
    assert "USING" in plan and "SCAN web_item_keys" not in plan
