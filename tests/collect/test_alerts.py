"""An urgent web item alerts at once, in the transaction that stores it: one notice per item, once per user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests import factories as f
from tests.collect.items import source

from minyi.collect.alerts import UrgentAlerts, alert_urgent_items
from minyi.collect.extract import Item
from minyi.collect.models import WebItem
from minyi.collect.store import store_items
from minyi.collect.voices import count_voices, parse_period
from minyi.core.clock import utcnow
from minyi.notifications.models import Delivery, Notice, Notification
from minyi.notifications.services import Outbound
from minyi.watches import services as watches
from minyi.watches.web import web_watchers


def _item(n: int, title: str, text: str) -> Item:
    url = f"http://127.0.0.1/news/{n}.html"
    return Item(url, url, title, text, "河西居民", None, None, "article", "utf-8")


def _record(item: Item, *, urgent: bool, places: list[str], duplicate_of: str | None = None) -> dict[str, Any]:
    return {
        "text": item.text, "duplicate_of": duplicate_of, "domain": "城乡建设", "appeal_kind": "help",
        "urgent": urgent, "places": places,
    }  # fmt: skip


def _store(
    factory: sessionmaker[Session], source_id: int, pairs: list[tuple[Item, dict[str, Any]]], alerts: Any
) -> int:
    return store_items(
        factory,
        source_id=source_id,
        items=[i for i, _ in pairs],
        records=[r for _, r in pairs],
        validators={},
        now=utcnow(),
        alerts=alerts,
    )


def _inbox(db: Session, user_id: int) -> list[str]:
    query = (
        select(Notice.title)
        .join(Notification, Notification.notice_id == Notice.id)
        .where(Notification.user_id == user_id, Notice.kind == "web_urgent")
        .order_by(Notice.id)
    )
    return list(db.scalars(query))


def test_an_urgent_item_tells_coordinators_supervisors_and_its_watchers_once(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    src = source(db, place="河西区")
    coordinator, supervisor = f.user(db, role="coordinator"), f.user(db, role="supervisor")
    handler = f.user(db, role="handler", dept=f.department(db))
    watcher = f.user(db, role="coordinator")
    admin_watcher = f.user(db, role="admin")
    watches.create_watch(db, user=admin_watcher, kind="keyword", value="燃气")
    watches.create_watch(db, user=handler, kind="keyword", value="燃气")  # handlers do not read 网络民意
    watches.create_watch(db, user=watcher, kind="place", value="春晖路")
    db.commit()
    gas = _item(1, "春晖路燃气泄漏 13912345678", "春晖路三号楼燃气泄漏，味道很重，联系 13912345678。")
    calm = _item(2, "建议增设长椅", "东湖公园建议增设长椅。")
    repost = _item(3, "转：春晖路燃气泄漏", gas.text)
    pairs = [
        (gas, _record(gas, urgent=True, places=["春晖路"])),
        (calm, _record(calm, urgent=False, places=[])),
        (repost, _record(repost, urgent=True, places=["春晖路"], duplicate_of=gas.url)),
    ]
    alerts = UrgentAlerts(outbound=Outbound(webhook_url="http://127.0.0.1:9/hook"), watchers=web_watchers)
    assert _store(session_factory, src.id, pairs, alerts) == 3
    stored = {i.url: i for i in db.scalars(select(WebItem))}
    assert (stored[gas.url].place, stored[calm.url].place) == ("春晖路", "河西区")  # counted columns filled
    today = count_voices(db, parse_period({"period": "today"}))
    assert (today.total, {c.key: c.count for c in today.by_place}) == (2, {"春晖路": 1, "河西区": 1})  # repost once
    for user in (coordinator, supervisor, watcher, admin_watcher):
        titles = _inbox(db, user.id)
        assert len(titles) == 1 and "春晖路燃气泄漏" in titles[0] and "13912345678" not in titles[0]
    assert _inbox(db, handler.id) == []
    notice = db.scalar(select(Notice).where(Notice.kind == "web_urgent"))
    assert notice is not None and notice.dedup_key == f"web_urgent:{stored[gas.url].id}"
    assert notice.link == f"/staff/dashboard/web?urgent=1#web-{stored[gas.url].id}"
    assert "13912345678" not in notice.body and "139****5678" in notice.body
    assert db.scalar(select(func.count()).select_from(Delivery).where(Delivery.notice_id == notice.id)) == 1
    # stored again (a retried run): nothing new, nobody told twice; telling again sends nothing either
    assert _store(session_factory, src.id, pairs, alerts) == 0
    assert alert_urgent_items(db, [stored[gas.url]], alerts) == 0
    assert len(_inbox(db, coordinator.id)) == 1
    assert count_voices(db, parse_period({"period": "today"})).total == 2
    assert db.scalar(select(func.count()).select_from(Notice).where(Notice.kind == "web_urgent")) == 1


def test_without_watchers_the_staff_are_still_told(db: Session, session_factory: sessionmaker[Session]) -> None:
    src = source(db)
    coordinator = f.user(db, role="coordinator")
    db.commit()
    flood = _item(10, "地下车库进水", "小区地下车库进水，有人被困。")
    assert _store(session_factory, src.id, [(flood, _record(flood, urgent=True, places=[]))], None) == 1
    assert len(_inbox(db, coordinator.id)) == 1
