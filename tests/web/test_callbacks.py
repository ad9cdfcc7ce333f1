"""帮助 and 化解 through the app: forms on the case page, the 回访 list with audited phones, the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.callbacks import repeats
from minyi.notifications.models import Notification
from minyi.privacy.models import ContactAccess
from minyi.workflow import services as workflow
from tests import factories as f

PHONE = "13800138000"


def _closed(db: Session, kind: str = "help") -> tuple[int, object, object]:
    dept = f.department(db)
    sub, coordinator, handler = f.case_in_progress(db, dept, appeal_kind=kind)
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="已经上门核实并协调解决，感谢反映。")
    workflow.rate(db, case=f.reload(db, sub.case), level="satisfied")
    db.commit()
    return sub.case.id, coordinator, handler


def _post(client: TestClient, url: str, **data: str) -> object:
    return client.post(url, data={"csrf_token": f.csrf(client), **data}, follow_redirects=False)


def _access(db: Session) -> list[ContactAccess]:
    db.expire_all()
    return list(db.scalars(select(ContactAccess).order_by(ContactAccess.id)))


def _token(client: TestClient, user: object) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": f.PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_assistance_from_the_case_page_shows_masked_in_public(client: TestClient, db: Session) -> None:
    sub, _coord, handler = f.case_in_progress(db, f.department(db), appeal_kind="help")
    db.commit()
    f.login(client, handler)
    page = client.get(f"/staff/cases/{sub.case.id}").text
    assert 'id="form-assist"' in page and "将在公开页面显示" in page
    answer = _post(
        client, f"/staff/cases/{sub.case.id}/assist", what="送去过冬棉被，留下联系电话13912345678", person="王五"
    )
    assert answer.status_code == 303 and "done=assist" in answer.headers["location"]
    staff = client.get(f"/staff/cases/{sub.case.id}").text
    assert "13912345678" in staff and "王五" in staff and "记录帮扶" in staff
    public = client.get(f"/cases/{sub.case.id}").text
    assert "送去过冬棉被" in public and "13912345678" not in public and "王五" not in public
    bad = _post(client, f"/staff/cases/{sub.case.id}/assist", what="", person="王五")
    assert bad.status_code == 422


def test_the_callback_list_shows_phones_to_the_callers_only_and_audits_them(client: TestClient, db: Session) -> None:
    case_id, coordinator, handler = _closed(db)
    f.login(client, coordinator)
    page = client.get("/staff/callbacks").text
    assert f'href="/staff/cases/{case_id}#callback"' in page and PHONE in page
    seen = [a for a in _access(db) if a.what == "callback_list"]
    assert [(a.case_id, a.fields) for a in seen] == [(case_id, "phone")]
    supervisor = f.user(db, role="supervisor")
    db.commit()
    f.login(client, supervisor)
    page = client.get("/staff/callbacks").text
    assert f"/staff/cases/{case_id}#callback" in page and PHONE not in page
    assert len([a for a in _access(db) if a.what == "callback_list"]) == 1
    f.login(client, handler)
    assert client.get("/staff/callbacks").status_code == 403
    assert client.get("/staff/callbacks?state=nonsense").status_code == 403  # the role is checked first


def test_a_callback_from_the_case_page_is_in_the_history_and_public_without_its_note(
    client: TestClient, db: Session
) -> None:
    case_id, coordinator, _handler = _closed(db, "complaint")
    f.login(client, coordinator)
    assert 'id="form-callback"' in client.get(f"/staff/cases/{case_id}").text
    missing = _post(client, f"/staff/cases/{case_id}/callback", reached="1", resolved="yes")
    assert missing.status_code == 422
    answer = _post(
        client,
        f"/staff/cases/{case_id}/callback",
        reached="1",
        resolved="yes",
        satisfaction="basically",
        note="群众说路灯已经修好，内部备注",
    )
    assert answer.status_code == 303 and "done=callback" in answer.headers["location"]
    staff = client.get(answer.headers["location"]).text
    assert "的回访已记录" in staff and "内部备注" in staff and "问题已解决" in staff
    public = client.get(f"/cases/{case_id}").text
    assert "回访" in public and "问题已解决" in public and "基本满意" in public and "内部备注" not in public
    again = _post(client, f"/staff/cases/{case_id}/callback", reached="0")
    assert again.status_code == 409


def test_the_api_lists_records_and_reopens(client: TestClient, db: Session) -> None:
    case_id, coordinator, handler = _closed(db, "complaint")
    help_sub, _c, help_handler = f.case_in_progress(db, f.department(db), appeal_kind="help")
    supervisor = f.user(db, role="supervisor")
    db.commit()
    caller = _token(client, coordinator)
    listed = client.get("/api/v1/staff/callbacks", headers=caller).json()
    assert listed["total"] == 1 and listed["items"][0]["case_id"] == case_id and listed["items"][0]["phone"] == PHONE
    assert [a.what for a in _access(db)] == ["api_callbacks"]
    without = client.get("/api/v1/staff/callbacks", headers=_token(client, supervisor)).json()
    assert without["items"][0]["phone"] is None
    assert client.get("/api/v1/staff/callbacks?page=0", headers=caller).status_code == 422
    assert client.get("/api/v1/staff/callbacks", headers=_token(client, handler)).status_code == 403
    url = f"/api/v1/staff/cases/{case_id}/callback"
    assert client.post(url, headers=caller, json={"reached": "yes"}).status_code == 422  # strict JSON types
    first = client.post(url, headers=caller, json={"reached": False}).json()
    assert first["state"] == "due" and first["attempt"] == 1 and not first["reopened"]
    done = client.post(
        url, headers=caller, json={"reached": True, "resolved": "no", "satisfaction": "unsatisfied", "reopen": True}
    ).json()
    assert done["reopened"] and done["case_status"] == "in_progress" and done["result"] == "reopened"
    db.expire_all()
    told = db.scalars(select(Notification).where(Notification.user_id == handler.id)).all()
    assert [n.notice.title for n in told] == [f"【回访重办】办件 {case_id} 回访未解决"]  # the department hears of it
    assert client.post(url, headers=caller, json={"reached": False}).status_code == 409
    helper = _token(client, help_handler)
    record = f"/api/v1/staff/cases/{help_sub.case.id}/assistance"
    made = client.post(record, headers=helper, json={"what": "协调办理临时救助", "person": "赵六"})
    assert made.status_code == 201 and made.json()["person"] == "赵六"
    assert [a["what"] for a in client.get(record, headers=helper).json()] == ["协调办理临时救助"]
    assert client.post(record, headers=caller, json={"what": "协调办理临时救助"}).status_code == 403


def test_repeated_complaints_for_supervisors(client: TestClient, db: Session) -> None:
    f.message(db, place_text="")
    again = f.message(db, place_text="", title="路灯还是不亮", body="上次反映幸福路小区门口路灯坏了，到现在还没有修。")
    flag = repeats.check_repeats(db, message_id=again.message.id)
    supervisor = f.user(db, role="supervisor")
    db.commit()
    assert flag is not None
    f.login(client, supervisor)
    page = client.get("/staff/repeats").text
    assert f'href="/staff/cases/{again.case.id}"' in page and "同一联系电话" in page
    case_page = client.get(f"/staff/cases/{again.case.id}").text
    assert 'id="repeat-flag"' in case_page and "请督办关注" in case_page
    headers = _token(client, supervisor)
    listed = client.get("/api/v1/staff/repeats", headers=headers).json()
    assert listed["total"] == 1 and listed["items"][0]["matched_by"] == ["phone"]
    one = client.get(f"/api/v1/staff/cases/{again.case.id}/repeat", headers=headers).json()
    assert len(one["earlier"]) == 1 and one["earlier"][0]["score"] >= repeats.MIN_SCORE
    earlier = one["earlier"][0]["case_id"]
    assert client.get(f"/api/v1/staff/cases/{earlier}/repeat", headers=headers).status_code == 404
    coordinator = f.user(db, role="coordinator")
    db.commit()
    assert client.get("/api/v1/staff/repeats", headers=_token(client, coordinator)).status_code == 403
    # the handler of the department the case went to sees the case, never the earlier complaints it repeats
    dept = f.department(db)
    handler = f.user(db, role="handler", dept=dept)
    workflow.assign(db, actor=f.actor(coordinator), case_id=again.case.id, department_id=dept.id)
    db.commit()
    reader = TestClient(client.app)
    f.login(reader, handler)
    handler_page = reader.get(f"/staff/cases/{again.case.id}")
    assert handler_page.status_code == 200 and 'id="repeat-flag"' not in handler_page.text
    assert client.get(f"/api/v1/staff/cases/{again.case.id}/repeat", headers=_token(client, handler)).status_code == 403
