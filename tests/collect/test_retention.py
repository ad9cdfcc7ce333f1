"""Web items past the retention period that became no case lose their text, title and author — once, in batches,
audited — and keep what the statistics count; items that became cases, and their thread, are kept whole."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests import factories as f

from minyi.accounts.models import AuthEvent
from minyi.collect.models import WebItem
from minyi.collect.retention import purge_batch, purge_expired
from minyi.collect.sources import add_source
from minyi.core.clock import utcnow
from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.hot.models import WebItemLink
from minyi.jobs.tasks import Jobs

ANALYSIS = {"domain": "城乡建设", "appeal_kind": "help", "urgent": True, "places": ["春晖路"]}


def _item(db: Session, source_id: int, n: int, *, days_old: int, **links: object) -> WebItem:
    text = f"第{n}条：春晖路积水三天了，联系我 13912345678。"
    item = WebItem(
        source_id=source_id,
        url=f"http://127.0.0.1/news/{n}.html",
        canonical_url=f"http://127.0.0.1/news/{n}.html",
        kind="comment" if links.get("parent_id") else "article",
        title=f"春晖路积水{n}",
        text=text,
        clean_text=text,
        author="河西居民",
        published="2024-05-12T09:30:00+08:00",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        analysis=ANALYSIS,
        urgent=True,
        fetched_at=utcnow() - timedelta(days=days_old),
        **links,
    )
    db.add(item)
    db.flush()
    return item


def _purged(db: Session) -> list[AuthEvent]:
    return list(db.scalars(select(AuthEvent).where(AuthEvent.kind == "web_items_purged")))


def test_an_expired_item_loses_its_words_and_keeps_what_is_counted(db: Session) -> None:
    source = add_source(db, name="河西新闻网", kind="feed", url="http://127.0.0.1/rss.xml")
    old, recent = _item(db, source.id, 1, days_old=200), _item(db, source.id, 2, days_old=100)
    hashed = old.content_hash
    assert purge_batch(db, retention_days=180, kept=set(), now=utcnow()) == (1, old.id)
    assert purge_batch(db, retention_days=180, kept=set(), after=old.id, now=utcnow()) == (0, None)
    db.refresh(old)
    db.refresh(recent)
    assert (old.text, old.clean_text, old.title, old.author) == ("", "", None, None)
    assert old.analysis == ANALYSIS and old.urgent and old.kind == "article" and old.source_id == source.id
    assert old.canonical_url.endswith("/news/1.html") and old.content_hash == hashed and old.published
    assert recent.text.startswith("第2条") and recent.author == "河西居民"
    (line,) = _purged(db)
    assert line.username == "系统" and line.detail.startswith("1 条网络条目采集超过 180 天且未转为办件")
    assert "13912345678" not in line.detail


def test_items_that_became_cases_and_their_threads_are_kept_whole(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as db:
        source = add_source(db, name="青川论坛", kind="list", url="http://127.0.0.1/forum/")
        thread = _item(db, source.id, 1, days_old=400)
        became_case = _item(db, source.id, 2, days_old=400, parent_id=thread.id, case_id=f.message(db).case.id)
        repeat = _item(db, source.id, 3, days_old=400, duplicate_of_id=became_case.id)
        reply = _item(db, source.id, 4, days_old=400, parent_id=became_case.id)
        sibling = _item(db, source.id, 5, days_old=400, parent_id=thread.id)
        linked = _item(db, source.id, 6, days_old=400)  # 相关办件: speaks of an open case
        db.add(WebItemLink(web_item_id=linked.id, case_id=became_case.case_id, score=0.5))
        unlinked = _item(db, source.id, 7, days_old=400)  # a link a coordinator undid keeps nothing
        db.add(WebItemLink(web_item_id=unlinked.id, case_id=became_case.case_id, score=0.5, unlinked_at=utcnow()))
        ids = {"kept": {thread.id, became_case.id, repeat.id, reply.id, linked.id}, "gone": {sibling.id, unlinked.id}}
    assert purge_expired(session_factory, retention_days=180, batch_size=2) == 2
    assert purge_expired(session_factory, retention_days=180, batch_size=2) == 0  # once
    assert purge_expired(session_factory, retention_days=0) == 0  # 0 keeps everything
    with transaction(session_factory, write=False) as db:
        texts = {row.id: row.text for row in db.execute(select(WebItem.id, WebItem.text))}
        assert all(texts[i] for i in ids["kept"]) and all(texts[i] == "" for i in ids["gone"])
        assert len(_purged(db)) == 2  # one line per batch that cleared something (batches of 2)


def test_many_expired_items_are_purged_in_batches_past_kept_ones(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as db:
        source = add_source(db, name="东湖新闻", kind="feed", url="http://127.0.0.1/feed.xml")
        first = _item(db, source.id, 0, days_old=300, case_id=f.message(db).case.id)
        for n in range(1, 8):
            _item(db, source.id, n, days_old=300)
        assert first.id is not None
    # the kept item heads every batch of 2 it is in: the walk goes on past it
    assert purge_expired(session_factory, retention_days=180, batch_size=2) == 7
    with transaction(session_factory, write=False) as db:
        assert db.scalar(select(func.count()).select_from(WebItem).where(WebItem.text == "")) == 7
        assert sum(int(line.detail.split(" ", 1)[0]) for line in _purged(db)) == 7


def test_two_workers_purge_once_per_period(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'minyi.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="k", web_retention_days=30)
    with transaction(factory) as db:
        source = add_source(db, name="河西新闻网", kind="feed", url="http://127.0.0.1/rss.xml")
        for n in range(3):
            _item(db, source.id, n, days_old=31)
    monkeypatch.setattr("minyi.core.settings.get_settings", lambda: settings)
    one, two = Jobs(settings, factory), Jobs(settings, factory)  # two workers on one database
    assert one.period_seconds("web_retention") == 3600
    first = one.run_scheduled("web_retention")
    second = two.run_scheduled("web_retention")
    assert first == {"web_items_purged": 3} and second is None
    with transaction(factory, write=False) as db:
        assert len(_purged(db)) == 1
