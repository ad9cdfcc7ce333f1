"""网络民意 over HTTP: web items for supervisors and admins, newest first, paged, filtered, personal data masked."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.collect.models import WebItem
from minyi.collect.sources import add_source
from tests import factories as f


def _items(db: Session, source_id: int, n: int, *, urgent_every: int = 0) -> None:
    for i in range(n):
        text = f"第{i}条：春晖路积水，联系我 13912345678，已经三天了。"
        db.add(
            WebItem(
                source_id=source_id,
                url=f"http://127.0.0.1/news/{i}.html",
                canonical_url=f"http://127.0.0.1/news/{i}.html",
                kind="article",
                title=f"春晖路积水{i}",
                text=text,
                clean_text=text,
                author="河西居民",
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
                analysis={"domain": "城乡建设", "appeal_kind": "help", "urgent": False, "places": ["春晖路"]},
                urgent=bool(urgent_every) and i % urgent_every == 0,
            )
        )
    db.flush()


def test_supervisors_read_web_voices_masked_newest_first_and_paged(client: TestClient, db: Session) -> None:
    news = add_source(db, name="河西新闻网", kind="feed", url="http://127.0.0.1/rss.xml", place="河西区")
    forum = add_source(db, name="青川论坛", kind="list", url="http://127.0.0.1/forum/")
    _items(db, news.id, 25, urgent_every=10)
    post = "http://127.0.0.1/forum/t1"
    db.add(
        WebItem(
            source_id=forum.id,
            url=post,
            canonical_url=post,
            kind="post",
            title="论坛帖子",
            text="小区噪音扰民",
            clean_text="小区噪音扰民",
            content_hash="x" * 64,
            analysis={},
            urgent=False,
        )
    )
    db.flush()
    f.login(client, f.user(db, role="supervisor"))
    page = client.get("/staff/dashboard/web").text
    assert "13912345678" not in page and "139****5678" in page  # personal data masked on display
    assert page.index("论坛帖子") < page.index("春晖路积水24") < page.index("春晖路积水6")  # newest first
    assert "春晖路积水4<" not in page and "第 1 / 2 页" in page and "求助" in page and "城乡建设" in page
    second = client.get("/staff/dashboard/web?page=2").text
    assert "春晖路积水4" in second and "春晖路积水24" not in second
    only = client.get(f"/staff/dashboard/web?source={forum.id}").text
    assert "论坛帖子" in only and "春晖路积水" not in only
    urgent = client.get("/staff/dashboard/web?urgent=1").text
    assert urgent.count('class="card web-item urgent"') == 3  # items 0, 10 and 20
    assert client.get("/staff/dashboard/web?page=abc").status_code == 422
    assert 'href="/staff/dashboard/web"' in client.get("/staff/dashboard").text


def test_web_voices_are_for_supervisors_and_admins(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="handler", dept=f.department(db)))
    assert client.get("/staff/dashboard/web").status_code == 403
    anonymous = TestClient(client.app)
    assert anonymous.get("/staff/dashboard/web", follow_redirects=False).status_code == 303


def test_a_coordinator_turns_a_web_item_into_a_public_case_answered_on_the_board(
    client: TestClient, db: Session
) -> None:
    from sqlalchemy import select

    from minyi.workflow import services as wf

    source = add_source(db, name="河西新闻网", kind="feed", url="http://127.0.0.1/rss.xml")
    _items(db, source.id, 1)
    item = db.scalar(select(WebItem))
    assert item is not None
    for role in ("handler", "supervisor"):
        other = TestClient(client.app)
        f.login(other, f.user(db, role=role, dept=f.department(db) if role == "handler" else None))
        assert other.post(f"/staff/dashboard/web/{item.id}/case", data={"csrf_token": f.csrf(other)}).status_code == 403
    f.login(client, f.user(db, role="coordinator"))
    assert "转为办件" in client.get("/staff/dashboard/web").text
    made = client.post(
        f"/staff/dashboard/web/{item.id}/case", data={"csrf_token": f.csrf(client)}, follow_redirects=False
    )
    assert made.status_code == 303
    number = int(made.headers["location"].rsplit("/", 1)[1])
    again = client.post(
        f"/staff/dashboard/web/{item.id}/case", data={"csrf_token": f.csrf(client)}, follow_redirects=False
    )
    assert again.headers["location"] == made.headers["location"]  # once per item
    db.refresh(item)
    from minyi.workflow.models import Case

    case = db.get(Case, number)
    assert case is not None and item.case_id == number
    assert case.message.channel == "online" and case.message.is_public
    assert "来源：http://127.0.0.1/news/0.html" in case.message.body and case.message.contact is None
    page = client.get("/staff/dashboard/web").text
    assert "已转为办件" in page and f'href="/staff/cases/{number}"' in page and "已公开答复" not in page
    # answered in public: the board shows it with the source link, the web item says it was answered
    dept = f.department(db, name="市排水处")
    handler = f.user(db, role="handler", dept=dept)
    wf.assign(db, actor=f.actor(f.user(db, role="coordinator")), case_id=number, department_id=dept.id)
    wf.accept(db, actor=f.actor(handler), case_id=number)
    wf.reply(db, actor=f.actor(handler), case_id=number, body="已派人疏通春晖路排水管，积水已排除。")
    assert "已公开答复（回应网民关切）" in client.get("/staff/dashboard/web").text
    public = TestClient(client.app).get(f"/cases/{number}").text
    assert '来源：<a class="web-source" href="http://127.0.0.1/news/0.html"' in public and "积水已排除" in public


def test_purged_items_say_so_comments_show_their_first_words_and_a_purged_item_is_no_case(
    client: TestClient, db: Session
) -> None:
    from sqlalchemy import select

    from minyi.collect.retention import PURGED

    source = add_source(db, name="河西论坛", kind="list", url="http://127.0.0.1/forum/")
    _items(db, source.id, 2)
    purged, article = list(db.scalars(select(WebItem).order_by(WebItem.id)))
    for key, value in PURGED.items():
        setattr(purged, key, value)
    comment_text = "楼下说得对，春晖路的排水沟一直没人清理，一下雨就淹，联系 13912345678"
    comment = WebItem(
        source_id=source.id,
        url="http://127.0.0.1/news/1.html#c1",
        canonical_url="http://127.0.0.1/news/1.html#c1",
        parent_id=article.id,
        kind="comment",
        title=None,
        text=comment_text,
        clean_text=comment_text,
        content_hash=hashlib.sha256(comment_text.encode()).hexdigest(),
        analysis={},
    )
    db.add(comment)
    db.flush()
    f.login(client, f.user(db, role="coordinator"))
    page = client.get("/staff/dashboard/web").text
    assert "（正文已按保留期限清除）" in page and "正文已按保留期限清除，不能转为办件" in page
    assert "评论：楼下说得对，春晖路的排水沟一直没人清理，一下雨就淹" in page and "（无标题）" not in page
    assert "13912345678" not in page
    refused = client.post(f"/staff/dashboard/web/{purged.id}/case", data={"csrf_token": f.csrf(client)})
    assert refused.status_code == 409 and "已按保留期限清除" in refused.text
    assert db.get(WebItem, purged.id).case_id is None
