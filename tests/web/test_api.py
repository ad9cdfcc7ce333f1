"""The JSON API: submission, board, detail, tracking, tokens, staff actions and bad input."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.messages.models import Message
from tests import factories as f

BODY = {
    "title": "路口积水严重",
    "body": "每次下雨建设路与人民路路口积水超过二十厘米，行人无法通行。",
    "appeal_kind": "complaint",
    "domain": "城乡建设",
    "contact_phone": "13600000000",
    "contact_name": "王五",
}


def _count(db: Session) -> int:
    return db.scalar(select(func.count(Message.id))) or 0


def _token(client: TestClient, user: object) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": f.PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_submit_and_read_back_without_contact_data(client: TestClient) -> None:
    response = client.post("/api/v1/messages", json=BODY)
    assert response.status_code == 201
    created = response.json()
    detail = client.get(f"/api/v1/cases/{created['id']}")
    assert detail.status_code == 200
    text = detail.text
    assert "路口积水严重" in text and "13600000000" not in text and "王五" not in text and "contact" not in text
    assert detail.json()["events"][0]["kind"] == "submit"
    board = client.get("/api/v1/cases", params={"q": "积水"}).json()
    assert board["total"] == 1 and "contact" not in str(board)
    assert client.get(f"/api/v1/track/{created['tracking_token']}").json()["status"] == "submitted"


def test_bad_json_inputs_are_clear_4xx_and_store_nothing(client: TestClient, db: Session) -> None:
    before = _count(db)
    bad_requests = [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422),
        ({"json": BODY | {"title": 123}}, 422),
        ({"json": BODY | {"unexpected": "field"}}, 422),
        ({"json": {k: v for k, v in BODY.items() if k != "body"}}, 422),
        ({"json": BODY | {"body": ""}}, 422),
        ({"json": BODY | {"body": "长" * 5001}}, 422),
        ({"json": BODY | {"appeal_kind": "<script>"}}, 422),
        ({"json": [1, 2, 3]}, 422),
        ({"content": b"x" * (1024 * 1024 + 1), "headers": {"content-type": "application/json"}}, 413),
    ]
    for kwargs, status in bad_requests:
        response = client.post("/api/v1/messages", **kwargs)
        assert response.status_code == status, (kwargs.get("json"), response.text[:200])
        error = response.json()["error"]
        assert error["message"] and error["code"]
    assert _count(db) == before


def test_idempotency_key(client: TestClient, db: Session) -> None:
    before = _count(db)
    first = client.post("/api/v1/messages", json=BODY | {"submission_key": "api-key-00000001"})
    second = client.post("/api/v1/messages", json=BODY | {"submission_key": "api-key-00000001"})
    assert (first.status_code, second.status_code) == (201, 409)
    assert _count(db) == before + 1


def test_staff_api_requires_a_bearer_token_not_a_cookie(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    assert client.get("/api/v1/staff/inbox").status_code == 401
    f.login(client, coordinator)  # a browser cookie is not enough for the API
    assert client.get("/api/v1/staff/inbox").status_code == 401
    assert client.get("/api/v1/staff/inbox", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    wrong = client.post("/api/v1/auth/token", json={"username": coordinator.username, "password": "nope"})
    assert wrong.status_code == 401


def test_whole_loop_through_the_api(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    coordinator, handler = f.user(db, role="coordinator"), f.user(db, role="handler", dept=dept)
    created = client.post("/api/v1/messages", json=BODY).json()
    cid, token = created["id"], created["tracking_token"]
    coord_h, handler_h = _token(client, coordinator), _token(client, handler)
    assert any(item["id"] == cid for item in client.get("/api/v1/staff/inbox", headers=coord_h).json()["items"])
    staff_view = client.get(f"/api/v1/staff/cases/{cid}", headers=coord_h).json()
    assert staff_view["contact"]["phone"] == "13600000000"
    act = client.post(f"/api/v1/staff/cases/{cid}/actions/assign", json={"department_id": dept.id}, headers=coord_h)
    assert act.status_code == 200 and act.json()["status"] == "assigned"
    illegal = client.post(
        f"/api/v1/staff/cases/{cid}/actions/reply", json={"body": "还没签收就答复是不行的"}, headers=handler_h
    )
    assert illegal.status_code == 409 and "不能执行" in illegal.json()["error"]["message"]
    client.post(f"/api/v1/staff/cases/{cid}/actions/accept", json={}, headers=handler_h)
    replied = client.post(
        f"/api/v1/staff/cases/{cid}/actions/reply", json={"body": "已疏通排水管道，积水问题解决。"}, headers=handler_h
    )
    assert replied.json()["status"] == "replied"
    rated = client.post(f"/api/v1/track/{token}/rate", json={"level": "unsatisfied", "comment": "下雨还积水"})
    assert rated.json()["status"] == "closed"
    reopened = client.post(f"/api/v1/track/{token}/reopen", json={"reason": "问题依旧"})
    assert reopened.json()["status"] == "in_progress"
    kinds = [e["kind"] for e in client.get(f"/api/v1/staff/cases/{cid}", headers=handler_h).json()["log"]]
    assert kinds == ["submit", "assign", "accept", "reply", "rate", "reopen"]
    bad = client.post(f"/api/v1/staff/cases/{cid}/actions/request_extension", json={"days": "many"}, headers=handler_h)
    assert bad.status_code == 422


def test_handler_api_is_limited_to_own_department(client: TestClient, db: Session) -> None:
    mine, theirs = f.department(db), f.department(db)
    sub, _c, _h = f.case_in_progress(db, theirs)
    headers = _token(client, f.user(db, role="handler", dept=mine))
    assert client.get(f"/api/v1/staff/cases/{sub.case.id}", headers=headers).status_code == 403
    response = client.post(
        f"/api/v1/staff/cases/{sub.case.id}/actions/reply", json={"body": "越权答复越权答复越权答复"}, headers=headers
    )
    assert response.status_code == 403
    assert all(item["id"] != sub.case.id for item in client.get("/api/v1/staff/inbox", headers=headers).json()["items"])


def test_openapi_document_lists_the_api(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/messages",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/auth/token",
        "/api/v1/staff/cases/{case_id}/actions/{action}",
    ):
        assert path in doc["paths"], path


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
