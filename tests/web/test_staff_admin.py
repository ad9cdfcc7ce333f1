"""The admin area over HTTP: its parts on their own pages, role and department changes, password resets."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent, Role, User
from tests import factories as f


def test_each_part_of_the_admin_area_is_its_own_page(client: TestClient, db: Session) -> None:
    f.department(db, name="市住建局")
    f.login(client, f.user(db, role="admin", username="area.admin"))
    front = client.get("/staff/admin").text
    for link in ("/staff/admin/departments", "/staff/admin/users", "/staff/admin/settings", "/staff/admin/security"):
        assert f'href="{link}"' in front
    departments = client.get("/staff/admin/departments").text
    users = client.get("/staff/admin/users").text
    settings = client.get("/staff/admin/settings").text
    assert "新增部门" in departments and "新增用户" not in departments and "保存设置" not in departments
    assert "新增用户" in users and "area.admin" in users and "新增部门" not in users
    assert "保存设置" in settings and "新增用户" not in settings
    assert 'aria-current="page">用户与角色' in users


def test_admin_changes_a_role_and_department_and_it_is_audited(client: TestClient, db: Session) -> None:
    dept = f.department(db, name="市水务局")
    admin = f.user(db, role="admin")
    clerk = f.user(db, role="coordinator", username="role.clerk")
    f.login(client, admin)
    token = f.csrf(client)
    page = client.get(f"/staff/admin/users/{clerk.id}")
    assert page.status_code == 200 and "角色与部门" in page.text
    missing = client.post(f"/staff/admin/users/{clerk.id}/role", data={"role": "handler", "csrf_token": token})
    assert missing.status_code == 422 and "承办人必须属于一个部门" in missing.text
    moved = client.post(
        f"/staff/admin/users/{clerk.id}/role",
        data={"role": "handler", "department_id": str(dept.id), "csrf_token": token},
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"/staff/admin/users/{clerk.id}?saved=role"
    assert "角色与部门已保存" in client.get(moved.headers["location"]).text
    db.expire_all()
    changed = db.get(User, clerk.id)
    assert changed is not None and changed.role is Role.HANDLER and changed.department_id == dept.id
    event = db.scalar(select(AuthEvent).where(AuthEvent.kind == "role_change", AuthEvent.username == "role.clerk"))
    assert event is not None and "受理员" in event.detail and "承办人" in event.detail and "市水务局" in event.detail
    assert event.actor_id == admin.id
    # the same role again is no change and no audit record
    client.post(
        f"/staff/admin/users/{clerk.id}/role",
        data={"role": "handler", "department_id": str(dept.id), "csrf_token": token},
    )
    assert len(db.scalars(select(AuthEvent).where(AuthEvent.kind == "role_change")).all()) == 1
    # the moved clerk now has the handler's pages, not the coordinator's
    other = TestClient(client.app)
    f.login(other, changed)
    assert other.get("/staff/department").status_code == 200
    assert other.get("/staff/inbox").status_code == 403


def test_an_admin_cannot_take_away_their_own_admin_role(client: TestClient, db: Session) -> None:
    admin = f.user(db, role="admin")
    f.login(client, admin)
    response = client.post(
        f"/staff/admin/users/{admin.id}/role", data={"role": "supervisor", "csrf_token": f.csrf(client)}
    )
    assert response.status_code == 422 and "不能取消自己的管理员角色" in response.text
    db.expire_all()
    assert db.get(User, admin.id).role is Role.ADMIN  # type: ignore[union-attr]


def test_admin_resets_a_password_shown_once_and_the_old_one_and_its_logins_end(client: TestClient, db: Session) -> None:
    admin = f.user(db, role="admin")
    clerk = f.user(db, role="coordinator", username="reset.clerk")
    theirs = TestClient(client.app)
    f.login(theirs, clerk)
    assert theirs.get("/staff/inbox").status_code == 200
    f.login(client, admin)
    page = client.post(f"/staff/admin/users/{clerk.id}/password", data={"csrf_token": f.csrf(client)})
    assert page.status_code == 200 and "密码已重置" in page.text
    new_password = page.text.split('<code id="new-password">')[1].split("</code>")[0]
    assert len(new_password) >= 12
    assert theirs.get("/staff/inbox", follow_redirects=False).status_code == 303  # the open login ended
    fresh = TestClient(client.app)
    old = fresh.post(
        "/staff/login",
        data={"username": "reset.clerk", "password": f.PASSWORD, "csrf_token": f.csrf(fresh)},
        follow_redirects=False,
    )
    assert old.status_code != 303
    new = fresh.post(
        "/staff/login",
        data={"username": "reset.clerk", "password": new_password, "csrf_token": f.csrf(fresh)},
        follow_redirects=False,
    )
    assert new.status_code == 303
    event = db.scalar(select(AuthEvent).where(AuthEvent.kind == "password_reset", AuthEvent.username == "reset.clerk"))
    assert event is not None and event.actor_id == admin.id
    assert new_password not in (event.detail or "")


def test_deactivating_an_account_is_audited_and_only_admins_manage_accounts(client: TestClient, db: Session) -> None:
    admin = f.user(db, role="admin")
    clerk = f.user(db, role="coordinator", username="off.clerk")
    supervisor = f.user(db, role="supervisor")
    f.login(client, supervisor)
    token = f.csrf(client)
    assert client.get(f"/staff/admin/users/{clerk.id}").status_code == 403
    for action, data in (("role", {"role": "admin"}), ("password", {}), ("active", {"active": "0"})):
        response = client.post(f"/staff/admin/users/{clerk.id}/{action}", data={**data, "csrf_token": token})
        assert response.status_code == 403, action
    f.login(client, admin)
    token = f.csrf(client)
    assert client.get("/staff/admin/users/999999").status_code == 404
    off = client.post(
        f"/staff/admin/users/{clerk.id}/active", data={"active": "0", "csrf_token": token}, follow_redirects=False
    )
    assert off.status_code == 303 and "账号状态已保存" in client.get(off.headers["location"]).text
    kinds = db.scalars(select(AuthEvent.kind).where(AuthEvent.username == "off.clerk")).all()
    assert "account_disabled" in kinds
