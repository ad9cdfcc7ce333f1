"""Hot issues count board and web voices together, per channel, each voice once — checked against a recount made
independently from the tables, and shown on /hot (counts only), the dashboard, the staff case page and 网络民意."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent
from minyi.collect.models import WebItem
from minyi.entry.services import case_from_web_item
from minyi.hot import services as hot
from minyi.hot.models import HotIssue, WebItemLink
from minyi.hot.voices import Voices, count_voices, is_hot
from minyi.messages.models import Message
from minyi.workflow.models import Case
from tests import factories as f
from tests.hot.test_web_links import MIXER, web_item, web_source

NOISE = [
    ("图书馆开放时间太短", "市图书馆周末下午五点就关门，希望延长开放时间。"),
    ("公交车班次太少", "12路公交车晚上八点以后就没有车了，下班回家很不方便。"),
    ("社保断缴怎么办", "失业以后社保断缴了，个人怎么继续缴纳？"),
]


def test_count_voices_counts_each_web_item_once_and_cases_from_the_web_as_web() -> None:
    records: list[dict[str, Any]] = [
        {"id": 1, "channel": "website", "web": [10, 11]},
        {"id": 2, "channel": "online", "web": []},
        {"id": 3, "channel": "phone", "web": [12]},
        {"id": "web:11"},
        {"id": "web:12"},
        {"id": "web:13"},
    ]
    first, second = count_voices([[1, 2, "web:11", "web:12"], [3, "web:13"]], records)
    # 11 is linked and grouped: once; 12 is grouped with the first but linked to a case of the second: the second's
    assert first == Voices(case_ids=[1, 2], web_item_ids=[10, 11], board=1, web=3)
    assert second == Voices(case_ids=[3], web_item_ids=[12, 13], board=1, web=2)
    assert is_hot([1, "web:2"], min_members=2) and not is_hot(["web:1", "web:2"], min_members=2)
    assert not is_hot([1], min_members=2)


@pytest.fixture
def voices_arranged(db: Session) -> dict[str, Any]:
    """Four board complaints about the mixer, one taken up from the web, web items grouped, repeated, linked."""
    board = [
        f.message(db, title=MIXER[0] + "！" * (i % 2), body=MIXER[1] + f"第{i + 1}次反映了，请尽快处理。").case.id
        for i in range(4)
    ]
    for title, body in NOISE:
        f.message(db, title=title, body=body)
    source = web_source(db)
    coordinator = f.user(db, role="coordinator")
    taken = web_item(db, source, "x", MIXER[0], MIXER[1] + "网友发帖，联系电话13912345678。", author="丽发业主")
    online = case_from_web_item(db, user=coordinator, item_id=taken.id).id
    grouped = [
        web_item(db, source, f"g{i}", MIXER[0] + "？" * i, MIXER[1] + f"网友第{i}帖，联系电话13912345678。")
        for i in range(1, 3)
    ]
    web_item(db, source, "g3", MIXER[0], MIXER[1] + "网友第1帖，联系电话13912345678。", duplicate_of_id=grouped[0].id)
    both = web_item(db, source, "l", MIXER[0] + "。", MIXER[1] + "又一位网友反映。")
    only_linked = web_item(db, source, "k", "居民夜里睡不着", "每天半夜都被吵醒，希望有人管管。")
    wrong = web_item(db, source, "u", "青川举办马拉松", "青川马拉松下周日开跑，部分道路临时交通管制。")
    for item, unlinked in ((both, False), (only_linked, False), (wrong, True)):
        link = WebItemLink(web_item_id=item.id, case_id=board[0], score=0.5, unlink_reason="")
        db.add(link)
        db.flush()
        if unlinked:
            hot_unlink(db, coordinator, link.id)
    return {
        "board": board,
        "online": online,
        "web": {grouped[0].id, grouped[1].id, both.id, only_linked.id},
        "coordinator": coordinator,
        "link": db.scalar(select(WebItemLink.id).where(WebItemLink.web_item_id == only_linked.id)),
        "only_linked": only_linked.id,
    }


def hot_unlink(db: Session, user: Any, link_id: int) -> None:
    from minyi.hot.web_links import unlink_web_item

    unlink_web_item(db, user=user, link_id=link_id, reason="无关")


def _recount(db: Session, issue: HotIssue) -> tuple[int, int]:
    """留言 and 网络 of a stored issue, recounted from the tables (not from the grouping's records)."""
    channels = dict(
        db.execute(
            select(Case.id, Message.channel)
            .join(Message, Message.id == Case.message_id)
            .where(Case.id.in_(issue.case_ids))
        ).all()
    )
    linked = set(
        db.scalars(
            select(WebItemLink.web_item_id)
            .join(WebItem, WebItem.id == WebItemLink.web_item_id)
            .where(
                WebItemLink.case_id.in_(issue.case_ids),
                WebItemLink.unlinked_at.is_(None),
                WebItem.duplicate_of_id.is_(None),
                WebItem.case_id.is_(None),
            )
        )
    )
    items = db.scalars(select(WebItem).where(WebItem.id.in_(issue.web_item_ids))).all()
    assert linked <= set(issue.web_item_ids)  # every voice linked to its cases is counted ...
    assert all(i.duplicate_of_id is None and i.case_id is None for i in items)  # ... and no repeat, no case twice
    online = sum(channel == "online" for channel in channels.values())
    return len(channels) - online, online + len(items)


def test_hot_issues_count_board_and_web_voices_per_channel_once(db: Session, voices_arranged: dict[str, Any]) -> None:
    issues = hot.recompute_hot_issues(db)
    top = next(i for i in issues if set(voices_arranged["board"]) <= set(i.case_ids))
    assert set(top.case_ids) == {*voices_arranged["board"], voices_arranged["online"]}
    assert set(top.web_item_ids) == voices_arranged["web"]  # grouped, linked, both once; no repeat, no unlinked
    assert top.channels == (4, 5)  # 留言 4 · 网络 1 case from the web + 4 web items
    every = [w for i in issues for w in i.web_item_ids]
    assert len(every) == len(set(every))  # a web item counts in one issue only
    for issue in hot.current_hot_issues(db):
        assert (issue.board_voices, issue.web_voices) == _recount(db, issue)


def test_pages_show_the_counts_per_channel_and_no_web_personal_data(
    client: TestClient, db: Session, voices_arranged: dict[str, Any]
) -> None:
    hot.recompute_hot_issues(db)
    page = client.get("/hot").text
    assert "留言 4 · 网络 5" in page
    assert "丽发业主" not in page and "河西网友" not in page and "13912345678" not in page and "127.0.0.1/g" not in page
    f.login(client, f.user(db, role="supervisor"))
    assert "留言 4 · 网络 5" in client.get("/staff/dashboard").text


def test_the_case_page_lists_its_web_voices_and_a_coordinator_unlinks_one(
    client: TestClient, db: Session, voices_arranged: dict[str, Any]
) -> None:
    case_id, link_id = voices_arranged["board"][0], voices_arranged["link"]
    handler_dept = f.department(db)
    f.login(client, f.user(db, role="handler", dept=handler_dept))
    refused = client.post(f"/staff/web-links/{link_id}/unlink", data={"csrf_token": f.csrf(client)})
    assert refused.status_code == 403
    client.cookies.clear()
    f.login(client, voices_arranged["coordinator"])
    page = client.get(f"/staff/cases/{case_id}").text
    assert "网络上的相关声音 2 条" in page and "居民夜里睡不着" in page and "青川马拉松" not in page
    assert "13912345678" not in page
    done = client.post(
        f"/staff/web-links/{link_id}/unlink",
        data={"csrf_token": f.csrf(client), "reason": "不是同一件事"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith(f"/staff/cases/{case_id}")
    assert "网络上的相关声音 1 条" in client.get(f"/staff/cases/{case_id}").text
    db.expire_all()
    assert db.scalar(select(AuthEvent.detail).where(AuthEvent.detail.contains("不是同一件事"))) is not None
    assert client.post("/staff/web-links/999999/unlink", data={"csrf_token": f.csrf(client)}).status_code == 404


def test_web_voices_page_names_the_related_case(
    client: TestClient, db: Session, voices_arranged: dict[str, Any]
) -> None:
    f.login(client, f.user(db, role="supervisor"))
    page = client.get("/staff/dashboard/web").text
    case_id = voices_arranged["board"][0]
    assert f'相关办件 <a href="/staff/cases/{case_id}">{case_id}号</a>' in page
    assert page.count("相关办件 <a") == 2  # the two linked items; the unlinked one names no case


def test_a_periods_hot_issues_count_the_same_voices(
    client: TestClient, db: Session, voices_arranged: dict[str, Any]
) -> None:
    from minyi.core.clock import china_today
    from minyi.hot import periods

    today = china_today()
    view = periods.view_period(db, period=periods.Period(today - timedelta(days=7), today))
    assert periods.compute_period(db, period_id=view.row.id) >= 1
    db.expire_all()
    stored = periods.view_period(db, period=view.period)
    top = next(i for i in stored.issues if set(voices_arranged["board"]) <= set(i.case_ids))
    assert top.channels == (4, 5) and stored.row.messages == 4 + 1 + len(NOISE)  # web items are not messages
    assert set(stored.row.issues[top.rank - 1]["web_item_ids"]) == voices_arranged["web"]
    page = client.get(f"/hot?from={view.period.first.isoformat()}&to={today.isoformat()}").text
    assert "留言 4 · 网络 5" in page and "13912345678" not in page
