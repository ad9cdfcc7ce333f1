"""The admin's 网络来源 page over HTTP: sources with their health, added with every error at once, queued, stopped."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.collect.models import WebSource
from tests import factories as f

GOOD = {
    "name": "青川新闻",
    "kind": "feed",
    "url": "http://127.0.0.1/rss.xml",
    "place": "河西区",
    "weight": "3",
    "schedule_minutes": "30",
    "max_pages": "50",
    "keywords": "积水, 路灯",
}


def test_only_admins_manage_sources(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="coordinator"))
    assert client.get("/staff/admin/sources").status_code == 403
    assert client.post("/staff/admin/sources", data=GOOD | {"csrf_token": f.csrf(client)}).status_code == 403


def test_a_source_is_added_with_every_error_at_once_then_listed_with_its_health(
    client: TestClient, db: Session
) -> None:
    f.login(client, f.user(db, role="admin"))
    token = f.csrf(client)
    assert "还没有登记网络来源" in client.get("/staff/admin/sources").text
    bad = client.post(
        "/staff/admin/sources",
        data=GOOD | {"name": "", "url": "javascript:alert(1)", "weight": "11", "csrf_token": token},
    )
    assert bad.status_code == 422
    assert bad.text.count('class="field-error"') == 3 and 'id="name-error"' in bad.text and 'id="url-error"' in bad.text
    assert 'value="河西区"' in bad.text  # what was typed comes back
    added = client.post("/staff/admin/sources", data=GOOD | {"csrf_token": token}, follow_redirects=False)
    assert added.status_code == 303
    page = client.get(added.headers["location"]).text
    assert "来源已登记" in page and "青川新闻" in page and "尚未采集" in page and "RSS/Atom 订阅" in page
    source = db.scalar(select(WebSource).where(WebSource.name == "青川新闻"))
    assert source is not None and source.keywords == "积水 路灯" and source.weight == 3
    # health as the worker records it
    source.last_status, source.items_last_run, source.errors_last_run = "partial", 7, 2
    source.last_error = "http://127.0.0.1/news/9.html: HTTP 500"
    db.flush()
    page = client.get("/staff/admin/sources").text
    assert "部分出错" in page and "HTTP 500" in page
    assert 'href="/staff/admin/sources"' in client.get("/staff/admin").text


def test_a_source_is_queued_now_or_stopped_and_its_items_kept(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="admin"))
    token = f.csrf(client)
    client.post("/staff/admin/sources", data=GOOD | {"csrf_token": token})
    source = db.scalar(select(WebSource).where(WebSource.name == "青川新闻"))
    assert source is not None
    source.next_run_at = None
    db.flush()
    queued = client.post(f"/staff/admin/sources/{source.id}/run", data={"csrf_token": token}, follow_redirects=False)
    assert queued.status_code == 303 and "saved=queued" in queued.headers["location"]
    db.refresh(source)
    assert source.next_run_at is not None
    client.post(f"/staff/admin/sources/{source.id}/remove", data={"csrf_token": token})
    db.refresh(source)
    assert not source.active and "已停用" in client.get("/staff/admin/sources").text
    again = client.post(f"/staff/admin/sources/{source.id}/run", data={"csrf_token": token})
    assert again.status_code == 422
    assert client.post("/staff/admin/sources/99999/run", data={"csrf_token": token}).status_code == 404


def test_a_source_is_edited_with_every_error_at_once_and_the_change_audited(client: TestClient, db: Session) -> None:
    admin = f.user(db, role="admin", username="edit.admin")
    f.login(client, admin)
    token = f.csrf(client)
    client.post("/staff/admin/sources", data=GOOD | {"csrf_token": token})
    source = db.scalar(select(WebSource).where(WebSource.name == "青川新闻"))
    assert source is not None
    form = client.get(f"/staff/admin/sources/{source.id}").text
    assert 'value="河西区"' in form and 'value="积水 路灯"' in form and "修改网络来源：青川新闻" in form
    bad = client.post(
        f"/staff/admin/sources/{source.id}",
        data=GOOD | {"name": "", "url": "ftp://x", "weight": "0", "schedule_minutes": "1", "csrf_token": token},
    )
    assert bad.status_code == 422 and bad.text.count('class="field-error"') == 4
    assert 'value="ftp://x"' in bad.text  # what was typed comes back
    db.refresh(source)
    assert source.url == GOOD["url"] and source.weight == 3
    saved = client.post(
        f"/staff/admin/sources/{source.id}",
        data=GOOD | {"place": "河东区", "weight": "5", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and "saved=edited" in saved.headers["location"]
    assert "来源设置已保存" in client.get(saved.headers["location"]).text
    db.refresh(source)
    assert (source.place, source.weight) == ("河东区", 5)
    client.post(f"/staff/admin/sources/{source.id}/remove", data={"csrf_token": token})
    resumed = client.post(f"/staff/admin/sources/{source.id}/resume", data={"csrf_token": token})
    assert "来源已恢复" in resumed.text
    db.refresh(source)
    assert source.active and source.next_run_at is not None
    audit = client.get("/staff/admin/security").text
    for name in ("登记网络来源", "修改网络来源", "停用网络来源", "恢复网络来源"):
        assert name in audit
    assert "地区：河西区 → 河东区；权重：3 → 5" in audit and "edit.admin" in audit
    assert client.get("/staff/admin/sources/99999").status_code == 404
    assert client.post("/staff/admin/sources/99999/resume", data={"csrf_token": token}).status_code == 404
