"""在线访谈 over HTTP: the public pages and question form (CSRF, errors beside the form, masking), the staff
moderation forms and role checks, the JSON API, and the event stream's replay after Last-Event-ID."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.interviews import services
from minyi.interviews.models import InterviewQuestion
from tests import factories as f
from tests.interviews.test_services import _local, schedule


def _events(text: str) -> list[tuple[str, str, dict]]:
    found = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in lines:
            found.append((lines["id"], lines["event"], json.loads(lines["data"])))
    return found


def test_a_citizen_asks_on_the_public_page_and_sees_it_once_approved(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    interview = schedule(db, coordinator)
    page = client.get("/interviews")
    assert page.status_code == 200 and "市交通局局长谈公交出行" in page.text and "预告" in page.text
    token = f.csrf(client)
    refused = client.post(f"/interviews/{interview.id}/questions", data={"body": "公交能否加密？"})
    assert refused.status_code == 403  # no CSRF token
    short = client.post(f"/interviews/{interview.id}/questions", data={"body": "短", "csrf_token": token})
    assert short.status_code == 422 and 'id="ask-error"' in short.text and ">短</textarea>" in short.text
    sent = client.post(
        f"/interviews/{interview.id}/questions",
        data={"body": "公交末班车能否延长到十一点？电话13812345678", "asker": "李四", "csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    question = db.scalars(select(InterviewQuestion).where(InterviewQuestion.interview_id == interview.id)).one()
    assert "13812345678" in question.body  # stored as written
    assert "公交末班车" not in client.get(f"/interviews/{interview.id}").text  # pending
    services.approve(db, user=coordinator, question_id=question.id)
    shown = client.get(f"/interviews/{interview.id}").text
    assert "公交末班车" in shown and "13812345678" not in shown and "李四" not in shown  # masked on display
    assert 'src="/static/interviews_live.js"' in shown and "<script>" not in shown


def test_moderation_forms_and_answers(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    handler = f.user(db, role="handler", dept=f.department(db))
    interview = schedule(db, coordinator)
    a = services.ask(db, interview_id=interview.id, data={"body": "地铁站口能否加装雨棚？"})
    b = services.ask(db, interview_id=interview.id, data={"body": "地铁出口可以装雨棚吗？"})
    f.login(client, handler)
    token = f.csrf(client)
    denied = client.post(f"/staff/interview-questions/{a.id}/approve", data={"csrf_token": token})
    assert denied.status_code == 403
    client.cookies.clear()
    f.login(client, coordinator)
    token = f.csrf(client)
    for path, data in (
        (f"/staff/interview-questions/{a.id}/approve", {}),
        (f"/staff/interview-questions/{b.id}/merge", {"into_id": str(a.id)}),
        (f"/staff/interviews/{interview.id}/start", {}),
        (f"/staff/interview-questions/{a.id}/answer", {"body": "年内完成十个站口的雨棚。", "guest": "王局长"}),
    ):
        response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303, (path, response.text)
    staff = client.get(f"/staff/interviews/{interview.id}").text
    assert "合并到相似问题" in staff and "嘉宾答复" in staff  # the event log
    public = client.get(f"/interviews/{interview.id}").text
    assert "年内完成十个站口的雨棚" in public and "另有 1 位网友问了相似问题" in public
    ended = client.post(f"/staff/interviews/{interview.id}/end", data={"csrf_token": token}, follow_redirects=False)
    assert ended.status_code == 303
    assert "访谈实录" in client.get(f"/interviews/{interview.id}").text
    assert "已转为办件继续办理" not in client.get(f"/interviews/{interview.id}").text  # the one question was answered


def test_the_stream_replays_after_last_event_id(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    guest = f.user(db, role="handler", dept=f.department(db))
    interview = schedule(db, coordinator)
    q = services.ask(db, interview_id=interview.id, data={"body": "老旧小区加装电梯怎么申请？", "asker": "王五"})
    services.approve(db, user=coordinator, question_id=q.id)
    services.answer(db, user=guest, question_id=q.id, body="向街道提交申请，市里补贴一半。")
    stream = client.get(f"/interviews/{interview.id}/events?once=1")
    assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
    events = _events(stream.text)
    assert [name for _id, name, _data in events] == ["question", "question"]  # approved, answered
    last_id, _name, data = events[-1]
    assert data["answers"][0]["body"] == "向街道提交申请，市里补贴一半。" and data["asker"] == "王*"
    services.start_interview(db, user=coordinator, interview_id=interview.id)
    again = client.get(f"/interviews/{interview.id}/events?once=1", headers={"Last-Event-ID": last_id})
    assert [(name, data) for _id, name, data in _events(again.text)] == [
        ("status", {"status": "live", "name": "进行中"})
    ]
    assert client.get("/interviews/999999/events?once=1").status_code == 404
    assert client.get("/interviews/abc/events?once=1").status_code == 404


def test_the_api(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    response = client.post("/api/v1/auth/token", json={"username": coordinator.username, "password": f.PASSWORD})
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    created = client.post(
        "/api/v1/staff/interviews",
        headers=headers,
        json={"title": "教育局长谈入学", "leader": "赵局长", "starts_at": _local(timedelta(hours=1)),
              "ends_at": _local(timedelta(hours=2))},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    interview_id = created.json()["id"]
    bad = client.post(f"/api/v1/interviews/{interview_id}/questions", json={"body": 5})
    assert bad.status_code == 422
    asked = client.post(f"/api/v1/interviews/{interview_id}/questions", json={"body": "学区划分什么时候公布？"})
    assert asked.status_code == 201 and asked.json()["state"] == "pending"
    qid = asked.json()["id"]
    approved = client.post(f"/api/v1/staff/interview-questions/{qid}/approve", headers=headers, json={})
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    hidden = client.post(f"/api/v1/staff/interview-questions/{qid}/hide", headers=headers, json={})
    assert hidden.status_code == 422  # a reason is required
    detail = client.get(f"/api/v1/interviews/{interview_id}").json()
    assert detail["questions"][0]["body"] == "学区划分什么时候公布？" and detail["last_event_id"] > 0
    assert client.get("/api/v1/interviews").json()["total"] >= 1
    queue = client.get(f"/api/v1/staff/interviews/{interview_id}/questions", headers=headers)
    assert queue.status_code == 200 and queue.json()["items"][0]["id"] == qid
    assert client.get(f"/api/v1/staff/interviews/{interview_id}/questions").status_code == 401


def test_hostile_text_is_escaped_and_bad_ids_are_404(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    interview = schedule(db, coordinator)
    q = services.ask(db, interview_id=interview.id, data={"body": "<script>alert(1)</script>能否修路？"})
    services.approve(db, user=coordinator, question_id=q.id)
    page = client.get(f"/interviews/{interview.id}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    token = f.csrf(client)
    huge = client.post(f"/interviews/{interview.id}/questions", data={"body": "问" * 5000, "csrf_token": token})
    assert huge.status_code == 422 and db.scalar(select(InterviewQuestion).where(InterviewQuestion.id > q.id)) is None
    for path in ("/interviews/0", "/interviews/abc", "/interviews/99999999999999999999", "/api/v1/interviews/-1"):
        assert client.get(path).status_code == 404, path
    gone = client.post("/interviews/424242/questions", data={"body": "不存在的访谈提问", "csrf_token": token})
    assert gone.status_code == 404
    malformed = client.post(
        f"/api/v1/interviews/{interview.id}/questions", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 422
