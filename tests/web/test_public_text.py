"""What the public sees of a case: no staff notes, replies masked, invisible characters neutralised."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.messages.models import Message
from minyi.web import serializers
from minyi.workflow import services as workflow
from minyi.workflow import views
from tests import factories as f

ASSIGN_NOTE = "内部转办意见：请先核实投诉人身份"
ESCALATE_NOTE = "督办意见：局长已过问，三日内必须答复"
PHONE = "13912345678"
REPLY = f"经核实，路灯已修复。如仍有问题请联系工作人员李工 {PHONE}。"
INVISIBLE = "\u202e\u200b\u2066\ufeff\u200f"


def _worked_case(db: Session) -> tuple[int, str]:
    """A case assigned with a note, escalated with a note and replied with a phone number in the reply."""
    dept = f.department(db)
    sub = f.message(db)
    coordinator, handler = f.user(db, role="coordinator"), f.user(db, role="handler", dept=dept)
    workflow.assign(db, actor=f.actor(coordinator), case_id=sub.case.id, department_id=dept.id, note=ASSIGN_NOTE)
    workflow.escalate(db, actor=f.actor(f.user(db, role="supervisor")), case_id=sub.case.id, reason=ESCALATE_NOTE)
    workflow.accept(db, actor=f.actor(handler), case_id=sub.case.id)
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body=REPLY)
    return sub.case.id, sub.tracking_token


def test_the_public_page_shows_the_events_without_staff_notes(client: TestClient, db: Session) -> None:
    case_id, token = _worked_case(db)
    page = client.get(f"/cases/{case_id}").text
    assert "受理并转办" in page and "督办" in page  # the events are shown …
    assert ASSIGN_NOTE not in page and ESCALATE_NOTE not in page  # … their internal notes are not
    track = client.get(f"/track/{token}").text
    assert "受理并转办" in track and ASSIGN_NOTE not in track and ESCALATE_NOTE not in track


def test_the_public_api_shows_the_events_without_staff_notes(client: TestClient, db: Session) -> None:
    case_id, token = _worked_case(db)
    for url in (f"/api/v1/cases/{case_id}", f"/api/v1/track/{token}"):
        detail = client.get(url).json()
        assert {"assign", "escalate"} <= {e["kind"] for e in detail["events"]}
        assert ASSIGN_NOTE not in str(detail) and ESCALATE_NOTE not in str(detail)


def test_replies_are_masked_in_public_and_whole_for_staff(client: TestClient, db: Session) -> None:
    case_id, token = _worked_case(db)
    for text in (
        client.get(f"/cases/{case_id}").text,
        client.get(f"/track/{token}").text,
        client.get(f"/api/v1/cases/{case_id}").text,
    ):
        assert PHONE not in text and "139****5678" in text
    staff = serializers.staff_detail(views.case_view(db, workflow.load_case(db, case_id), public_only=False), None)
    assert staff.replies[0].body == REPLY
    assert {e.reason for e in staff.log} >= {ASSIGN_NOTE, ESCALATE_NOTE}
    f.login(client, f.user(db, role="supervisor"))
    staff_page = client.get(f"/staff/cases/{case_id}").text
    assert PHONE in staff_page and ASSIGN_NOTE in staff_page and ESCALATE_NOTE in staff_page


def test_the_reason_of_a_rejection_stays_public_and_masked(client: TestClient, db: Session) -> None:
    sub = f.message(db)
    reason = f"不属于本平台受理范围，请拨打 {PHONE} 咨询。"
    workflow.reject(db, actor=f.actor(f.user(db, role="coordinator")), case_id=sub.case.id, reason=reason)
    page = client.get(f"/cases/{sub.case.id}").text
    assert "不属于本平台受理范围" in page and PHONE not in page
    detail = client.get(f"/api/v1/cases/{sub.case.id}").json()
    assert "139****5678" in detail["public_reason"]
    assert any("不属于本平台受理范围" in e["reason"] for e in detail["events"] if e["kind"] == "reject")


def test_staff_forms_say_which_notes_are_internal_and_which_are_public(client: TestClient, db: Session) -> None:
    sub = f.message(db)
    f.login(client, f.user(db, role="coordinator"))
    page = client.get(f"/staff/cases/{sub.case.id}").text
    assert "转办意见（选填；内部意见，不公开）" in page
    assert "公开理由（必填，将公开显示）" in page
    dept = f.department(db)
    workflow.assign(db, actor=f.actor(f.user(db, role="coordinator")), case_id=sub.case.id, department_id=dept.id)
    f.login(client, f.user(db, role="supervisor"))
    assert "督办意见（内部意见，不公开）" in client.get(f"/staff/cases/{sub.case.id}").text
    f.login(client, f.user(db, role="handler", dept=dept))
    client.post(f"/staff/cases/{sub.case.id}/actions/accept", data={"csrf_token": f.csrf(client)})
    page = client.get(f"/staff/cases/{sub.case.id}").text
    assert "答复内容（将公开" in page
    assert "延期理由（内部意见，不公开）" in page and "退回理由（内部意见，不公开）" in page


def test_invisible_characters_in_a_title_are_neutralised_on_every_page(client: TestClient, db: Session) -> None:
    title = f"路灯{INVISIBLE}不亮"
    sub = f.message(db, title=title, body=f"幸福路{INVISIBLE}小区门口的路灯已经坏了两周，请尽快维修。")
    assert db.get(Message, sub.message.id).title == title  # the original stays stored
    pages = [
        client.get("/board").text,
        client.get(f"/cases/{sub.case.id}").text,
        client.get(f"/track/{sub.tracking_token}").text,
        client.get("/api/v1/cases").text,
        client.get(f"/api/v1/cases/{sub.case.id}").text,
    ]
    f.login(client, f.user(db, role="coordinator"))
    pages += [client.get("/staff/inbox").text, client.get(f"/staff/cases/{sub.case.id}").text]
    for text in pages:
        assert "路灯不亮" in text
        assert not any(char in text for char in INVISIBLE)
    board = client.get("/api/v1/cases").json()["items"][0]
    assert board["title"] == "路灯不亮"


def test_neutralise_leaves_plain_values_alone_and_strips_invisible_characters() -> None:
    from markupsafe import Markup

    from minyi.web.templating import neutralise

    plain, chinese = "12.5%", "市水务局"
    assert neutralise(plain) is plain and neutralise(chinese) is chinese and neutralise(7) == 7
    assert neutralise("水\u202e务\u200b局") == "水务局"
    cleaned = neutralise(Markup("<b>水\ufeff务</b>"))
    assert isinstance(cleaned, Markup) and cleaned == Markup("<b>水务</b>")
