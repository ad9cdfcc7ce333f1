"""Bad input that used to answer 500 or an English 400 now gets the documented 422 (finding 10)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.db import MAX_ID
from minyi.messages.models import Message
from minyi.web.json_guard import BadJson, check_json
from tests import factories as f

JSON = {"content-type": "application/json"}
LONE = "\\ud800"  # a lone surrogate as JSON spells it: valid JSON, but no database can store it
SUBMISSION = (
    '{"title": "路口积水严重' + LONE + '", "body": "每次下雨建设路与人民路路口积水超过二十厘米。", '
    '"appeal_kind": "complaint"}'
)


def _count(db: Session) -> int:
    return db.scalar(select(func.count(Message.id))) or 0


def _is_documented_422(response: object, field: str | None = None) -> None:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "bad_request" and error["message"].startswith("请求格式不正确")
    if field:
        assert error["field"] == field


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        (b'{"a": "\\ud800"}', "孤立的代理项", "a"),
        (b'{"a": ["ok", {"b": "x\\udfff"}]}', "孤立的代理项", "a.1.b"),
        (b'{"\\ud800": 1}', "孤立的代理项", None),
        (b'"\\udc00"', "孤立的代理项", None),
        (b'{"a": "\xed\xa0\x80"}', "UTF-8", None),
        (b'{"a": "\xff"}', "UTF-8", None),
        (b"[" * 100_000, "嵌套", None),
        (b"{not json", "不是有效的 JSON", None),
    ],
)
def test_check_json_refuses(body: bytes, message: str, field: str | None) -> None:
    with pytest.raises(BadJson) as caught:
        check_json(body)
    assert message in caught.value.message and caught.value.field == field


@pytest.mark.parametrize("body", [b'{"a": "\\ud83d\\ude00 \\u4e2d"}', b'{"a": "\\\\ud800"}', b"[]", b"null"])
def test_check_json_accepts(body: bytes) -> None:
    check_json(body)  # a surrogate pair (emoji) and an escaped backslash are fine


def test_lone_surrogate_in_a_submission_is_422_and_stores_nothing(client: TestClient, db: Session) -> None:
    before = _count(db)
    _is_documented_422(client.post("/api/v1/messages", content=SUBMISSION.encode(), headers=JSON), "title")
    _is_documented_422(client.post("/api/v1/messages", content=SUBMISSION.encode()))  # no content type either
    assert _count(db) == before


def test_lone_surrogate_in_a_login_is_422(client: TestClient, db: Session) -> None:
    user = f.user(db, role="coordinator")
    for body in (
        '{"username": "' + LONE + '", "password": "x"}',
        '{"username": "' + user.username + '", "password": "' + f.PASSWORD + LONE + '"}',
    ):
        _is_documented_422(client.post("/api/v1/auth/token", content=body.encode(), headers=JSON))


def test_lone_surrogate_in_case_actions_and_tracking_is_422(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    sub, _coordinator, handler = f.case_in_progress(db, dept)
    token = client.post("/api/v1/auth/token", json={"username": handler.username, "password": f.PASSWORD})
    headers = JSON | {"Authorization": f"Bearer {token.json()['token']}"}
    reply = '{"body": "已疏通排水管道，积水问题解决。' + LONE + '"}'
    _is_documented_422(
        client.post(f"/api/v1/staff/cases/{sub.case.id}/actions/reply", content=reply.encode(), headers=headers), "body"
    )
    assert f.reload(db, sub.case).status == "in_progress"
    for path in (f"/api/v1/track/{sub.tracking_token}/rate", f"/api/v1/track/{sub.tracking_token}/reopen"):
        body = '{"level": "satisfied", "comment": "' + LONE + '", "reason": "' + LONE + '"}'
        _is_documented_422(client.post(path, content=body.encode(), headers=JSON))


def test_unparseable_bodies_answer_in_chinese_not_fastapi_english(client: TestClient) -> None:
    for content in (b'{"title": "\xff\xfe"}', b"[" * 100_000, b"{not json"):
        response = client.post("/api/v1/messages", content=content, headers=JSON)
        _is_documented_422(response)
        assert "error parsing" not in response.text


def test_a_surrogate_in_a_form_is_never_a_500(client: TestClient) -> None:
    """Forms are percent-encoded: bytes that are no UTF-8 become U+FFFD, never a lone surrogate."""
    data = "title=%ED%A0%80%ED%A0%80%ED%A0%80%ED%A0%80&body=x&appeal_kind=complaint&csrf_token=" + f.csrf(client)
    response = client.post(
        "/messages", content=data.encode(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code < 500


@pytest.mark.parametrize("raw", ["99999999999999999999", str(2**63), str(MAX_ID + 1), "-1", "0", "1e3", "abc"])
def test_department_id_out_of_range_is_422(client: TestClient, raw: str) -> None:
    response = client.get("/api/v1/cases", params={"department_id": raw})
    assert response.status_code == 422 and response.json()["error"]["field"] == "department_id"
    page = client.get("/board", params={"department_id": raw})
    assert page.status_code == 422 and "部门参数无效" in page.text


def test_largest_storable_department_id_is_just_not_found(client: TestClient) -> None:
    response = client.get("/api/v1/cases", params={"department_id": str(MAX_ID)})
    assert response.status_code == 200 and response.json()["total"] == 0
