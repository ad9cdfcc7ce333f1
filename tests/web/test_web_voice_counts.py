"""网络民意 counted over HTTP: the period, the counts that filter the list, surges on both pages, a watch's web voices;
roles, masking and bad input."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.collect.surges import SurgeFinding, record_surges
from minyi.core.clock import utcnow
from minyi.watches import services as watches
from tests import factories as f
from tests.collect.items import source, web_item


def _figure(page: str, name: str) -> int:
    found = re.search(rf'data-figure="{name}">(\d+)<', page)
    assert found, name
    return int(found.group(1))


def _arrange(db: Session) -> None:
    news, forum = source(db, "河西新闻网", place="河西区"), source(db, "青川论坛")
    now = utcnow()
    for i in range(3):
        web_item(
            db,
            news,
            title=f"春晖路积水{i}",
            text="春晖路积水，联系 13912345678。",
            places=["春晖路"],
            fetched_at=now - timedelta(hours=i),
        )
    web_item(
        db,
        forum,
        title="东湖噪音",
        text="东湖路夜间施工噪音扰民。",
        domain="环境保护",
        appeal_kind="complaint",
        places=["东湖路"],
        fetched_at=now - timedelta(days=3),
    )
    web_item(
        db,
        news,
        title="无地点的建议",
        text="建议多建公园。",
        appeal_kind="suggestion",
        fetched_at=now - timedelta(days=10),
    )
    web_item(db, forum, title="很久以前", text="很久以前的事。", fetched_at=now - timedelta(days=60))
    record_surges(db, [SurgeFinding("place", "春晖路", 3, 0.0)])


def test_the_web_page_counts_a_period_and_its_counts_filter_the_list(client: TestClient, db: Session) -> None:
    _arrange(db)
    f.login(client, f.user(db, role="coordinator"))
    week = client.get("/staff/dashboard/web").text
    assert _figure(week, "web-total") == 4 and _figure(week, "web-previous") == 1
    assert 'href="?period=7d&amp;place=%E6%98%A5%E6%99%96%E8%B7%AF"' in week  # 春晖路 filters the list
    assert "13912345678" not in week and "139****5678" in week
    assert 'class="surge" data-kind="place"' in week and "新出现" in week
    today = client.get("/staff/dashboard/web?period=today").text
    assert _figure(today, "web-total") == 3 and "东湖噪音" not in today
    month = client.get("/staff/dashboard/web?period=30d").text
    assert _figure(month, "web-total") == 5 and "很久以前" not in month and "无地点的建议" in month
    place = client.get("/staff/dashboard/web?period=30d&place=春晖路").text
    assert "春晖路积水0" in place and "东湖噪音" not in place and "无地点的建议" not in place
    kind = client.get("/staff/dashboard/web?period=30d&kind=complaint").text
    assert "东湖噪音" in kind and "春晖路积水0" not in kind and "投诉" in kind
    domain = client.get("/staff/dashboard/web?period=30d&domain=环境保护").text
    assert "东湖噪音" in domain and "春晖路积水0" not in domain
    old = utcnow().date() - timedelta(days=60)
    ranged = client.get(f"/staff/dashboard/web?from={old - timedelta(days=1)}&to={old + timedelta(days=1)}").text
    assert "很久以前" in ranged and "春晖路积水0" not in ranged
    for bad in ("period=year", "from=2026-02-30", "from=2020-01-01&to=2026-01-01", "kind=<b>", "page=0"):
        assert client.get(f"/staff/dashboard/web?{bad}").status_code == 422, bad


def test_the_dashboard_shows_the_week_of_web_voices_and_the_surges(client: TestClient, db: Session) -> None:
    _arrange(db)
    f.login(client, f.user(db, role="supervisor"))
    page = client.get("/staff/dashboard").text
    assert _figure(page, "web-week") == 4 and _figure(page, "web-week-before") == 1
    block = page[page.index('id="web-voices"') : page.index('id="urgent-title"')]
    assert "春晖路" in block and "环境保护" in block and "求助" in block and 'class="surge"' in block
    assert "/staff/dashboard/web?period=7d&amp;kind=help" in block


def test_roles(client: TestClient, db: Session) -> None:
    _arrange(db)
    for role in ("coordinator", "supervisor", "admin"):
        reader = TestClient(client.app)
        f.login(reader, f.user(db, role=role))
        assert reader.get("/staff/dashboard/web").status_code == 200, role
    f.login(client, f.user(db, role="handler", dept=f.department(db)))
    assert client.get("/staff/dashboard/web").status_code == 403
    assert client.get("/staff/dashboard").status_code == 403
    anonymous = TestClient(client.app)
    assert anonymous.get("/staff/dashboard/web", follow_redirects=False).status_code == 303


def test_a_watch_page_shows_its_web_voices_masked_to_readers_only(client: TestClient, db: Session) -> None:
    _arrange(db)
    supervisor = f.user(db, role="supervisor")
    watch = watches.create_watch(db, user=supervisor, kind="place", value="春晖路")
    f.login(client, supervisor)
    page = client.get(f"/staff/watches/{watch.id}").text
    assert 'id="watch-web"' in page and "春晖路积水0" in page and "东湖噪音" not in page
    assert "13912345678" not in page and "139****5678" in page
    assert client.get(f"/staff/watches/{watch.id}?web_page=x").status_code == 422
    handler = f.user(db, role="handler", dept=f.department(db))
    theirs = watches.create_watch(db, user=handler, kind="place", value="春晖路")
    other = TestClient(client.app)
    f.login(other, handler)
    mine = other.get(f"/staff/watches/{theirs.id}")
    assert mine.status_code == 200 and 'id="watch-web"' not in mine.text and "春晖路积水0" not in mine.text
    assert other.get(f"/staff/watches/{watch.id}").status_code == 404  # someone else's watch
