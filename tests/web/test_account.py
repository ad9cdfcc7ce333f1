"""Login throttling, second factor and API tokens over HTTP (issue 10, findings 2 and 5)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts import second_factor, totp
from minyi.accounts.models import AuthEvent, User
from tests import factories as f


def _form_login(client: TestClient, user: User, password: str = f.PASSWORD, code: str = "") -> object:
    data = {"username": user.username, "password": password, "csrf_token": f.csrf(client)}
    if code:
        data["totp"] = code
    return client.post("/staff/login", data=data, follow_redirects=False)


def _token(client: TestClient, user: User, **extra: str) -> str:
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": f.PASSWORD} | extra)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def test_failed_logins_lock_out_this_client_with_a_clear_message(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    for _ in range(5):
        assert _form_login(client, coordinator, "wrong-password").status_code == 401
    locked = _form_login(client, coordinator)  # even the right password, from this client, for a while
    assert locked.status_code == 429 and "分钟后再试" in locked.text
    api = client.post("/api/v1/auth/token", json={"username": coordinator.username, "password": f.PASSWORD})
    assert api.status_code == 429 and api.json()["error"]["code"] == "login_locked"
    kinds = list(db.scalars(select(AuthEvent.kind).where(AuthEvent.user_id == coordinator.id)))
    assert kinds.count("login_failed") == 5 and "login_locked" in kinds


def test_admin_reads_the_audit_trail(client: TestClient, db: Session) -> None:
    admin, clerk = f.user(db, role="admin"), f.user(db, role="coordinator")
    _form_login(client, clerk, "wrong-password")
    f.login(client, clerk)
    assert client.get("/staff/admin/security").status_code == 403
    f.login(client, admin)
    page = client.get("/staff/admin/security")
    assert page.status_code == 200 and "登录失败" in page.text and clerk.username in page.text


def test_api_tokens_expire_in_30_days_and_can_be_revoked(client: TestClient, db: Session) -> None:
    handler, other, admin = (
        f.user(db, role="handler", dept=f.department(db)),
        f.user(db, role="coordinator"),
        f.user(db, role="admin"),
    )
    issued = client.post(
        "/api/v1/auth/token", json={"username": handler.username, "password": f.PASSWORD, "label": "办公脚本"}
    )
    assert issued.json()["expires_in"] == 30 * 24 * 3600
    mine = {"Authorization": f"Bearer {issued.json()['token']}"}
    listed = client.get("/api/v1/auth/tokens", headers=mine).json()
    assert [t["label"] for t in listed] == ["办公脚本"] and "token" not in listed[0]
    theirs = {"Authorization": f"Bearer {_token(client, other)}"}
    assert client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}", headers=theirs).status_code == 404
    second = {"Authorization": f"Bearer {_token(client, handler)}"}
    assert client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}", headers=second).status_code == 204
    assert client.get("/api/v1/staff/inbox", headers=mine).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=second).status_code == 204  # logging out of the API
    assert client.get("/api/v1/staff/inbox", headers=second).status_code == 401
    by_admin = {"Authorization": f"Bearer {_token(client, admin)}"}
    victim = client.get("/api/v1/auth/tokens", headers=theirs).json()[0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{victim}", headers=by_admin).status_code == 204
    assert client.get("/api/v1/staff/inbox", headers=theirs).status_code == 401


def test_admin_ends_every_session_and_token_of_an_account(client: TestClient, db: Session) -> None:
    admin, clerk = f.user(db, role="admin"), f.user(db, role="coordinator")
    bearer = {"Authorization": f"Bearer {_token(client, clerk)}"}
    f.login(client, admin)
    response = client.post(
        f"/staff/admin/users/{clerk.id}/revoke", data={"csrf_token": f.csrf(client)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get("/api/v1/staff/inbox", headers=bearer).status_code == 401


def test_second_factor_set_up_and_login(client: TestClient, db: Session) -> None:
    supervisor = f.user(db, role="supervisor")
    f.login(client, supervisor)
    client.post("/staff/account/totp/start", data={"csrf_token": f.csrf(client)})
    page = client.get("/staff/account")
    assert 'src="data:image/svg+xml;base64,' in page.text  # the QR code is drawn by us
    db.refresh(supervisor)
    secret = supervisor.totp_pending
    bad = client.post("/staff/account/totp/confirm", data={"csrf_token": f.csrf(client), "code": "12345"})
    assert bad.status_code == 422
    client.post(
        "/staff/account/totp/confirm",
        data={"csrf_token": f.csrf(client), "code": totp.code_at(secret, time.time() - 30)},
    )
    client.cookies.delete("minyi_session")
    asked = _form_login(client, supervisor)
    assert asked.status_code == 401 and 'name="totp"' in asked.text
    ok = _form_login(client, supervisor, code=totp.code_at(secret, time.time()))
    assert ok.status_code == 303
    assert (
        client.post("/api/v1/auth/token", json={"username": supervisor.username, "password": f.PASSWORD}).status_code
        == 401
    )
    assert _token(client, supervisor, totp=totp.code_at(secret, time.time() + 30))


def test_admin_requires_the_second_factor_for_a_role(client: TestClient, db: Session) -> None:
    admin, clerk = f.user(db, role="admin"), f.user(db, role="coordinator")
    bearer = {"Authorization": f"Bearer {_token(client, clerk)}"}
    f.login(client, admin)
    client.post("/staff/admin/security", data={"csrf_token": f.csrf(client), "require_totp": "coordinator"})
    f.login(client, clerk)
    inbox = client.get("/staff/inbox", follow_redirects=False)
    assert inbox.status_code == 303 and inbox.headers["location"] == "/staff/account?setup=1"
    assert "完成下面的设置" in client.get("/staff/account?setup=1").text
    assert client.get("/api/v1/staff/inbox", headers=bearer).status_code == 403
    refused = client.post("/api/v1/auth/token", json={"username": clerk.username, "password": f.PASSWORD})
    assert refused.status_code == 403
    second_factor.start_setup(db, user=clerk)
    second_factor.confirm_setup(db, user=clerk, code=totp.code_at(clerk.totp_pending, time.time()))
    db.flush()
    assert client.get("/staff/inbox", follow_redirects=False).status_code == 200
