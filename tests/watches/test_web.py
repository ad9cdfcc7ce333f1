"""Watches on web items: matching (SQL and Python agree), the watch page's web voices, scans by compare-and-set,
surge alerts once per surge and watch."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minyi.collect.models import WebItem
from minyi.collect.surges import SurgeFinding, record_surges, surge_row
from minyi.core.clock import utcnow
from minyi.notifications.models import Notice, Notification
from minyi.notifications.services import Outbound
from minyi.watches import services as watches
from minyi.watches import web
from minyi.watches.models import Watch
from tests import factories as f
from tests.collect.items import source, web_item

WORDS = ["春晖路", "东湖", "燃气", "噪音", "Gas", "gas", "50%", "a_b"]


def _titles(db: Session, user_id: int, kind: str) -> list[str]:
    query = (
        select(Notice.title)
        .join(Notification, Notification.notice_id == Notice.id)
        .where(Notification.user_id == user_id, Notice.kind == kind)
        .order_by(Notice.id)
    )
    return list(db.scalars(query))


def test_sql_and_python_matching_agree_on_random_items(db: Session) -> None:
    rng = random.Random(3)
    src = source(db, place="河西区")
    items = [
        web_item(
            db,
            src,
            title="".join(rng.sample(WORDS, 2)),
            text="".join(rng.sample(WORDS, 3)),
            places=[rng.choice(WORDS[:3])] if rng.random() < 0.5 else [],
            domain=rng.choice(["城乡建设", "环境保护"]),
        )
        for _ in range(120)
    ]
    me = f.user(db, role="supervisor")
    for kind, value in [("place", "春晖路"), ("place", "河西区"), ("keyword", "燃气"), ("keyword", "gas"),
                        ("keyword", "50%"), ("keyword", "a_b"), ("domain", "环境保护")]:  # fmt: skip
        watch = Watch(user_id=me.id, kind=kind, value=value)
        in_sql = set(db.scalars(select(WebItem.id).where(web.web_condition(db, watch))))
        in_python = {i.id for i in items if web.matches_web(kind, value, i)}
        assert in_sql == in_python, (kind, value)
        assert in_sql or value in ("a_b",)


def test_a_watch_page_lists_its_web_voices_for_those_who_read_them(db: Session) -> None:
    src = source(db)
    supervisor, handler = f.user(db, role="supervisor"), f.user(db, role="handler", dept=f.department(db))
    for i in range(25):
        web_item(db, src, title=f"春晖路积水{i}", fetched_at=utcnow() - timedelta(hours=25 - i))
    web_item(db, src, title="春晖路旧事", fetched_at=utcnow() - timedelta(days=web.WEB_DAYS + 1))
    web_item(db, src, title="东湖公园长椅", text="东湖公园建议增设长椅。")
    watch = watches.create_watch(db, user=supervisor, kind="keyword", value="春晖路")
    page = web.watch_web_voices(db, user=supervisor, watch=watch)
    assert page is not None and page.total == 25 and page.pages == 2
    assert [r.title for r in page.rows[:2]] == ["春晖路积水24", "春晖路积水23"]
    second = web.watch_web_voices(db, user=supervisor, watch=watch, page=2)
    assert second is not None and [r.title for r in second.rows] == [f"春晖路积水{i}" for i in range(4, -1, -1)]
    theirs = watches.create_watch(db, user=handler, kind="keyword", value="春晖路")
    assert web.watch_web_voices(db, user=handler, watch=theirs) is None


def test_the_scan_alerts_on_new_web_items_once_by_compare_and_set(db: Session) -> None:
    src = source(db)
    me = f.user(db, role="coordinator")
    handler = f.user(db, role="handler", dept=f.department(db))
    web_item(db, src, title="燃气味很重（旧）")  # before the watch: never told
    mine = watches.create_watch(db, user=me, kind="keyword", value="燃气")
    theirs = watches.create_watch(db, user=handler, kind="keyword", value="燃气")
    first = web_item(db, src, title="燃气味很重 13912345678", urgent=True)
    web_item(db, src, title="燃气表异常")
    web_item(db, src, title="重复：燃气味很重", duplicate_of_id=first.id)
    web_item(db, src, title="东湖公园长椅", text="长椅")
    scans = web.plan_web_scans(db)
    assert {s.watch_id for s in scans} == {mine.id, theirs.id}
    assert web.apply_web_scans(db, scans, outbound=Outbound()) == 1
    titles = _titles(db, me.id, "watch")
    assert titles == ["网上蹲点 关键词「燃气」：2 条新网络民意，其中 1 条紧急"]
    notice = db.scalar(select(Notice).where(Notice.kind == "watch"))
    assert notice is not None and "139****5678" in notice.body and "13912345678" not in notice.body
    assert _titles(db, handler.id, "watch") == []  # advanced, but handlers are not told of web items
    newest = db.scalar(select(WebItem.id).order_by(WebItem.id.desc()).limit(1))
    db.refresh(mine)
    assert mine.last_web_item_id == newest
    # the same plan applied again (another worker's copy): compare-and-set refuses it, nothing is sent twice
    assert web.apply_web_scans(db, scans, outbound=Outbound()) == 0
    assert web.plan_web_scans(db) == []
    # a watch deleted after the plan was read gets nothing
    web_item(db, src, title="燃气管道施工")
    later = web.plan_web_scans(db)
    watches.delete_watch(db, user=me, watch_id=mine.id)
    assert web.apply_web_scans(db, later, outbound=Outbound()) == 0
    db.execute(update(Watch).where(Watch.id == mine.id).values(deleted_at=None))


def test_a_surge_tells_the_watches_of_its_topic_once(db: Session) -> None:
    place_owner, keyword_owner = f.user(db, role="supervisor"), f.user(db, role="coordinator")
    domain_owner, other = f.user(db, role="admin"), f.user(db, role="supervisor")
    handler = f.user(db, role="handler", dept=f.department(db))
    watches.create_watch(db, user=place_owner, kind="place", value="春晖路")
    watches.create_watch(db, user=keyword_owner, kind="keyword", value="井盖")
    watches.create_watch(db, user=domain_owner, kind="domain", value="城乡建设")
    watches.create_watch(db, user=other, kind="place", value="东湖路")
    watches.create_watch(db, user=handler, kind="place", value="春晖路")
    findings = [
        SurgeFinding("place", "春晖路南段", 9, 1.5),
        SurgeFinding("keyword", "井盖", 6, 0.0),
        SurgeFinding("domain", "城乡建设", 30, 5.0),
    ]
    rows = [surge_row(r) for r in record_surges(db, findings)]
    assert web.alert_surges(db, rows, outbound=Outbound()) == 3
    assert _titles(db, place_owner.id, "web_surge") == [
        "网络民意激增：地点「春晖路南段」24 小时 9 条，为此前日均的 6.0 倍"
    ]
    assert _titles(db, keyword_owner.id, "web_surge") == ["网络民意激增：关键词「井盖」24 小时 6 条，首次出现"]
    assert len(_titles(db, domain_owner.id, "web_surge")) == 1
    assert _titles(db, other.id, "web_surge") == [] and _titles(db, handler.id, "web_surge") == []
    again = [surge_row(r) for r in record_surges(db, findings)]  # found again the same day: the same rows
    assert [r.id for r in again] == [r.id for r in rows]
    assert web.alert_surges(db, again, outbound=Outbound()) == 0
    assert web.watched_keywords(db) == ["井盖"]
