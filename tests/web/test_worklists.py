"""The work lists over HTTP: search form, pages, totals, 台账 exports (audited, without contact data), the API."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent
from minyi.messages.models import MessageAnalysis
from tests import factories as f


def _token(client: TestClient, user: object) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": f.PASSWORD})  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_coordinator_finds_the_urgent_message_first_and_searches(client: TestClient, db: Session) -> None:
    for i in range(25):
        f.message(db, title=f"历史留言{i}", contact_phone="13900000000")
    gas = f.message(db, title="小区燃气泄漏", body="楼道里全是煤气味，请马上处理。")
    db.add(MessageAnalysis(message_id=gas.message.id, result={"urgent": True}, urgent=True))
    db.flush()
    f.login(client, f.user(db, role="coordinator"))
    page = client.get("/staff/inbox")
    assert page.status_code == 200
    first_row = page.text.index('data-case="')
    assert page.text[first_row:].startswith(f'data-case="{gas.case.id}"')
    assert 'name="q"' in page.text and "下一页" in page.text and "导出台账" in page.text
    found = client.get("/staff/inbox", params={"q": "燃气"})
    assert f'data-case="{gas.case.id}"' in found.text and found.text.count('data-case="') == 1
    second = client.get("/staff/inbox", params={"page": 2})
    assert second.status_code == 200 and "上一页" in second.text
    bad = client.get("/staff/inbox", params={"per_page": "1000"})
    assert bad.status_code in {400, 422} and "每页条数" in bad.text


def test_export_is_the_filtered_list_without_contact_data_and_is_audited(client: TestClient, db: Session) -> None:
    f.message(db, title="=HYPERLINK(1) 噪音扰民", contact_phone="13912345678", contact_name="李四")
    f.message(db, title="路灯不亮")
    coordinator = f.user(db, role="coordinator")
    f.login(client, coordinator)
    before = db.scalar(select(func.count()).select_from(AuthEvent).where(AuthEvent.kind == "list_exported"))
    response = client.get("/staff/export/triage.csv", params={"q": "噪音"})
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "办件编号" and len(rows) == 2
    assert rows[1][1].startswith("'=HYPERLINK")  # data, never a formula
    assert "13912345678" not in response.text and "李四" not in response.text
    xlsx = client.get("/staff/export/triage.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row >= 3
    events = db.scalars(select(AuthEvent).where(AuthEvent.kind == "list_exported").order_by(AuthEvent.id)).all()
    assert len(events) == before + 2
    assert events[-2].user_id == coordinator.id and "q=噪音" in events[-2].detail and "CSV" in events[-2].detail


def test_exports_keep_to_each_roles_lists(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    f.login(client, f.user(db, role="handler", dept=dept))
    assert client.get("/staff/export/triage.csv").status_code == 403
    assert client.get("/staff/export/department.xlsx").status_code == 200
    assert client.get("/staff/export/nothing.csv").status_code == 404
    assert client.get("/staff/export/department.pdf").status_code == 404


def test_handler_list_ignores_another_department_filter(client: TestClient, db: Session) -> None:
    mine, other = f.department(db), f.department(db)
    own, _c, handler = f.case_in_progress(db, mine)
    theirs, _c2, _h2 = f.case_in_progress(db, other)
    f.login(client, handler)
    page = client.get("/staff/department", params={"department_id": other.id})
    assert f'data-case="{own.case.id}"' in page.text and f'data-case="{theirs.case.id}"' not in page.text


def test_supervisor_sees_complaints(client: TestClient, db: Session) -> None:
    from minyi.workflow import services

    dept = f.department(db)
    rated, _h = f.replied_case(db, dept)
    services.rate(db, case=f.reload(db, rated.case), level="unsatisfied", comment="没解决")
    f.login(client, f.user(db, role="supervisor"))
    page = client.get("/staff/complaints")
    assert page.status_code == 200 and f'data-case="{rated.case.id}"' in page.text


def test_api_inbox_is_paged_with_a_total(client: TestClient, db: Session) -> None:
    for _ in range(3):
        f.message(db)
    headers = _token(client, f.user(db, role="coordinator"))
    body = client.get("/api/v1/staff/inbox", params={"per_page": 2}, headers=headers).json()
    assert body["name"] == "triage" and body["per_page"] == 2 and len(body["items"]) == 2
    assert body["total"] >= 3 and body["total_capped"] is False and body["pages"] >= 2
    assert client.get("/api/v1/staff/inbox", params={"list": "department"}, headers=headers).status_code == 403
    wrong = client.get("/api/v1/staff/inbox", params={"list": "x"}, headers=headers)
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "list"
    assert client.get("/api/v1/staff/inbox", params={"page": 0}, headers=headers).status_code == 422


def test_a_returned_case_proposes_the_department_the_returning_one_asked_for(client: TestClient, db: Session) -> None:
    from minyi.workflow import services as workflow

    roads, parks, water = (
        f.department(db, name="市公路局"),
        f.department(db, name="市园林局"),
        f.department(db, name="市水务局"),
    )
    asked, _c, handler = f.case_in_progress(db, roads, title="公园里的路灯坏了")
    plain, _c2, handler2 = f.case_in_progress(db, roads, title="公园围栏倒了")
    ranking = [{"id": roads.id, "name": roads.name, "score": 0.6}, {"id": water.id, "name": water.name, "score": 0.3}]
    for sub in (asked, plain):
        db.add(MessageAnalysis(message_id=sub.message.id, result={"suggested_departments": ranking}, urgent=False))
    workflow.return_case(
        db,
        actor=f.actor(handler),
        case_id=asked.case.id,
        reason="公园设施归园林局管理",
        suggested_department_id=parks.id,
    )
    workflow.return_case(db, actor=f.actor(handler2), case_id=plain.case.id, reason="不属于本局职责")
    db.flush()
    f.login(client, f.user(db, role="coordinator"))
    inbox = client.get("/staff/inbox").text
    assert "已退回（市公路局）：公园设施归园林局管理" in inbox and "建议改派给：市园林局" in inbox
    assert "按退回部门建议，转办至市园林局" in inbox  # the one-click assign proposes what the department asked for
    assert "采纳建议，转办至市公路局" not in inbox  # never back to the department that returned it
    assert "采纳建议，转办至市水务局" in inbox  # no department asked for: the next suggestion
    page = client.get(f"/staff/cases/{asked.case.id}").text
    assert f'<option value="{parks.id}" selected>' in page and "建议改派给 <strong>市园林局</strong>" in page
    done = client.post(
        f"/staff/cases/{asked.case.id}/actions/assign",
        data={"department_id": str(parks.id), "csrf_token": f.csrf(client)},
    )
    assert done.status_code == 200 and f.reload(db, asked.case).department_id == parks.id
    assert "returned-note" not in client.get(f"/staff/cases/{asked.case.id}").text  # assigned again: no note


def test_pending_extensions_say_which_case_and_the_history_says_how_many_days(client: TestClient, db: Session) -> None:
    from minyi.workflow import services as workflow

    dept = f.department(db, name="延期测试局")
    sub, _c, handler = f.case_in_progress(db, dept, title="老旧小区加装电梯进度")
    workflow.request_extension(db, actor=f.actor(handler), case_id=sub.case.id, days=5, reason="需协调多户业主意见")
    db.flush()
    f.login(client, f.user(db, role="supervisor"))
    page = client.get("/staff/supervise").text
    row = page[page.index('<tr id="ext-') : page.index("</tr>", page.index('<tr id="ext-'))]
    assert "老旧小区加装电梯进度" in row and "延期测试局" in row and "5 个工作日" in row and "需协调多户业主意见" in row
    assert f.reload(db, sub.case).deadline.isoformat() in row  # the deadline it would extend
    history = client.get(f"/staff/cases/{sub.case.id}").text
    assert "申请延期" in history and "· 5 个工作日" in history
