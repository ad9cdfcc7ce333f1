"""/api/v1/openapi.json documents every status a route answers, the error JSON, limits and allowed values."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from minyi.core.db import MAX_ID
from minyi.workflow import services as workflow
from tests import factories as f

BODY = {
    "title": "路口积水严重",
    "body": "每次下雨建设路与人民路路口积水超过二十厘米，行人无法通行。",
    "appeal_kind": "complaint",
    "domain": "城乡建设",
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture
def doc(client: TestClient) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json()


def _statuses(doc: dict[str, Any], method: str, path: str) -> set[int]:
    return {int(s) for s in doc["paths"][path][method.lower()]["responses"]}


def test_only_the_json_api_is_documented(doc: dict[str, Any]) -> None:
    assert doc["paths"] and all(path.startswith("/api/v1/") for path in doc["paths"])
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ErrorOut" in schemas
    assert schemas["ErrorDetail"]["required"] == ["code", "message", "field"]


def test_every_error_status_has_the_error_json(doc: dict[str, Any]) -> None:
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == ERROR_REF, (method, path, status)
                    assert response["description"], (method, path, status)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/api/v1/messages", {201, 409, 413, 422, 429}),
        ("GET", "/api/v1/cases", {200, 422}),
        ("GET", "/api/v1/cases/{case_id}", {200, 404}),
        ("POST", "/api/v1/track/{token}/rate", {200, 404, 409, 413, 422}),
        ("POST", "/api/v1/track/{token}/reopen", {200, 404, 409, 413, 422}),
        ("POST", "/api/v1/cases/{case_id}/support", {200, 404, 409, 429}),
        ("GET", "/api/v1/stats", {200, 404, 422}),
        ("GET", "/api/v1/staff/inbox", {200, 401, 403}),
        ("GET", "/api/v1/staff/cases/{case_id}", {200, 401, 403, 404}),
        ("POST", "/api/v1/staff/cases/{case_id}/actions/{action}", {200, 401, 403, 404, 409, 413, 422}),
        ("POST", "/api/v1/staff/cases/{case_id}/reply-check", {200, 401, 403, 404, 413, 422}),
    ],
)
def test_the_statuses_of_each_route_are_documented(
    doc: dict[str, Any], method: str, path: str, expected: set[int]
) -> None:
    assert expected <= _statuses(doc, method, path)


def test_staff_routes_declare_the_bearer_token(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"].lower() == "bearer"
    assert doc["paths"]["/api/v1/staff/inbox"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/api/v1/messages"]["post"]


def test_limits_and_allowed_values_are_documented(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    message = schemas["MessageIn"]["properties"]
    assert (message["title"]["minLength"], message["title"]["maxLength"]) == (4, 80)
    assert (message["body"]["minLength"], message["body"]["maxLength"]) == (10, 5000)
    assert message["place_text"]["maxLength"] == 200 and message["contact_email"]["maxLength"] == 254
    assert "complaint" in message["appeal_kind"]["enum"] and None in message["domain"]["enum"]
    assert schemas["MessageIn"]["additionalProperties"] is False
    action = schemas["ActionIn"]["properties"]
    assert (action["days"]["minimum"], action["days"]["maximum"]) == (1, 30)
    assert action["body"]["maxLength"] == 10000 and action["reason"]["maxLength"] == 2000
    assert schemas["RateIn"]["properties"]["level"]["enum"] == ["satisfied", "basically", "unsatisfied"]
    params = {
        p["name"]: p for p in doc["paths"]["/api/v1/staff/cases/{case_id}/actions/{action}"]["post"]["parameters"]
    }
    assert "reply" in params["action"]["schema"]["enum"]
    board = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert board["q"]["maxLength"] == 50 and "submitted" in board["status"]["enum"]
    assert board["department_id"]["anyOf"][0]["maximum"] == MAX_ID  # or empty: no filter


def _assert_documented(doc: dict[str, Any], method: str, path: str, response: Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert status in _statuses(doc, method, path), (method, path, status)
    if status >= 400:
        assert set(response.json()["error"]) == {"code", "message", "field"}


def test_the_answers_given_are_the_ones_documented(client: TestClient, db: Session, doc: dict[str, Any]) -> None:
    """Each route answers what its document says (a hand-written sample of what schemathesis checks)."""
    dept = f.department(db)
    sub, _coordinator, handler = f.case_in_progress(db, dept)
    other_handler = f.user(db, role="handler", dept=f.department(db))
    token = client.post("/api/v1/auth/token", json={"username": other_handler.username, "password": f.PASSWORD})
    other = {"Authorization": f"Bearer {token.json()['token']}"}
    case_path, action_path = "/api/v1/staff/cases/{case_id}", "/api/v1/staff/cases/{case_id}/actions/{action}"
    sample = [
        ("POST", "/api/v1/messages", {"json": BODY | {"submission_key": "openapi-key-1"}}, 201),
        ("POST", "/api/v1/messages", {"json": BODY | {"submission_key": "openapi-key-1"}}, 409),
        ("POST", "/api/v1/messages", {"json": BODY | {"is_public": 0}}, 422),
        ("POST", "/api/v1/messages", {"content": b"x" * (1024 * 1024 + 1)}, 413),
        ("GET", "/api/v1/cases", {"params": {"status": "nonsense"}}, 422),
        ("GET", "/api/v1/cases/{case_id}", {"path": {"case_id": "999999999"}}, 404),
        (
            "POST",
            "/api/v1/track/{token}/rate",
            {"path": {"token": sub.tracking_token}, "json": {"level": "satisfied"}},
            409,
        ),
        (
            "POST",
            "/api/v1/track/{token}/rate",
            {"path": {"token": sub.tracking_token}, "json": {"level": "great"}},
            422,
        ),
        ("POST", "/api/v1/cases/{case_id}/support", {"path": {"case_id": sub.case.id}}, 200),
        ("POST", "/api/v1/cases/{case_id}/support", {"path": {"case_id": sub.case.id}}, 409),
        ("GET", "/api/v1/stats", {"params": {"department_id": "999999"}}, 404),
        ("GET", "/api/v1/staff/inbox", {}, 401),
        ("GET", case_path, {"path": {"case_id": sub.case.id}, "headers": other}, 403),
        (
            "POST",
            action_path,
            {
                "path": {"case_id": sub.case.id, "action": "reply"},
                "headers": other,
                "json": {"body": "越权答复越权答复越权答复"},
            },
            403,
        ),
        ("POST", action_path, {"path": {"case_id": sub.case.id, "action": "accept"}, "headers": other | {}}, 422),
        (
            "POST",
            action_path,
            {"path": {"case_id": sub.case.id, "action": "reply"}, "json": {"days": "3"}, "headers": other},
            422,
        ),
    ]
    for method, path, kwargs, status in sample:
        url = path.format(**kwargs.pop("path", {}))
        _assert_documented(doc, method, path, client.request(method, url, **kwargs), status)
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="经核实，积水已经排除，感谢您的反映。")
    db.flush()
    handler_token = client.post("/api/v1/auth/token", json={"username": handler.username, "password": f.PASSWORD})
    mine = {"Authorization": f"Bearer {handler_token.json()['token']}"}
    again = client.post(
        f"/api/v1/staff/cases/{sub.case.id}/actions/reply",
        headers=mine,
        json={"body": "再答复一次再答复一次再答复一次"},
    )
    _assert_documented(doc, "POST", action_path, again, 409)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/cases", "GET"),
        ("DELETE", "/api/v1/messages", "POST"),
        ("PUT", "/api/v1/auth/token", "POST, DELETE"),  # two routes share the path: both methods are named
        ("PATCH", "/board", "GET"),
    ],
)
def test_405_names_the_allowed_methods(client: TestClient, method: str, path: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405 and response.headers["allow"] == allow


def test_pydantic_errors_are_in_chinese(client: TestClient) -> None:
    for body, words in (
        (BODY | {"is_anonymous": 0}, "is_anonymous（必须是 true 或 false）"),
        (BODY | {"extra": 1}, "extra（不允许的字段）"),
        ({k: v for k, v in BODY.items() if k != "title"}, "title（缺少此字段）"),
        (BODY | {"title": 5}, "title（必须是文本）"),
    ):
        response = client.post("/api/v1/messages", json=body)
        assert response.status_code == 422 and response.json()["error"]["message"] == f"请求格式不正确：{words}"


def test_integers_are_json_integers(client: TestClient, db: Session) -> None:
    """3.0 is an integer in JSON Schema, so it is accepted; "3" and true are not."""
    sub, _coordinator, handler = f.case_in_progress(db, f.department(db))
    token = client.post("/api/v1/auth/token", json={"username": handler.username, "password": f.PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    url = f"/api/v1/staff/cases/{sub.case.id}/actions/request_extension"
    for days in ("3", True):
        response = client.post(url, json={"days": days, "reason": "需要协调多个部门"}, headers=headers)
        assert response.status_code == 422 and "days（必须是整数）" in response.json()["error"]["message"]
    assert client.post(url, json={"days": 3.0, "reason": "需要协调多个部门"}, headers=headers).status_code == 200
