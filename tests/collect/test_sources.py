"""Registered sources: checks with clear Chinese errors, and `collect_source` against a web served on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.collect.loopback import Answer, LoopbackWeb
from tests.collect.pages import news_page, rss

from minyi.collect.fetch import Politeness
from minyi.collect.models import WebItem, WebItemKey, WebSource
from minyi.collect.sources import add_source, claim_due, collect_source, list_sources, remove_source, update_source
from minyi.core.clock import utcnow
from minyi.core.errors import FieldErrors

FAST = Politeness(delay=0.0, timeout=1.0, retries=0, backoff=0.01)
A = "127.0.0.1"
COMMENTS = (
    ("青川老张", "2024-05-12 10:01", "终于有回音了，希望按时开工，别再拖到明年雨季。"),
    ("河西居民", "2024-05-12 11:20", "我家门口也积水，春晖路三号附近，晚上回家只能绕路。"),
)


class _Analyzer:
    """A stand-in for the shipped model: only the collection and the storage are under test here."""

    def analyze_many(self, pairs: list[tuple[str, str]]) -> list[dict]:
        return [
            {"domain": "城乡建设", "appeal_kind": "求助", "urgent": "积水" in t + x, "places": []} for t, x in pairs
        ]


@pytest.fixture
def web() -> Iterator[LoopbackWeb]:
    served = LoopbackWeb((A,))
    yield served
    served.close()


def _add(factory: sessionmaker[Session], **fields: object) -> int:
    values: dict[str, object] = {"name": "青川新闻", "kind": "feed", "url": "http://127.0.0.1/rss.xml"} | fields
    with factory.begin() as session:
        return add_source(session, **values).id  # type: ignore[arg-type]


def _collect(factory: sessionmaker[Session], source_id: int) -> object:
    return collect_source(factory, source_id, analyzer=_Analyzer(), politeness=FAST)


def _feed(web: LoopbackWeb) -> str:
    one = web.serve(A, "/news/1.html", Answer(news_page(comments=COMMENTS).encode()))
    two = web.serve(A, "/news/2.html", Answer(news_page(title="东湖路口信号灯调整", comments=()).encode()))
    return web.serve(A, "/rss.xml", Answer(rss([("春晖路", one), ("信号灯", two)]), content_type="application/rss+xml"))


def test_every_bad_field_is_reported_at_once_in_chinese(db: Session) -> None:
    with pytest.raises(FieldErrors) as caught:
        add_source(db, name=" ", kind="weibo", url="ftp://x", weight=0, schedule_minutes="often", max_pages=0)
    fields = {field for field, _ in [(f.field, f.message) for f in caught.value.failures]}
    assert fields == {"name", "kind", "url", "weight", "schedule_minutes", "max_pages"}
    assert "请填写名称" in caught.value.message and "权重必须在 1 到 10 之间" in caught.value.message


def test_names_are_unique_and_a_file_export_must_exist(db: Session, tmp_path: Path) -> None:
    add_source(db, name="青川新闻", kind="feed", url="http://127.0.0.1/rss.xml")
    with pytest.raises(FieldErrors, match="已有名为“青川新闻”的来源"):
        add_source(db, name="青川新闻", kind="page", url="http://127.0.0.1/a.html")
    with pytest.raises(FieldErrors, match="找不到文件"):
        add_source(db, name="微博导出", kind="file", url=str(tmp_path / "none.jsonl"))
    with pytest.raises(FieldErrors, match="导出文件须为"):
        add_source(db, name="微博导出", kind="file", url=str(tmp_path / "a.exe"))


def test_update_checks_again_and_remove_only_deactivates(db: Session) -> None:
    source = add_source(db, name="论坛", kind="list", url="http://127.0.0.1/", keywords="积水, 路灯，噪音")
    assert source.keywords == "积水 路灯 噪音" and source.next_run_at is not None
    update_source(db, source_id=source.id, schedule_minutes=30, place="河西区")
    assert (source.schedule_minutes, source.place) == (30, "河西区")
    with pytest.raises(FieldErrors, match="网址须以"):
        update_source(db, source_id=source.id, url="javascript:alert(1)")
    remove_source(db, source_id=source.id)
    assert not source.active and source.next_run_at is None
    assert list_sources(db, include_inactive=False) == [] and list_sources(db) == [source]


def test_a_source_is_stored_once_across_two_runs(session_factory: sessionmaker[Session], web: LoopbackWeb) -> None:
    source_id = _add(session_factory, url=_feed(web))
    first = _collect(session_factory, source_id)
    assert first is not None and first.status == "ok" and first.items == 4  # two articles, two comments
    again = _collect(session_factory, source_id)
    assert again is not None and again.items == 0
    with session_factory() as session:
        items = list(session.scalars(select(WebItem).order_by(WebItem.id)))
        source = session.get(WebSource, source_id)
    assert len(items) == 4 and {i.kind for i in items} == {"article", "comment"}
    article = next(i for i in items if i.title == "春晖路积水问题何时解决")
    comments = [i for i in items if i.kind == "comment"]
    assert all(c.parent_id == article.id for c in comments) and article.urgent
    assert article.analysis["domain"] == "城乡建设" and article.text.startswith("近日")
    assert source is not None and source.last_status == "ok" and source.items_last_run == 0
    assert source.last_fetch_at is not None and source.next_run_at > source.last_fetch_at


def test_conditional_get_304_brings_nothing_new(session_factory: sessionmaker[Session], web: LoopbackWeb) -> None:
    def feed(headers: dict[str, str]) -> Answer:
        if headers.get("if-none-match") == '"v1"':
            return Answer(status=304)
        body = rss([("春晖路", web.url(A, "/news/1.html"))])
        return Answer(body, headers={"ETag": '"v1"'}, content_type="application/rss+xml")

    web.serve(A, "/news/1.html", Answer(news_page().encode()))
    source_id = _add(session_factory, url=web.serve(A, "/rss.xml", feed))
    assert _collect(session_factory, source_id).items == 1  # type: ignore[union-attr]
    again = _collect(session_factory, source_id)
    assert again is not None and again.status == "unchanged" and again.items == 0
    assert web.requested(A).count("/news/1.html") == 1  # the feed was unchanged: nothing under it fetched again
    with session_factory() as session:
        source = session.get(WebSource, source_id)
    assert source is not None and source.etag == '"v1"' and source.last_status == "unchanged"


def test_a_host_answering_500_shows_in_the_health(session_factory: sessionmaker[Session], web: LoopbackWeb) -> None:
    source_id = _add(session_factory, kind="page", url=web.serve(A, "/broken.html", Answer(b"oops", status=500)))
    run = _collect(session_factory, source_id)
    assert run is not None and run.status == "failed" and run.errors == 1
    with session_factory() as session:
        source = session.get(WebSource, source_id)
    assert source is not None and source.last_status == "failed" and source.errors_last_run == 1
    assert "HTTP 500" in source.last_error and source.next_run_at is not None


def test_the_keyword_filter_keeps_matching_items_and_their_comments(
    session_factory: sessionmaker[Session], web: LoopbackWeb
) -> None:
    source_id = _add(session_factory, url=_feed(web), keywords="信号灯 春晖路积水")
    assert _collect(session_factory, source_id).items == 4  # type: ignore[union-attr]
    other = _add(session_factory, name="只看信号灯", url=web.url(A, "/rss.xml"), keywords="信号灯")
    with session_factory.begin() as session:  # a fresh store for the second source
        session.query(WebItemKey).delete()
        session.query(WebItem).delete()
    assert _collect(session_factory, other).items == 1  # type: ignore[union-attr]


def test_an_inactive_or_unknown_source_is_not_collected(session_factory: sessionmaker[Session]) -> None:
    source_id = _add(session_factory)
    with session_factory.begin() as session:
        remove_source(session, source_id=source_id)
    assert _collect(session_factory, source_id) is None and _collect(session_factory, 10**6) is None


def test_a_file_export_is_collected_once(session_factory: sessionmaker[Session], tmp_path: Path) -> None:
    export = tmp_path / "weibo.jsonl"
    rows = [{"text": "春晖路积水三天了，希望有关部门尽快处理。", "author": "网友甲"}, {"text": ""}]
    export.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    source_id = _add(session_factory, name="微博导出", kind="file", url=str(export))
    run = _collect(session_factory, source_id)
    assert run is not None and run.items == 1 and run.status == "partial"  # the empty row is an error
    assert _collect(session_factory, source_id).items == 0  # type: ignore[union-attr]


def test_claim_due_claims_each_due_source_once(session_factory: sessionmaker[Session]) -> None:
    now = utcnow()
    due = _add(session_factory, name="到期", now=now - timedelta(minutes=1))
    _add(session_factory, name="未到期", now=now + timedelta(minutes=10))
    gone = _add(session_factory, name="已停用", now=now - timedelta(minutes=1))
    with session_factory.begin() as session:
        remove_source(session, source_id=gone)
    assert claim_due(session_factory, now=now) == [due]
    assert claim_due(session_factory, now=now) == []  # its next run moved one schedule on
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(WebSource).where(WebSource.next_run_at > now)) == 2
