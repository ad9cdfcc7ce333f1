"""宣介 and 廓清 over HTTP: 设为常见问题 from a case, the typing helper and its counter, explanations on the board."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.knowledge import explanations as ex
from minyi.knowledge import services as kb
from minyi.knowledge.models import KnowledgeEntry
from minyi.web.routes import knowledge as routes
from tests import factories as f

ANSWER = "办理住房公积金贷款需要身份证、购房合同、首付款发票和收入证明，到公积金中心窗口办理。"


def _published(db: Session) -> KnowledgeEntry:
    dept = f.department(db)
    handler = f.user(db, role="handler", dept=dept)
    data = {"question": "公积金贷款需要哪些材料", "answer": ANSWER, "department_id": dept.id, "status": "published"}
    return kb.create_entry(db, actor=f.actor(handler), data=data)


def test_make_faq_from_a_replied_case_in_one_click(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    sub, handler = f.replied_case(db, dept)
    f.login(client, handler)
    page = client.get(f"/staff/cases/{sub.case.id}").text
    assert f'href="/staff/knowledge/new?case_id={sub.case.id}"' in page and "设为常见问题" in page
    form = client.get(f"/staff/knowledge/new?case_id={sub.case.id}").text
    assert "小区门口路灯不亮" in form and "经核实，路灯已于今日修复" in form and 'id="kb-from-case"' in form
    saved = client.post(
        "/staff/knowledge",
        data={
            "question": "小区门口路灯不亮怎么办",
            "answer": "路灯损坏可向城管局反映，一般三个工作日内修复。",
            "department_id": dept.id,
            "source_case_id": sub.case.id,
            "status": "published",
            "csrf_token": f.csrf(client),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    entry_id = int(saved.headers["location"].split("/")[-1].split("?")[0])
    assert client.get(f"/knowledge/{entry_id}").status_code == 200
    assert "小区门口路灯不亮怎么办" in client.get("/knowledge?q=路灯不亮").text
    bad = client.post("/staff/knowledge", data={"question": "", "answer": "", "csrf_token": f.csrf(client)})
    assert bad.status_code == 422 and "请填写问题" in bad.text


def test_typing_helper_answers_and_counts_once_per_session(client: TestClient, db: Session) -> None:
    entry = _published(db)
    found = client.get("/api/v1/knowledge/search", params={"text": "申请公积金贷款要准备什么材料"}).json()
    assert found[0]["id"] == entry.id and found[0]["url"] == f"/knowledge/{entry.id}"
    assert client.get("/api/v1/knowledge/search", params={"text": ""}).json() == []
    first = client.post(f"/api/v1/knowledge/{entry.id}/helpful").json()
    again = client.post(f"/api/v1/knowledge/{entry.id}/helpful").json()
    assert (first["counted"], again["counted"], again["helpful"]) == (True, False, 1)
    assert client.post("/api/v1/knowledge/999999/helpful").status_code == 404
    assert "/static/as_you_type.js" in client.get("/").text and 'id="kb-answers"' in client.get("/").text


def test_typing_helper_is_rate_limited(client: TestClient, db: Session, monkeypatch) -> None:
    monkeypatch.setattr(routes, "SEARCH_WINDOW", routes.ClientWindow(limit=2, seconds=60))
    for _ in range(2):
        assert client.get("/api/v1/knowledge/search", params={"text": "公积金"}).status_code == 200
    assert client.get("/api/v1/knowledge/search", params={"text": "公积金"}).status_code == 429


def test_handler_replying_sees_matching_entries(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    handler = f.user(db, role="handler", dept=dept)
    data = {"question": "小区路灯坏了找谁修", "answer": "路灯损坏由城管局负责维修，一般三个工作日内修复。"}
    kb.create_entry(db, actor=f.actor(handler), data=data | {"department_id": dept.id, "status": "published"})
    sub, _c, own = f.case_in_progress(db, dept)
    f.login(client, own)
    page = client.get(f"/staff/cases/{sub.case.id}").text
    assert 'id="kb-matches"' in page and "小区路灯坏了找谁修" in page and "data-insert-answer" in page


def test_explanation_answers_ticked_cases_and_shows_on_the_board(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    cases = [f.message(db, title=f"自来水有毒吗{n}", body="网上说自来水有毒，是真的吗？很担心。") for n in range(2)]
    f.login(client, coordinator)
    made = client.post(
        "/staff/explanations",
        data={
            "kind": "rumour",
            "title": "自来水安全的说明",
            "body": "经检测，本市自来水各项指标均符合国家标准，请放心饮用。",
            "csrf_token": f.csrf(client),
        },
        follow_redirects=False,
    )
    item_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    linked = client.post(
        f"/staff/explanations/{item_id}/link",
        data={"case_ids": [str(c.case.id) for c in cases], "csrf_token": f.csrf(client)},
        follow_redirects=False,
    )
    assert linked.status_code == 303 and "linked=2" in linked.headers["location"]
    client.post("/staff/logout", data={"csrf_token": f.csrf(client)})
    board = client.get("/board").text
    assert board.count(f'href="/explanations/{item_id}"') == 2 and "辟谣：自来水安全的说明" in board
    case_page = client.get(f"/cases/{cases[0].case.id}").text
    assert 'id="case-explanation"' in case_page and "【辟谣】自来水安全的说明" in case_page
    public = client.get(f"/explanations/{item_id}").text
    assert "自来水有毒吗0" in public and "自来水有毒吗1" in public
    assert client.get("/api/v1/explanations").json()["items"][0]["linked"] == 2
    assert ex.explanations_of(db, [cases[1].case.id])[cases[1].case.id].id == item_id


def test_staff_api_writes_entries_and_refuses_others(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    handler = f.user(db, role="handler", dept=dept)
    response = client.post("/api/v1/auth/token", json={"username": handler.username, "password": f.PASSWORD})
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    body = {"question": "公积金贷款需要哪些材料", "answer": ANSWER, "status": "published"}
    made = client.post("/api/v1/staff/knowledge", json=body, headers=headers)
    assert made.status_code == 201, made.text
    entry_id = made.json()["id"]
    assert client.get(f"/api/v1/knowledge/{entry_id}").json()["department"] == dept.name
    retired = client.post(
        f"/api/v1/staff/knowledge/{entry_id}/status", json={"status": "retired", "reason": "过时"}, headers=headers
    )
    assert retired.json()["status"] == "retired" and client.get(f"/api/v1/knowledge/{entry_id}").status_code == 404
    assert (
        client.post(
            "/api/v1/staff/explanations",
            json={"kind": "policy", "title": "标题标题", "body": "x" * 30},
            headers=headers,
        ).status_code
        == 403
    )
    assert client.post("/api/v1/staff/knowledge", json=body).status_code == 401
    listed = client.get("/api/v1/staff/knowledge", headers=headers).json()
    assert listed["total"] == 0 and listed["stale"] == 0  # the retired one is not listed


def test_stats_and_the_department_page_show_upkeep(client: TestClient, db: Session) -> None:
    from datetime import timedelta

    from minyi.core.clock import china_today

    entry = _published(db)
    handler = f.user(db, role="handler", dept=entry.department)
    kb.review_entry(db, actor=f.actor(handler), entry_id=entry.id)
    other = kb.create_entry(
        db,
        actor=f.actor(handler),
        data={
            "question": "人才购房补贴怎么申请",
            "answer": ANSWER,
            "department_id": entry.department_id,
            "status": "published",
        },
    )
    other.review_due = china_today() - timedelta(days=1)
    db.flush()
    stats = client.get("/stats").text
    assert 'id="t-kb-upkeep"' in stats and entry.department.name in stats and "50.0%" in stats
    f.login(client, handler)
    assert "1 条常见问题已过复核日期" in client.get("/staff/department").text
    page = client.get("/staff/knowledge").text
    assert 'id="kb-upkeep"' in page and "50.0%" in page and 'id="kb-stale-count"' in page


def test_personal_data_in_an_entry_is_masked_in_public(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    handler = f.user(db, role="handler", dept=dept)
    data = {"question": "公积金咨询电话是多少", "answer": "请致电经办人13912345678咨询。", "department_id": dept.id}
    entry = kb.create_entry(db, actor=f.actor(handler), data=data | {"status": "published"})
    page = client.get(f"/knowledge/{entry.id}").text
    assert "13912345678" not in page and "139****5678" in page
    assert "13912345678" not in client.get(f"/api/v1/knowledge/{entry.id}").text
    assert "13912345678" not in client.get("/api/v1/knowledge/search", params={"text": "公积金咨询电话"}).text


def test_bad_input_to_the_public_entry_points(client: TestClient, db: Session) -> None:
    entry = _published(db)
    search = "/api/v1/knowledge/search"
    assert client.get(search, params={"text": "公" * 2001}).status_code == 422
    assert client.get(search, params={"text": "公积金\x00贷款"}).status_code == 422
    assert client.get(search, params={"text": "' OR 1=1; --"}).json() == []
    assert client.get(search, params={"text": "<script>公积金贷款</script>"}).json()[0]["id"] == entry.id
    for path in ("/knowledge/abc", "/knowledge/99999999999999999999", "/explanations/0", "/api/v1/knowledge/x"):
        assert client.get(path).status_code == 404, path
    assert client.post("/api/v1/knowledge/abc/helpful").status_code == 404
    for path in ("/knowledge?page=-1", "/explanations?kind=gossip", "/api/v1/explanations?page=x"):
        assert client.get(path).status_code == 422, path
    assert client.post(f"/knowledge/{entry.id}/helpful").status_code == 403  # a form without its CSRF token
    assert db.get(KnowledgeEntry, entry.id).helpful_count == 0
