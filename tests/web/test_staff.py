"""Staff console over HTTP: login, every route's role boundary, department isolation, actions by form."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f

PAGES = {  # route -> roles that may open it
    "/staff/inbox": {"coordinator", "admin"},
    "/staff/department": {"handler"},
    "/staff/supervise": {"supervisor", "admin"},
    "/staff/complaints": {"supervisor", "admin"},
    "/staff/admin": {"admin"},
    "/staff/admin/departments": {"admin"},
    "/staff/admin/users": {"admin"},
    "/staff/admin/settings": {"admin"},
}


@pytest.mark.parametrize("role", ["coordinator", "handler", "supervisor", "admin"])
def test_every_staff_page_admits_exactly_its_roles(client: TestClient, db: Session, role: str) -> None:
    dept = f.department(db)
    f.login(client, f.user(db, role=role, dept=dept if role == "handler" else None))
    for url, roles in PAGES.items():
        response = client.get(url)
        assert response.status_code == (200 if role in roles else 403), (url, role)


def test_anonymous_visitors_are_sent_to_login(client: TestClient) -> None:
    for url in [*PAGES, "/staff", "/staff/cases/1"]:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login"), url
    response = client.post("/staff/cases/1/actions/accept", data={"csrf_token": f.csrf(client)}, follow_redirects=False)
    assert response.status_code == 303


def test_login_failures_and_logout(client: TestClient, db: Session) -> None:
    u = f.user(db, role="coordinator")
    bad = client.post(
        "/staff/login", data={"username": u.username, "password": "wrong-password", "csrf_token": f.csrf(client)}
    )
    assert bad.status_code == 401 and "用户名或密码不正确" in bad.text
    nobody = client.post("/staff/login", data={"username": "ghost", "password": "x", "csrf_token": f.csrf(client)})
    assert nobody.status_code == 401
    f.login(client, u)
    cookie = client.cookies.get("minyi_session")
    assert cookie
    assert client.get("/staff/inbox").status_code == 200
    client.post("/staff/logout", data={"csrf_token": f.csrf(client)})
    client.cookies.set("minyi_session", cookie)  # replaying the old cookie must not work
    assert client.get("/staff/inbox", follow_redirects=False).status_code == 303


def test_session_cookie_flags(client: TestClient, db: Session) -> None:
    u = f.user(db, role="admin")
    response = client.post(
        "/staff/login",
        data={"username": u.username, "password": f.PASSWORD, "csrf_token": f.csrf(client)},
        follow_redirects=False,
    )
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header


def test_handler_cannot_read_or_act_on_another_departments_case(client: TestClient, db: Session) -> None:
    mine, theirs = f.department(db), f.department(db)
    sub, _coord, _handler = f.case_in_progress(db, theirs, contact_phone="13700000001")
    outsider = f.user(db, role="handler", dept=mine)
    f.login(client, outsider)
    page = client.get(f"/staff/cases/{sub.case.id}")
    assert page.status_code == 403 and "13700000001" not in page.text
    assert sub.message.title not in client.get("/staff/department").text
    for action, data in {
        "reply": {"body": "越权答复的内容越权答复"},
        "return": {"reason": "越权退回"},
        "request_extension": {"days": "3", "reason": "越权延期"},
    }.items():
        response = client.post(
            f"/staff/cases/{sub.case.id}/actions/{action}", data=data | {"csrf_token": f.csrf(client)}
        )
        assert response.status_code == 403, action
    assert f.reload(db, sub.case).status == "in_progress"


def test_coordinator_assigns_and_handler_replies_through_forms(client: TestClient, db: Session) -> None:
    dept = f.department(db, name="市水务局")
    coordinator = f.user(db, role="coordinator")
    handler = f.user(db, role="handler", dept=dept)
    sub = f.message(db, title="自来水发黄已经三天")
    f.login(client, coordinator)
    inbox = client.get("/staff/inbox")
    assert "自来水发黄已经三天" in inbox.text
    detail = client.get(f"/staff/cases/{sub.case.id}")
    assert "13800138000" in detail.text  # staff see the contact data
    response = client.post(
        f"/staff/cases/{sub.case.id}/actions/assign", data={"department_id": str(dept.id), "csrf_token": f.csrf(client)}
    )
    assert response.status_code == 200
    again = client.post(
        f"/staff/cases/{sub.case.id}/actions/assign", data={"department_id": str(dept.id), "csrf_token": f.csrf(client)}
    )
    assert again.status_code == 409 and "不能执行" in again.text  # double submission is refused clearly
    client.post("/staff/logout", data={"csrf_token": f.csrf(client)})
    f.login(client, handler)
    assert "自来水发黄已经三天" in client.get("/staff/department").text
    client.post(f"/staff/cases/{sub.case.id}/actions/accept", data={"csrf_token": f.csrf(client)})
    short = client.post(f"/staff/cases/{sub.case.id}/actions/reply", data={"body": "好", "csrf_token": f.csrf(client)})
    assert short.status_code == 422 and "至少" in short.text
    client.post(
        f"/staff/cases/{sub.case.id}/actions/reply",
        data={"body": "经检测为管网冲洗所致，现已恢复正常水质。", "csrf_token": f.csrf(client)},
    )
    assert f.reload(db, sub.case).status == "replied"
    unknown = client.post(f"/staff/cases/{sub.case.id}/actions/explode", data={"csrf_token": f.csrf(client)})
    assert unknown.status_code == 409


def test_supervisor_sees_overdue_cases_and_decides_extensions(client: TestClient, db: Session) -> None:
    from datetime import date

    dept = f.department(db, name="市城管局")
    sub, _c, _handler = f.case_in_progress(db, dept, title="占道经营无人管")
    sub.case.deadline = date(2026, 1, 5)
    db.flush()
    f.login(client, f.user(db, role="supervisor"))
    page = client.get("/staff/supervise")
    assert "占道经营无人管" in page.text and "已超期" in page.text


def test_admin_creates_department_user_and_settings(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="admin"))
    token = f.csrf(client)
    response = client.post(
        "/staff/admin/departments",
        data={"name": "市民政局", "domains": ["民政"], "keywords": "低保,养老", "csrf_token": token},
    )
    assert response.status_code == 200 and "市民政局" in response.text
    dup = client.post("/staff/admin/departments", data={"name": "市民政局", "csrf_token": token})
    assert dup.status_code == 409
    created = client.post(
        "/staff/admin/users",
        data={
            "username": "new.handler",
            "display_name": "新承办人",
            "role": "handler",
            "department_id": "",
            "csrf_token": token,
        },
    )
    assert created.status_code == 422 and "承办人必须属于一个部门" in created.text
    created = client.post(
        "/staff/admin/users",
        data={"username": "new.coord", "display_name": "新受理员", "role": "coordinator", "csrf_token": token},
    )
    assert created.status_code == 200 and 'id="new-password"' in created.text
    settings = client.post(
        "/staff/admin/settings",
        data={
            f"deadline_{k}": "5"
            for k in ("suggestion", "help", "inquiry", "confusion", "complaint", "misconception", "praise")
        }
        | {"auto_close_days": "10", "reopen_window_days": "20", "csrf_token": token},
    )
    assert settings.status_code == 200 and 'value="10"' in settings.text
    bad = client.post(
        "/staff/admin/settings", data={"auto_close_days": "abc", "reopen_window_days": "20", "csrf_token": token}
    )
    assert bad.status_code == 422


def test_each_action_is_confirmed_after_its_redirect(client: TestClient, db: Session) -> None:
    dept = f.department(db, name="确认测试局")
    sub = f.message(db, title="小区门口积水")
    f.login(client, f.user(db, role="coordinator"))
    done = client.post(
        f"/staff/cases/{sub.case.id}/actions/assign", data={"department_id": str(dept.id), "csrf_token": f.csrf(client)}
    )
    assert done.url.path == "/staff/inbox" and done.url.params["done"] == "assign"
    assert f'第 <a href="/staff/cases/{sub.case.id}">{sub.case.id}</a> 号留言已受理并转办。' in done.text
    # the notice takes nothing from the URL but a known code and a number
    assert "done-notice" not in client.get("/staff/inbox?done=<script>&case=1").text
    assert "done-notice" not in client.get("/staff/inbox?done=assign&case=1<b>").text
    assert "done-notice" not in TestClient(client.app).get("/board?done=assign&case=1").text  # never in public
