"""审核后公开 over HTTP: the citizen told which rule applies, the coordinator's review, the board following."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.workflow import config
from tests import factories as f

FORM = {
    "title": "举报村支书贪污",
    "body": "村支书王某某贪污扶贫款，把救济粮拿回自己家，请上级调查处理。",
    "appeal_kind": "complaint",
    "domain": "城乡建设",
    "is_public": "on",
    "contact_phone": "13812345678",
}


def _submit(client: TestClient, key: str, **overrides: str) -> int:
    page = client.post("/messages", data=FORM | overrides | {"csrf_token": f.csrf(client), "submission_key": key})
    assert page.status_code == 200, page.text
    return int(re.search(r'id="case-no">(\d+)<', page.text)[1])  # type: ignore[index]


def test_the_citizen_is_told_the_rule_and_an_accusation_waits_off_the_board(client: TestClient, db: Session) -> None:
    assert "提交后即在“留言公开”栏目显示；含辱骂或指名道姓指控他人的留言，先经工作人员审核" in client.get("/").text
    page = client.post("/messages", data=FORM | {"csrf_token": f.csrf(client), "submission_key": "review-key-1"})
    assert 'id="review-pending"' in page.text
    number = int(re.search(r'id="case-no">(\d+)<', page.text)[1])  # type: ignore[index]
    token = re.search(r'href="/track/([A-Za-z0-9_-]+)"', page.text)[1]  # type: ignore[index]
    assert client.get(f"/cases/{number}").status_code == 404
    assert "举报村支书" not in client.get("/board").text
    assert "正在等待工作人员审核" in client.get(f"/track/{token}").text
    # the coordinator sees it waiting, reviews it, and the board shows it
    f.login(client, f.user(db, role="coordinator"))
    inbox = client.get("/staff/inbox").text
    assert 'id="pending-review"' in inbox
    listed = client.get("/staff/inbox?review=1&status=all").text
    assert f'href="/staff/cases/{number}"' in listed
    case_page = client.get(f"/staff/cases/{number}").text
    assert "审核后公开" in case_page and "指名道姓的指控" in case_page
    decision = {"decision": "publish", "csrf_token": f.csrf(client)}
    done = client.post(f"/staff/cases/{number}/review", data=decision, follow_redirects=False)
    assert done.status_code == 303 and "done=published" in done.headers["location"]
    assert "已审核并公开" in client.get(done.headers["location"]).text
    assert client.get(f"/cases/{number}").status_code == 200


def test_a_withheld_message_tells_its_citizen_why_and_nobody_else(client: TestClient, db: Session) -> None:
    page = client.post("/messages", data=FORM | {"csrf_token": f.csrf(client), "submission_key": "review-key-2"})
    number = int(re.search(r'id="case-no">(\d+)<', page.text)[1])  # type: ignore[index]
    token = re.search(r'href="/track/([A-Za-z0-9_-]+)"', page.text)[1]  # type: ignore[index]
    staff = TestClient(client.app)
    f.login(staff, f.user(db, role="coordinator"))
    missing = staff.post(f"/staff/cases/{number}/review", data={"decision": "withhold", "csrf_token": f.csrf(staff)})
    assert missing.status_code == 422
    staff.post(
        f"/staff/cases/{number}/review",
        data={"decision": "withhold", "reason": "涉及对具体个人的指控，已转相关部门核查", "csrf_token": f.csrf(staff)},
    )
    track = client.get(f"/track/{token}").text
    assert "不在公开栏目显示" in track and "涉及对具体个人的指控" in track
    assert client.get(f"/cases/{number}").status_code == 404


def test_the_admin_turns_on_review_for_everything_and_only_deciders_decide(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="admin"))
    settings = client.get("/staff/admin/settings").text
    assert 'name="publish_mode" value="review"' in settings
    days = {f"deadline_{k}": "13" for k in config.get_setting(db, "deadline_days")}
    saved = client.post(
        "/staff/admin/settings",
        data=days
        | {"auto_close_days": "7", "reopen_window_days": "15", "publish_mode": "review"}
        | {"csrf_token": f.csrf(client)},
    )
    assert saved.status_code == 200
    citizen = TestClient(client.app)
    assert "经工作人员审核后在“留言公开”栏目显示" in citizen.get("/").text
    number = _submit(citizen, "review-key-3", title="路灯不亮", body="幸福路的路灯坏了两周，晚上很黑，请尽快维修。")
    assert citizen.get(f"/cases/{number}").status_code == 404  # even a plain message waits now
    handler = TestClient(client.app)
    f.login(handler, f.user(db, role="handler", dept=f.department(db)))
    refused = handler.post(f"/staff/cases/{number}/review", data={"decision": "publish", "csrf_token": f.csrf(handler)})
    assert refused.status_code == 403


def test_the_api_says_whether_a_submission_is_public_waits_or_is_private(client: TestClient) -> None:
    body = {k: v for k, v in FORM.items() if k not in ("is_public", "contact_phone")}
    waiting = client.post("/api/v1/messages", json=body | {"is_public": True})
    assert waiting.status_code == 201 and waiting.json()["publication"] == "pending_review"
    plain = body | {"title": "路灯不亮", "body": "幸福路的路灯坏了两周，晚上很黑，请尽快维修。"}
    assert client.post("/api/v1/messages", json=plain | {"is_public": True}).json()["publication"] == "public"
    assert client.post("/api/v1/messages", json=plain | {"is_public": False}).json()["publication"] == "private"
