"""Watches: matching, figures over time, and alerts that fire once per new message (urgent ones first)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, travel, utcnow
from minyi.core.errors import Conflict, NotFound, ValidationFailed
from minyi.hot.models import HotIssue
from minyi.messages.models import MessageAnalysis
from minyi.notifications.models import Notice, Notification
from minyi.watches import services as watches
from tests import factories as f


@pytest.fixture
def old(db: Session) -> dict:
    """Two messages of March 2024 about 幸福路 (one replied), one elsewhere."""
    dept = f.department(db, name="市城管局")
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        replied, _h = f.replied_case(db, dept)
    with travel(datetime(2024, 4, 8, 9, tzinfo=CHINA_TZ)):
        other = f.message(db, title="幸福路井盖松动", body="幸福路口的井盖松动了，车辆经过响声很大。")
        park = f.message(
            db,
            title="公园厕所无人打扫",
            body="人民公园北门的厕所很久没有人打扫了。",
            place_text="人民公园",
            domain="环境保护",
        )
    db.flush()
    return {"replied": replied.case.id, "other": other.case.id, "park": park.case.id}


def _notices(db: Session, user_id: int) -> list[Notice]:
    return list(
        db.scalars(
            select(Notice)
            .join(Notification, Notification.notice_id == Notice.id)
            .where(Notification.user_id == user_id, Notice.kind == "watch")
            .order_by(Notice.id)
        )
    )


def test_a_watch_shows_its_messages_and_months(db: Session, old: dict) -> None:
    me = f.user(db, role="supervisor")
    watch = watches.create_watch(db, user=me, kind="keyword", value=" 幸福路 ")
    assert watch.value == "幸福路"
    view = watches.watch_view(db, user=me, watch_id=watch.id)
    assert {c.id for c in view.cases} == {old["replied"], old["other"]} and view.total == 2
    assert [(m.month, m.figures.received, m.figures.replied) for m in view.months] == [
        ("2024-03", 1, 1),
        ("2024-04", 1, 0),
    ]
    place = watches.create_watch(db, user=me, kind="place", value="人民公园")
    assert [c.id for c in watches.watch_view(db, user=me, watch_id=place.id).cases] == [old["park"]]
    domain = watches.create_watch(db, user=me, kind="domain", value="环境保护")
    assert watches.watch_view(db, user=me, watch_id=domain.id).total == 1
    assert [count for _w, count in watches.list_watches(db, user=me)] == [1, 1, 2]


def test_a_keyword_watch_ignores_letter_case(db: Session, old: dict) -> None:
    """On PostgreSQL too (make test-postgres), where LIKE is case-sensitive."""
    me = f.user(db, role="supervisor")
    wifi = f.message(db, title="图书馆的wifi经常断线", body="市图书馆二楼的无线网络WIFI每天下午都断线。").case.id
    watch = watches.create_watch(db, user=me, kind="keyword", value="WiFi")
    assert [c.id for c in watches.watch_view(db, user=me, watch_id=watch.id).cases] == [wifi]


def test_new_and_urgent_messages_alert_once(db: Session, old: dict) -> None:
    me, someone = f.user(db, role="supervisor"), f.user(db, role="coordinator")
    watches.create_watch(db, user=me, kind="keyword", value="幸福路")
    watches.create_watch(db, user=someone, kind="keyword", value="与此无关的词")
    assert watches.scan_watches(db) == 0  # nothing arrived since the watch was saved
    calm = f.message(db, title="幸福路路灯又坏了", body="幸福路的路灯又不亮了，请再修一次。")
    gas = f.message(db, title="幸福路燃气味", body="幸福路三号楼道里燃气味很浓，请马上来人！")
    db.add(MessageAnalysis(message_id=gas.message.id, urgent=True))
    db.flush()
    assert watches.scan_watches(db) == 1
    notices = _notices(db, me.id)
    assert len(notices) == 1 and "2 条新留言，其中 1 条紧急" in notices[0].title
    assert notices[0].body.startswith(f"【紧急】办件 {gas.case.id}") and f"办件 {calm.case.id}" in notices[0].body
    assert notices[0].link.startswith("/staff/watches/")
    assert watches.scan_watches(db) == 0 and len(_notices(db, me.id)) == 1  # idempotent
    assert _notices(db, someone.id) == []


def test_a_hot_issue_watch_follows_the_issue(db: Session, old: dict) -> None:
    me = f.user(db, role="admin")
    issue = HotIssue(
        rank=1,
        score=2.0,
        description="幸福路的路灯和井盖",
        start=utcnow(),
        end=utcnow(),
        case_ids=[old["replied"], old["other"]],
        computed_at=utcnow(),
    )
    db.add(issue)
    db.flush()
    watch = watches.create_watch(db, user=me, kind="hot_issue", value=str(issue.id))
    assert watch.value == "幸福路的路灯和井盖"
    assert watches.watch_view(db, user=me, watch_id=watch.id).total == 2
    newer = f.message(db, title="还是幸福路路灯的问题", body="幸福路的路灯问题到现在还没有解决。")
    issue.case_ids = [*issue.case_ids, newer.case.id]  # the next recomputation adds it
    db.flush()
    assert watches.scan_watches(db) == 1 and watches.watch_view(db, user=me, watch_id=watch.id).total == 3


def test_a_handler_sees_only_public_or_own_department_messages(db: Session, old: dict) -> None:
    private = f.message(db, title="幸福路邻居纠纷", body="幸福路的邻居天天吵架，不想公开。", is_public=False)
    handler = f.user(db, role="handler", dept=f.department(db))
    watch = watches.create_watch(db, user=handler, kind="keyword", value="幸福路")
    assert private.case.id not in {c.id for c in watches.watch_view(db, user=handler, watch_id=watch.id).cases}


@pytest.mark.parametrize(
    ("kind", "value", "error"),
    [
        ("", "幸福路", ValidationFailed),
        ("street", "幸福路", ValidationFailed),
        ("keyword", "", ValidationFailed),
        ("keyword", "   ", ValidationFailed),
        ("keyword", "x" * 101, ValidationFailed),
        ("keyword", "bad\x00value", ValidationFailed),
        ("domain", "星际旅行", ValidationFailed),
        ("hot_issue", "999999", ValidationFailed),
    ],
)
def test_bad_watches_are_refused(db: Session, kind: str, value: str, error: type) -> None:
    with pytest.raises(error):
        watches.create_watch(db, user=f.user(db, role="supervisor"), kind=kind, value=value)


def test_duplicates_and_other_peoples_watches(db: Session) -> None:
    me, other = f.user(db, role="supervisor"), f.user(db, role="supervisor")
    watch = watches.create_watch(db, user=me, kind="keyword", value="噪音")
    with pytest.raises(Conflict):
        watches.create_watch(db, user=me, kind="keyword", value="噪音")
    for bad in (watch.id, "abc", "9" * 40, -1):
        with pytest.raises(NotFound):
            watches.watch_view(db, user=other if bad == watch.id else me, watch_id=bad)
    watches.delete_watch(db, user=me, watch_id=watch.id)
    assert watches.list_watches(db, user=me) == []
    assert watches.create_watch(db, user=me, kind="keyword", value="噪音").id != watch.id


def test_a_handler_sees_other_departments_cases_only_as_the_public_does(db: Session, old: dict) -> None:
    dept = f.department(db)
    handler = f.user(db, role="handler", dept=dept)
    mine, _c, _h = f.case_in_progress(db, dept, title="幸福路路灯 13912345678", body="幸福路路灯坏了很久。")
    theirs = f.message(db, title="幸福路电话 13812345678 求助", body="幸福路的问题，请回电。")
    watch = watches.create_watch(db, user=handler, kind="keyword", value="幸福路")
    view = watches.watch_view(db, user=handler, watch_id=watch.id)
    assert mine.case.id in view.openable and theirs.case.id not in view.openable
    watch.last_message_id = 0
    watches.scan_watches(db)
    body = _notices(db, handler.id)[-1].body
    assert "13812345678" not in body and "138****5678" in body  # another department's: masked
    assert "13912345678" in body  # their own department's case, as staff see it
