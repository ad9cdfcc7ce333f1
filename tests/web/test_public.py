"""Public pages over HTTP: submission, the board, case pages, tracking, rating and reopening."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.settings import Settings
from minyi.messages.models import Message
from minyi.web.state import app_state
from minyi.workflow import services as wf
from minyi.workflow.models import Case
from tests import factories as f

FORM = {
    "title": "公园健身器材损坏",
    "body": "人民公园东门附近的健身器材有几件已经损坏，存在安全隐患，请尽快维修。",
    "appeal_kind": "complaint",
    "domain": "城乡建设",
    "place_text": "人民公园东门",
    "is_public": "on",
    "contact_name": "李四",
    "contact_phone": "13912345678",
    "submission_key": "key-abcdefgh-1",
}


def _count(db: Session) -> int:
    return db.scalar(select(func.count(Message.id))) or 0


def _submit(client: TestClient, **overrides: str) -> tuple[int, str]:
    data = FORM | {"csrf_token": f.csrf(client)} | overrides
    response = client.post("/messages", data=data)
    assert response.status_code == 200, response.text
    token = re.search(r'href="/track/([A-Za-z0-9_-]+)"', response.text).group(1)
    number = int(re.search(r'id="case-no">(\d+)<', response.text).group(1))
    return number, token


def test_home_has_the_form_with_csrf_and_submission_key(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text and 'name="submission_key"' in page.text
    assert "我要留言" in page.text


def test_submit_shows_the_tracking_link_once_and_stores_contact_apart(client: TestClient, db: Session) -> None:
    number, token = _submit(client)
    case_page = client.get(f"/cases/{number}")
    assert case_page.status_code == 200
    assert "公园健身器材损坏" in case_page.text
    assert "13912345678" not in case_page.text and "李四" not in case_page.text
    assert token not in case_page.text
    track = client.get(f"/track/{token}")
    assert track.status_code == 200 and "待受理" in track.text


def test_validation_error_keeps_what_the_citizen_typed(client: TestClient, db: Session) -> None:
    before = _count(db)
    response = client.post("/messages", data=FORM | {"csrf_token": f.csrf(client), "title": ""})
    assert response.status_code == 422
    assert "请填写标题" in response.text
    assert "人民公园东门附近的健身器材" in response.text  # the body is still in the form
    assert _count(db) == before


def test_every_invalid_field_is_reported_at_once_beside_its_input(client: TestClient, db: Session) -> None:
    before = _count(db)
    bad = {
        "title": "短",
        "appeal_kind": "misconception",
        "body": "太短了",
        "contact_phone": "abc",
        "csrf_token": f.csrf(client),
    }
    response = client.post("/messages", data=FORM | bad)
    assert response.status_code == 422 and _count(db) == before
    html = response.text
    assert "有 4 处需要修改" in html
    for field, words in (
        ("title", "标题至少 4 个字"),
        ("appeal_kind", "请选择有效的诉求类型"),
        ("body", "留言内容至少 10 个字"),
        ("contact_phone", "电话号码格式不正确"),
    ):
        assert f'aria-describedby="{field}-error"' in html, field
        assert re.search(rf'<p class="field-error" id="{field}-error">{words}</p>', html), field
        assert f'<a href="#{field}">{words}</a>' in html, field
    assert 'aria-describedby="place_text-error"' not in html  # a valid field is not marked
    one = client.post("/messages", data=FORM | {"title": "短", "csrf_token": f.csrf(client)})
    assert one.status_code == 422 and "处需要修改" not in one.text and 'id="title-error">标题至少 4 个字<' in one.text


def test_the_api_lists_every_invalid_field(client: TestClient) -> None:
    body = {"title": "短", "body": "太短了", "appeal_kind": "nonsense", "contact_email": "not-an-address"}
    error = client.post("/api/v1/messages", json=body).json()["error"]
    assert error["code"] == "validation_failed" and error["field"] == "title"
    assert [e["field"] for e in error["errors"]] == ["title", "body", "appeal_kind", "contact_email"]
    assert all(e["message"] for e in error["errors"])
    single = client.post(
        "/api/v1/messages",
        json=body | {"title": "足够长的标题", "body": "这是一条足够长的留言内容。", "appeal_kind": "complaint"},
    )
    assert single.status_code == 422 and "errors" not in single.json()["error"]


def test_missing_csrf_is_refused_and_nothing_is_stored(client: TestClient, db: Session) -> None:
    before = _count(db)
    f.csrf(client)
    response = client.post("/messages", data=FORM)
    assert response.status_code == 403 and "CSRF" in response.text
    response = client.post("/messages", data=FORM | {"csrf_token": "forged"})
    assert response.status_code == 403
    assert _count(db) == before


def test_double_submitted_form_is_stored_once(client: TestClient, db: Session) -> None:
    before = _count(db)
    _submit(client, submission_key="double-key-123")
    again = client.post("/messages", data=FORM | {"csrf_token": f.csrf(client), "submission_key": "double-key-123"})
    assert again.status_code == 409 and "请勿重复提交" in again.text
    assert _count(db) == before + 1


def test_bad_inputs_get_clear_errors(client: TestClient, db: Session) -> None:
    before = _count(db)
    token = f.csrf(client)
    cases = {
        "title": ("短", "至少"),
        "body": ("x" * 5001, "最多 5000"),
        "appeal_kind": ("nonsense", "诉求类型"),
        "contact_phone": ("call me", "电话"),
        "contact_email": ("not-an-email", "邮箱"),
    }
    for field, (value, expected) in cases.items():
        response = client.post(
            "/messages", data=FORM | {"csrf_token": token, field: value, "submission_key": f"bad-{field}-key"}
        )
        assert response.status_code == 422, field
        assert expected in response.text, field
    response = client.post("/messages", data=FORM | {"csrf_token": token, "body": "正常内容\x00隐藏的控制字符在这里"})
    assert response.status_code == 422 and "控制字符" in response.text
    assert _count(db) == before


def test_hostile_html_is_escaped_everywhere(client: TestClient, db: Session) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    number, token = _submit(
        client,
        title="测试标题" + evil[:60],
        body="内容内容内容内容" + evil,
        place_text=evil,
        submission_key="xss-key-0001",
    )
    for url in (f"/cases/{number}", f"/track/{token}", "/board"):
        text = client.get(url).text
        assert "<script>alert" not in text and "<img src=x" not in text, url
        assert "&lt;script&gt;" in text, url
    stored = db.get(Case, number).message
    assert evil in stored.body  # kept exactly as written


def test_private_messages_are_not_public(client: TestClient, db: Session) -> None:
    number, token = _submit(client, is_public="", submission_key="private-key-01", title="私密留言的标题")
    assert client.get(f"/cases/{number}").status_code == 404
    assert "私密留言的标题" not in client.get("/board").text
    assert client.get(f"/track/{token}").status_code == 200


def test_board_filters_search_and_pagination(client: TestClient, db: Session) -> None:
    dept = f.department(db, name="园林局")
    for i in range(23):
        f.message(db, title=f"绿化带缺损第{i}处", domain="环境保护")
    _sub, _c, _h = f.case_in_progress(db, dept, title="园林局办理的事项", domain="城乡建设")
    page1 = client.get("/board", params={"domain": "环境保护"})
    assert page1.status_code == 200 and "共 23 条" in page1.text and "第 1 / 2 页" in page1.text
    page2 = client.get("/board", params={"domain": "环境保护", "page": 2})
    assert "第 2 / 2 页" in page2.text
    assert "园林局办理的事项" in client.get("/board", params={"department_id": dept.id}).text
    assert "共 1 条" in client.get("/board", params={"q": "园林局办理"}).text
    assert "共 0 条" in client.get("/board", params={"q": "100%_"}).text  # wildcards are literal
    assert "共 1 条" in client.get("/board", params={"status": "in_progress"}).text


def test_board_rejects_malformed_parameters(client: TestClient) -> None:
    for params in (
        {"page": "x"},
        {"page": "0"},
        {"status": "weird"},
        {"domain": "火星"},
        {"department_id": "a"},
        {"q": "长" * 51},
    ):
        response = client.get("/board", params=params)
        assert 400 <= response.status_code < 500, params
        assert "error-box" in response.text


def test_unknown_pages_and_cases(client: TestClient) -> None:
    assert client.get("/cases/999999").status_code == 404
    assert client.get("/cases/abc").status_code == 404
    assert client.get("/track/short").status_code == 404
    assert client.get("/track/" + "x" * 32).status_code == 404
    assert client.get("/no/such/page").status_code == 404


def test_rate_and_reopen_through_the_tracking_page(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    sub, handler = f.replied_case(db, dept)
    token = sub.tracking_token
    page = client.get(f"/track/{token}")
    assert "评价答复" in page.text and "路灯已于今日修复" in page.text
    csrf = f.csrf(client)
    bad = client.post(f"/track/{token}/rate", data={"csrf_token": csrf, "level": "great"})
    assert bad.status_code == 422
    client.post(f"/track/{token}/rate", data={"csrf_token": csrf, "level": "unsatisfied", "comment": "没修好"})
    page = client.get(f"/track/{token}")
    assert "不满意" in page.text and "申请重办" in page.text
    response = client.post(f"/track/{token}/reopen", data={"csrf_token": csrf, "reason": "路灯还是不亮"})
    assert response.status_code == 200  # followed the redirect
    assert f.reload(db, sub.case).status == "in_progress"
    again = client.post(f"/track/{token}/reopen", data={"csrf_token": csrf, "reason": "再来一次"})
    assert again.status_code == 409
    wf.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="已经更换灯具，复查正常。")
    public = client.get(f"/cases/{sub.case.id}").text
    assert "申请重办" in public and "路灯还是不亮" in public and "已经更换灯具" in public


def test_rate_limit_on_public_submissions(client: TestClient, db: Session) -> None:
    state = app_state(client.app)
    state.settings = state.settings.__class__(**{**state.settings.__dict__, "submit_rate_limit": 2})
    token = f.csrf(client)
    codes = [
        client.post("/messages", data=FORM | {"csrf_token": token, "submission_key": f"rate-key-{i:04d}"}).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_overdue_marks_show_on_the_public_board_and_case(client: TestClient, db: Session) -> None:
    from datetime import date

    sub, _c, _h = f.case_in_progress(db, f.department(db), title="超期未办的留言")
    sub.case.deadline = date(2026, 1, 5)
    db.flush()
    assert "已超期" in client.get("/board", params={"q": "超期未办"}).text
    assert "已超期" in client.get(f"/cases/{sub.case.id}").text


def test_personal_data_typed_into_the_text_is_masked_in_public_but_kept_for_staff(
    client: TestClient, db: Session
) -> None:
    body = "我家电话13912345678，邮箱zhangsan@example.com，楼下井盖坏了很久没人修。"
    sub = f.message(db, title="井盖损坏 联系13912345678", body=body)
    for text in (
        client.get(f"/cases/{sub.case.id}").text,
        client.get("/board").text,
        client.get(f"/api/v1/cases/{sub.case.id}").text,
        client.get("/api/v1/cases").text,
    ):
        assert "13912345678" not in text and "zhangsan@example.com" not in text
        assert "139****5678" in text
    assert sub.message.body == body  # stored intact
    f.login(client, f.user(db, role="coordinator"))
    assert "13912345678" in client.get(f"/staff/cases/{sub.case.id}").text


def test_ids_too_large_for_the_database_are_not_found(client: TestClient) -> None:
    assert client.get("/cases/" + "9" * 30).status_code == 404
    assert client.get("/api/v1/cases/" + "9" * 30).status_code == 404


def test_the_tracking_link_shown_uses_the_public_address_when_set(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """Behind a TLS proxy the app sees http://…; with MINYI_PUBLIC_URL the link shown is the public one."""
    from dataclasses import replace

    from minyi.web.app import create_app

    app = create_app(
        replace(settings, public_url="https://minyi.example.gov.cn"), session_factory, start_background=False
    )
    with TestClient(app) as browser:
        response = browser.post("/messages", data=FORM | {"csrf_token": f.csrf(browser)})
    assert re.search(r'value="https://minyi\.example\.gov\.cn/track/[A-Za-z0-9_-]+"', response.text)
