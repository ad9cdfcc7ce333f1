"""Reply check and reply templates over HTTP: roles, department isolation, CSRF, JSON twin, bad input."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.replies.models import ReplyTemplate
from tests import factories as f

GOOD = (
    "您好！经核实，幸福路小区门口路灯因电缆老化损坏，根据《城市照明管理规定》，我局已于今日更换电缆，"
    "路灯已恢复照明。如有问题请拨打热线0731-12319。感谢您的支持！"
)


def test_case_page_offers_the_check_and_the_templates(client: TestClient, db: Session) -> None:
    sub, _c, handler = f.case_in_progress(db, f.department(db))
    f.login(client, handler)
    page = client.get(f"/staff/cases/{sub.case.id}").text
    assert 'id="form-reply"' in page and 'id="reply-body"' in page
    assert f'formaction="/staff/cases/{sub.case.id}/reply-check"' in page and "检查答复" in page
    assert "/static/reply_check.js" in page and client.get("/static/reply_check.js").status_code == 200


def test_handler_checks_a_draft_without_javascript_then_publishes(client: TestClient, db: Session) -> None:
    sub, _c, handler = f.case_in_progress(db, f.department(db))
    f.login(client, handler)
    response = client.post(f"/staff/cases/{sub.case.id}/reply-check", data={"body": GOOD, "csrf_token": f.csrf(client)})
    assert response.status_code == 200
    assert 'id="reply-check-findings"' in response.text and 'data-criterion="tone" data-verdict="pass"' in response.text
    assert "城市照明管理规定" in response.text  # the evidence sentence
    assert f'action="/staff/cases/{sub.case.id}/actions/reply"' in response.text and "发布答复" in response.text
    assert f.reload(db, sub.case).status == "in_progress"  # checking publishes nothing
    bad = client.post(
        f"/staff/cases/{sub.case.id}/reply-check",
        data={"body": "不归我们管，自己去找供电公司。", "csrf_token": f.csrf(client)},
    )
    assert 'data-criterion="tone" data-verdict="fail"' in bad.text and "不归我们管" in bad.text


def test_bad_drafts_get_clear_answers(client: TestClient, db: Session) -> None:
    sub, _c, handler = f.case_in_progress(db, f.department(db))
    f.login(client, handler)
    url = f"/staff/cases/{sub.case.id}/reply-check"
    empty = client.post(url, data={"body": "", "csrf_token": f.csrf(client)})
    assert empty.status_code == 200 and "答复为空" in empty.text
    pasted = client.post(url, data={"body": sub.message.body, "csrf_token": f.csrf(client)})
    assert "复述" in pasted.text
    longest = client.post(url, data={"body": (GOOD * 100)[:10_000], "csrf_token": f.csrf(client)})
    assert longest.status_code == 200 and 'id="reply-check-findings"' in longest.text
    too_long = client.post(url, data={"body": "字" * 10_001, "csrf_token": f.csrf(client)})
    assert too_long.status_code == 422 and "最多 10000" in too_long.text


def test_reply_check_roles_and_csrf(client: TestClient, db: Session) -> None:
    sub, _c, _h = f.case_in_progress(db, f.department(db))
    url = f"/staff/cases/{sub.case.id}/reply-check"
    anonymous = client.post(url, data={"body": GOOD, "csrf_token": f.csrf(client)}, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login")
    f.login(client, f.user(db, role="handler", dept=f.department(db)))
    assert client.post(url, data={"body": GOOD, "csrf_token": f.csrf(client)}).status_code == 403
    assert client.post(url, data={"body": GOOD, "csrf_token": "forged"}).status_code == 403
    assert client.post(url, data={"body": GOOD}).status_code == 403
    assert client.get(f"/staff/cases/{sub.case.id}/reply-templates?format=json").status_code == 403


def test_json_twin(client: TestClient, db: Session) -> None:
    sub, _c, handler = f.case_in_progress(db, f.department(db))
    url = f"/api/v1/staff/cases/{sub.case.id}/reply-check"
    assert client.post(url, json={"body": GOOD}).status_code == 401
    token = client.post("/api/v1/auth/token", json={"username": handler.username, "password": f.PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    result = client.post(url, json={"body": GOOD}, headers=headers).json()
    assert [x["criterion"] for x in result["findings"]] == [
        "relevance",
        "completeness",
        "explanation",
        "tone",
        "timeliness",
    ]
    assert result["workdays"] == 0 and result["findings"][2]["verdict"] == "pass"
    assert client.post(url, json={"body": 42}, headers=headers).status_code == 422
    assert (
        client.post(url, content=b"not json", headers=headers | {"content-type": "application/json"}).status_code == 422
    )
    outsider = f.user(db, role="handler", dept=f.department(db))
    other = client.post("/api/v1/auth/token", json={"username": outsider.username, "password": f.PASSWORD}).json()
    assert (
        client.post(url, json={"body": GOOD}, headers={"Authorization": f"Bearer {other['token']}"}).status_code == 403
    )


def test_templates_page_crud_and_roles(client: TestClient, db: Session) -> None:
    dept, other = f.department(db), f.department(db)
    sub, _c, handler = f.case_in_progress(db, dept)
    f.login(client, handler)
    assert client.get("/staff/reply-templates").status_code == 200
    form = {"department_id": str(dept.id), "appeal_kind": "complaint", "title": "路灯维修", "body": GOOD}
    saved = client.post("/staff/reply-templates", data=form | {"csrf_token": f.csrf(client)})
    assert saved.status_code == 200 and 'id="template-check"' in saved.text and "解释依据" in saved.text
    invalid = client.post(
        "/staff/reply-templates",
        data={"department_id": str(dept.id), "title": "", "body": GOOD, "csrf_token": f.csrf(client)},
    )
    assert invalid.status_code == 422 and "请填写模板名称" in invalid.text and "城市照明管理规定" in invalid.text
    foreign = client.post(
        "/staff/reply-templates",
        data={"department_id": str(other.id), "title": "越权", "body": GOOD, "csrf_token": f.csrf(client)},
    )
    assert foreign.status_code == 403
    assert client.post("/staff/reply-templates", data={"title": "无令牌", "body": GOOD}).status_code == 403
    template = db.query(ReplyTemplate).one()
    picker = client.get(f"/staff/cases/{sub.case.id}/reply-templates?format=json").json()
    assert picker == [{"id": template.id, "title": "路灯维修", "body": GOOD}]
    listing = client.get(f"/staff/cases/{sub.case.id}/reply-templates")
    assert "使用此模板并检查" in listing.text
    edit = {"title": "路灯维修答复", "body": GOOD, "appeal_kind": "", "csrf_token": f.csrf(client)}
    edited = client.post(f"/staff/reply-templates/{template.id}", data=edit)
    assert edited.status_code == 200 and "路灯维修答复" in edited.text
    retired = client.post(
        f"/staff/reply-templates/{template.id}/retire",
        data={"reason": "政策已更新", "csrf_token": f.csrf(client)},
        follow_redirects=False,
    )
    assert retired.status_code == 303
    assert client.get(f"/staff/cases/{sub.case.id}/reply-templates?format=json").json() == []
    client.post("/staff/logout", data={"csrf_token": f.csrf(client)})
    f.login(client, f.user(db, role="coordinator"))
    assert client.get("/staff/reply-templates").status_code == 403
    client.post("/staff/logout", data={"csrf_token": f.csrf(client)})
    f.login(client, f.user(db, role="handler", dept=other))
    assert (
        client.post(
            f"/staff/reply-templates/{template.id}", data={"title": "改", "body": GOOD, "csrf_token": f.csrf(client)}
        ).status_code
        == 403
    )
