"""The staff notification page over HTTP: own notifications only, mark read, e-mail preference, CSRF, and the
hand-offs made through the staff pages, the API and the tracking page reaching it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, travel
from minyi.core.workdays import add_workdays
from minyi.notifications import services as notes
from minyi.notifications.models import Delivery
from minyi.web.state import app_state
from minyi.workflow import services as wf
from tests import factories as f


def _escalated(db: Session) -> tuple:
    dept = f.department(db, name="市城管局")
    supervisor = f.user(db, role="supervisor")
    start = datetime(2024, 3, 4, 10, tzinfo=CHINA_TZ)
    with travel(start):
        sub, _coord, handler = f.case_in_progress(db, dept)
    with travel(datetime.combine(add_workdays(f.reload(db, sub.case).deadline, 2), start.timetz())):
        assert notes.escalate_overdue(db, outbound=notes.Outbound()) == 1
    return sub, supervisor, handler


def test_staff_see_their_notifications_and_mark_them_read(client: TestClient, db: Session) -> None:
    sub, supervisor, handler = _escalated(db)
    f.login(client, handler)
    page = client.get("/staff/notifications")
    assert page.status_code == 200 and f"办件 {sub.case.id} 已超过办理时限" in page.text
    assert "1 条未读" in page.text and 'href="/staff/notifications"' in page.text
    [row] = notes.list_notifications(db, user_id=handler.id)
    response = client.post(
        f"/staff/notifications/{row.id}/read",
        data={"csrf_token": f.csrf(client), "then": "case"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == f"/staff/cases/{sub.case.id}"
    assert notes.unread_count(db, user_id=handler.id) == 0
    assert notes.unread_count(db, user_id=supervisor.id) == 1  # marking mine does not touch theirs


def test_one_cannot_read_or_mark_someone_elses_notification(client: TestClient, db: Session) -> None:
    _sub, supervisor, _handler = _escalated(db)
    [theirs] = notes.list_notifications(db, user_id=supervisor.id)
    outsider = f.user(db, role="coordinator")
    f.login(client, outsider)
    assert "已超过办理时限" not in client.get("/staff/notifications").text
    response = client.post(f"/staff/notifications/{theirs.id}/read", data={"csrf_token": f.csrf(client)})
    assert response.status_code == 404
    for bad in ("abc", "99999999", "-1"):
        assert client.post(f"/staff/notifications/{bad}/read", data={"csrf_token": f.csrf(client)}).status_code == 404
    assert notes.unread_count(db, user_id=supervisor.id) == 1


def test_read_all_needs_csrf_and_login(client: TestClient, db: Session) -> None:
    _sub, supervisor, _handler = _escalated(db)
    assert client.get("/staff/notifications", follow_redirects=False).status_code == 303  # to the login page
    f.login(client, supervisor)
    assert client.post("/staff/notifications/read-all", data={}).status_code == 403  # no CSRF token
    assert notes.unread_count(db, user_id=supervisor.id) == 1
    client.post("/staff/notifications/read-all", data={"csrf_token": f.csrf(client)})
    assert notes.unread_count(db, user_id=supervisor.id) == 0
    assert "已读" in client.get("/staff/notifications").text


def test_email_preference_form(client: TestClient, db: Session) -> None:
    user = f.user(db, role="handler", dept=f.department(db))
    f.login(client, user)
    page = client.get("/staff/notifications")
    assert "尚未配置邮件服务器" in page.text and "暂无通知" in page.text
    bad = client.post(
        "/staff/notifications/preferences",
        data={"csrf_token": f.csrf(client), "email": "<b>x</b>", "email_enabled": "1"},
    )
    assert bad.status_code == 422 and "电子邮箱格式不正确" in bad.text and "<b>x</b>" not in bad.text
    ok = client.post(
        "/staff/notifications/preferences",
        data={"csrf_token": f.csrf(client), "email": "me@example.org", "email_enabled": "1"},
    )
    assert ok.status_code == 200 and "已保存" in ok.text and 'value="me@example.org"' in ok.text
    prefs = notes.preferences(db, user_id=user.id)
    assert (prefs.email, prefs.email_enabled) == ("me@example.org", True)


def test_a_hand_off_from_the_case_page_reaches_the_inbox_and_the_configured_channels(
    client: TestClient, db: Session
) -> None:
    state = app_state(client.app)
    state.settings = replace(state.settings, smtp_host="smtp.example.org", webhook_url="http://127.0.0.1:9/hook")
    dept = f.department(db, name="市城管局")
    coordinator, handler = f.user(db, role="coordinator"), f.user(db, role="handler", dept=dept)
    notes.update_preferences(db, user_id=handler.id, email="handler@example.org", email_enabled="1")
    case = f.message(db).case
    f.login(client, coordinator)
    client.post(
        f"/staff/cases/{case.id}/actions/assign", data={"csrf_token": f.csrf(client), "department_id": str(dept.id)}
    )
    assert "已转办到市城管局" not in client.get("/staff/notifications").text  # the actor is not told
    f.login(client, handler)
    page = client.get("/staff/notifications").text
    assert f"【转办】办件 {case.id} 已转办到市城管局" in page and ">转办</span>" in page and "13800138000" not in page
    deliveries = {(d.channel, d.recipient) for d in db.scalars(select(Delivery))}
    assert deliveries == {("email", "handler@example.org"), ("webhook", "http://127.0.0.1:9/hook")}


def test_hand_offs_through_the_api_and_the_tracking_page_are_told(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    supervisor = f.user(db, role="supervisor")
    sub, _coordinator, handler = f.case_in_progress(db, dept)
    response = client.post("/api/v1/auth/token", json={"username": handler.username, "password": f.PASSWORD})
    bearer = {"Authorization": f"Bearer {response.json()['token']}"}
    asked = client.post(
        f"/api/v1/staff/cases/{sub.case.id}/actions/request_extension",
        json={"days": 3, "reason": "需要现场勘查"},
        headers=bearer,
    )
    assert asked.status_code == 200
    [told] = notes.list_notifications(db, user_id=supervisor.id)
    assert told.notice.kind == notes.EXTENSION_REQUESTED
    wf.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="经核实，路灯已于今日修复，感谢您的反映。")
    token, csrf = sub.tracking_token, f.csrf(client)
    client.post(f"/track/{token}/rate", data={"csrf_token": csrf, "level": "unsatisfied", "comment": "没修好"})
    assert client.post(f"/track/{token}/reopen", data={"csrf_token": csrf, "reason": "还是不亮"}).status_code == 200
    assert [n.notice.kind for n in notes.list_notifications(db, user_id=handler.id)] == [notes.REOPENED]
