"""Routing by place and level through the web: the form's 提交到 / 领导信箱, the API's `jurisdiction` / `leader`,
the staff case page (chain, reason, 下派 / 上报, departments of the level) and the API's moves."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.departments.models import Department
from minyi.jurisdictions.models import Jurisdiction
from minyi.messages.models import Message, MessageAnalysis
from minyi.workflow.models import Case
from tests import factories as f

FORM = {
    "title": "桂花坪路灯不亮",
    "body": "幸福里社区门口的路灯已经坏了两周，晚上出行很不安全，请尽快维修。",
    "place_text": "",
    "is_public": "on",
}
API = {"title": "路口积水严重", "body": "每次下雨建设路与人民路路口积水超过二十厘米，行人无法通行。"}


def _tree(db: Session) -> dict[str, Jurisdiction]:
    city = f.jurisdiction(db, name="A市", level="city", areas="A市", leaders="书记、市长", slug="a-city")
    east = f.jurisdiction(db, name="A2区", parent=city, areas="雨花区", leaders="区长", slug="a2")
    west = f.jurisdiction(db, name="A5区", parent=city, areas="岳麓区", slug="a5")
    street = f.jurisdiction(db, name="桂花坪街道", parent=east, level="street", areas="桂花坪 幸福里社区", slug="gh")
    return {"city": city, "east": east, "west": west, "street": street}


def _dept(db: Session, name: str, where: Jurisdiction | None) -> Department:
    dept = f.department(db, name=name)
    dept.jurisdiction_id = where.id if where is not None else None
    db.flush()
    return dept


def _count(db: Session) -> int:
    return db.scalar(select(func.count(Message.id))) or 0


def _token(client: TestClient, user: object) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": f.PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _newest_case(db: Session) -> Case:
    db.expire_all()
    case = db.scalars(select(Case).order_by(Case.id.desc()).limit(1)).one()
    return case


def test_the_form_offers_jurisdictions_indented_and_mailboxes(client: TestClient, db: Session) -> None:
    _tree(db)
    page = client.get("/").text
    assert 'id="jurisdiction"' in page and "按地点自动分派" in page
    assert '<option value="a2" >　　A2区</option>' in page.replace("\n", "")
    assert '<option value="a-city:市长" >A市 市长信箱</option>' in page


def test_the_form_addresses_a_leader_or_lets_the_places_decide(client: TestClient, db: Session) -> None:
    t = _tree(db)
    sent = client.post("/messages", data=FORM | {"leader": "a-city:市长", "csrf_token": f.csrf(client)})
    assert sent.status_code == 200, sent.text
    case = _newest_case(db)
    assert case.jurisdiction_id == t["city"].id and case.jurisdiction_reason == "留言人选择：A市 市长信箱"
    assert case.message.addressed_leader == "市长"
    client.post("/messages", data=FORM | {"csrf_token": f.csrf(client)})
    placed = _newest_case(db)
    assert placed.jurisdiction_id == t["street"].id and "桂花坪" in placed.jurisdiction_reason


def test_a_bad_address_in_the_form_is_422_with_everything_kept(client: TestClient, db: Session) -> None:
    _tree(db)
    before = _count(db)
    wrong = client.post(
        "/messages", data=FORM | {"jurisdiction": "a2", "leader": "a-city:市长", "csrf_token": f.csrf(client)}
    )
    assert wrong.status_code == 422
    assert "“A2区”没有“市长信箱”" in wrong.text and 'id="leader-error"' in wrong.text
    assert "幸福里社区门口的路灯" in wrong.text  # what the citizen typed comes back
    unknown = client.post("/messages", data=FORM | {"jurisdiction": "mars", "title": "", "csrf_token": f.csrf(client)})
    assert (
        unknown.status_code == 422 and 'id="jurisdiction-error"' in unknown.text and 'id="title-error"' in unknown.text
    )
    assert _count(db) == before


def test_the_api_takes_a_jurisdiction_and_a_leader(client: TestClient, db: Session) -> None:
    t = _tree(db)
    answer = client.post("/api/v1/messages", json=API | {"jurisdiction": "a2", "leader": "区长"})
    assert answer.status_code == 201, answer.text
    case = _newest_case(db)
    assert case.jurisdiction_id == t["east"].id and case.jurisdiction_reason == "留言人选择：A2区 区长信箱"
    before = _count(db)
    for body, field in (
        (API | {"jurisdiction": "nowhere"}, "jurisdiction"),
        (API | {"jurisdiction": "a5", "leader": "市长"}, "leader"),
        (API | {"leader": "市长"}, "leader"),
    ):
        refused = client.post("/api/v1/messages", json=body)
        assert refused.status_code == 422 and refused.json()["error"]["field"] == field, refused.text
    assert _count(db) == before


def test_the_case_page_shows_the_chain_and_only_the_levels_departments(client: TestClient, db: Session) -> None:
    t = _tree(db)
    _dept(db, "A市城管局", t["city"])
    _dept(db, "A2区城管局", t["east"])
    coordinator = f.user(db, role="coordinator", jurisdiction=t["city"])
    sub = f.message(db, jurisdiction="a-city", leader="书记")
    f.login(client, coordinator)
    page = client.get(f"/staff/cases/{sub.case.id}").text
    assert "本级 › A市" in page and "留言人选择：A市 书记信箱" in page
    assign = page[page.index('id="form-assign"') : page.index("</form>", page.index('id="form-assign"'))]
    assert "A市城管局" in assign and "A2区城管局" not in assign
    down = page[page.index('id="form-send-down"') :]
    assert "A2区（区/县）" in down and "A5区（区/县）" in down and "桂花坪街道" not in down[: down.index("</form>")]
    assert 'id="form-send-up"' in page


def test_send_down_by_the_form_then_the_districts_coordinator_assigns(client: TestClient, db: Session) -> None:
    t = _tree(db)
    district_dept = _dept(db, "A2区城管局", t["east"])
    city = f.user(db, role="coordinator", jurisdiction=t["city"])
    district = f.user(db, role="coordinator", jurisdiction=t["east"])
    sub = f.message(db, jurisdiction="a-city")
    f.login(client, city)
    data = {"jurisdiction_id": str(t["west"].id + 1000), "csrf_token": f.csrf(client)}
    assert client.post(f"/staff/cases/{sub.case.id}/actions/send_down", data=data).status_code == 422
    data = {"jurisdiction_id": str(t["east"].id), "note": "属地", "csrf_token": f.csrf(client)}
    moved = client.post(f"/staff/cases/{sub.case.id}/actions/send_down", data=data, follow_redirects=False)
    assert moved.status_code == 303 and "done=send_down" in moved.headers["location"]
    public = client.get(f"/cases/{sub.case.id}").text
    assert "转至下级办理" in public and "A市 → A2区" in public and "属地" not in public  # the note is internal
    client.post("/staff/logout", data={"csrf_token": f.csrf(client)})
    f.login(client, district)
    data = {"department_id": str(district_dept.id), "csrf_token": f.csrf(client)}
    assert client.post(f"/staff/cases/{sub.case.id}/actions/assign", data=data).status_code == 200
    assert f.reload(db, sub.case).department_id == district_dept.id


def test_send_up_redirects_to_the_inbox_with_a_notice_not_a_403(client: TestClient, db: Session) -> None:
    t = _tree(db)
    district = f.user(db, role="coordinator", jurisdiction=t["east"])
    sub = f.message(db, jurisdiction="a2")
    f.login(client, district)
    empty = client.post(
        f"/staff/cases/{sub.case.id}/actions/send_up", data={"reason": "", "csrf_token": f.csrf(client)}
    )
    assert empty.status_code == 422 and f.reload(db, sub.case).jurisdiction_id == t["east"].id
    data = {"reason": "涉及两区交界，本区无法协调", "csrf_token": f.csrf(client)}
    answer = client.post(f"/staff/cases/{sub.case.id}/actions/send_up", data=data)
    assert answer.status_code == 200 and str(answer.url).startswith("http://testserver/staff/inbox")
    assert "已上报至上级辖区" in answer.text
    assert client.get(f"/staff/cases/{sub.case.id}").status_code == 403  # out of sight now
    assert f.reload(db, sub.case).jurisdiction_id == t["city"].id


def test_the_api_moves_a_case_and_says_when_it_left_the_callers_jurisdiction(client: TestClient, db: Session) -> None:
    t = _tree(db)
    _dept(db, "A5区水务局", t["west"])
    sub = f.message(db, jurisdiction="a-city")
    city = _token(client, f.user(db, role="coordinator", jurisdiction=t["city"]))
    url = f"/api/v1/staff/cases/{sub.case.id}/actions"
    down = client.post(f"{url}/send_down", json={"jurisdiction_id": t["east"].id}, headers=city)
    assert down.status_code == 200 and down.json()["jurisdiction_id"] == t["east"].id, down.text
    assert down.json()["jurisdiction_reason"] == "A市下派至A2区"
    district = _token(client, f.user(db, role="coordinator", jurisdiction=t["east"]))
    assert client.post(f"{url}/send_up", json={}, headers=district).status_code == 422
    up = client.post(f"{url}/send_up", json={"reason": "需市级协调"}, headers=district)
    assert up.status_code == 200, up.text
    assert up.json() == {
        "id": sub.case.id,
        "status": "submitted",
        "jurisdiction_id": t["city"].id,
        "jurisdiction": "A市",
        "message": "办件已上报至A市，不再属于您的辖区",
    }
    assert client.get(f"/api/v1/staff/cases/{sub.case.id}", headers=district).status_code == 403


def test_the_api_shows_suggestions_of_the_cases_level_only(client: TestClient, db: Session) -> None:
    t = _tree(db)
    mine, other = _dept(db, "A2区水务局", t["east"]), _dept(db, "A5区水务局", t["west"])
    sub = f.message(db, jurisdiction="a2")
    stored = [{"id": d.id, "name": d.name, "score": 1.0, "keywords": []} for d in (other, mine)]
    db.add(MessageAnalysis(message_id=sub.message.id, result={"suggested_departments": stored}))
    db.flush()
    headers = _token(client, f.user(db, role="admin"))
    analysis = client.get(f"/api/v1/staff/cases/{sub.case.id}", headers=headers).json()["analysis"]
    assert [d["name"] for d in analysis["suggested_departments"]] == ["A2区水务局"]
    f.login(client, f.user(db, role="coordinator"))
    page = client.get(f"/staff/cases/{sub.case.id}").text
    shown = page[page.index('id="analysis"') : page.index("</section>", page.index('id="analysis"'))]
    assert "A2区水务局" in shown and "A5区水务局" not in shown
    triage = client.get("/staff/inbox").text  # the triage list's one-click suggestion too
    assert "采纳建议，转办至A2区水务局" in triage and "建议部门：A2区水务局</span>" in triage


def test_a_staff_entry_may_name_the_mailbox_the_citizen_asked_for(client: TestClient, db: Session) -> None:
    t = _tree(db)
    f.login(client, f.user(db, role="coordinator"))
    page = client.get("/staff/entry").text
    assert "A市 市长信箱" in page
    key = re.search(r'name="submission_key" value="([^"]+)"', page)
    received = re.search(r'name="received_at"[^>]*value="([^"]+)"', page)
    assert key is not None and received is not None
    data = FORM | {"channel": "phone", "received_at": received[1], "submission_key": key[1], "leader": "a-city:市长"}
    entered = client.post("/staff/entry", data=data | {"csrf_token": f.csrf(client)})
    assert entered.status_code == 200, entered.text
    case = _newest_case(db)
    assert case.jurisdiction_id == t["city"].id and case.jurisdiction_reason == "留言人选择：A市 市长信箱"


def test_a_moved_case_is_queued_for_analysis_again_by_the_form_and_the_api(client: TestClient, db: Session) -> None:
    """Its departments are ranked among the new level's: the worker analyses the message again after the move."""
    from minyi.web.state import app_state

    queued: list[int] = []
    app_state(client.app).jobs = type("Jobs", (), {"analyse": staticmethod(queued.append)})()
    t = _tree(db)
    city = f.user(db, role="coordinator", jurisdiction=t["city"])
    first, second = f.message(db, jurisdiction="a-city"), f.message(db, jurisdiction="a-city")
    f.login(client, city)
    data = {"jurisdiction_id": str(t["east"].id), "csrf_token": f.csrf(client)}
    assert client.post(f"/staff/cases/{first.case.id}/actions/send_down", data=data).status_code == 200
    assert queued == [first.message.id]
    headers = _token(client, city)
    url = f"/api/v1/staff/cases/{second.case.id}/actions/send_down"
    assert client.post(url, json={"jurisdiction_id": t["west"].id}, headers=headers).status_code == 200
    assert queued == [first.message.id, second.message.id]
    reason = {"reason": "需市级协调", "csrf_token": f.csrf(client)}
    f.login(client, f.user(db, role="coordinator", jurisdiction=t["east"]))
    reason["csrf_token"] = f.csrf(client)
    assert client.post(f"/staff/cases/{first.case.id}/actions/send_up", data=reason).status_code == 200
    assert queued == [first.message.id, second.message.id, first.message.id]
    other = f.message(db)
    f.login(client, f.user(db, role="coordinator"))
    data = {"reason": "重复", "csrf_token": f.csrf(client)}
    client.post(f"/staff/cases/{other.case.id}/actions/reject", data=data)
    assert len(queued) == 3  # other actions do not analyse again
