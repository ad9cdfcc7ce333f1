"""代录入 over HTTP: who may reach it, CSRF, every invalid field at once, the confirmation with the tracking link,
the channel on the staff pages and in the work list's filter, nothing of it on the public pages."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.accounts.models import User
from minyi.messages.models import Message
from minyi.web.state import app_state
from tests import factories as f

FORM = {
    "channel": "phone",
    "title": "楼下餐馆油烟扰民",
    "body": "和平路十二号楼下的餐馆每天中午和晚上油烟很大，窗户都不能开，希望环保部门来查一查。",
    "appeal_kind": "complaint",
    "domain": "环境保护",
    "place_text": "和平路十二号",
    "contact_name": "王阿姨",
    "contact_phone": "13912345678",
    "is_public": "on",
}


def _messages(db: Session) -> int:
    return db.scalar(select(func.count(Message.id))) or 0


def _page_form(client: TestClient) -> dict[str, str]:
    """The form's own defaults (received time, submission key) as the browser would send them back."""
    page = client.get("/staff/entry").text
    hidden = dict(re.findall(r'name="(received_at|submission_key)"[^>]*?value="([^"]*)"', page))
    hidden |= {k: v for v, k in re.findall(r'value="([^"]*)"[^>]*?name="(received_at|submission_key)"', page)}
    return hidden | {"csrf_token": f.csrf(client)}


def _enter(client: TestClient, **overrides: str) -> object:
    return client.post("/staff/entry", data=_page_form(client) | FORM | overrides)


@pytest.mark.parametrize(
    ("role", "allowed"), [("coordinator", True), ("admin", True), ("handler", False), ("supervisor", False)]
)
def test_only_coordinators_and_admins_reach_the_page(client: TestClient, db: Session, role: str, allowed: bool) -> None:
    dept = f.department(db)
    f.login(client, f.user(db, role=role, dept=dept if role == "handler" else None))
    page = client.get("/staff/entry")
    assert page.status_code == (200 if allowed else 403)
    assert ('href="/staff/entry"' in client.get("/staff/notifications").text) is allowed  # the staff menu
    before = _messages(db)
    posted = client.post("/staff/entry", data=FORM | {"received_at": "2026-01-01T08:00", "csrf_token": f.csrf(client)})
    assert posted.status_code == (422 if allowed else 403)  # allowed: the old date is refused, nothing stored
    assert _messages(db) == before


def test_citizens_are_sent_to_login(client: TestClient, db: Session) -> None:
    """A citizen has no account (staff roles only): with their own tracking link in hand, the page asks for a
    staff login, and a post stores nothing."""
    submitted = client.post(
        "/messages", data={k: v for k, v in FORM.items() if k != "channel"} | {"csrf_token": f.csrf(client)}
    )
    assert (
        submitted.status_code == 200 and client.get(re.search(r'href="(/track/[^"]+)"', submitted.text)[1]).is_success
    )
    before = _messages(db)
    page = client.get("/staff/entry", follow_redirects=False)
    posted = client.post("/staff/entry", data=FORM | {"csrf_token": f.csrf(client)}, follow_redirects=False)
    for response in (page, posted):
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
    assert _messages(db) == before


def test_the_form_needs_the_csrf_token(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="coordinator"))
    before = _messages(db)
    data = _page_form(client) | FORM
    for token in ("", "forged"):
        response = client.post("/staff/entry", data=data | {"csrf_token": token})
        assert response.status_code == 403 and "CSRF" in response.text
    assert _messages(db) == before


def test_the_form_opens_on_the_phone_and_now(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="coordinator"))
    page = client.get("/staff/entry").text
    options = re.findall(
        r'<option value="(\w+)" ?(selected)?>([^<]+)</option>', page.split('id="channel"')[1].split("</select>")[0]
    )
    assert [(code, name) for code, _sel, name in options] == [
        ("phone", "电话"), ("letter", "信件"), ("visit", "来访"), ("website", "网站"), ("online", "网络民意"),
        ("interview", "在线访谈"),
    ]  # fmt: skip
    assert [sel for _code, sel, _name in options] == ["selected", "", "", "", "", ""]
    received = re.search(r'id="received_at" name="received_at" required value="([^"]+)"', page)
    assert received and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", received[1])


def test_every_invalid_field_comes_back_at_once_with_what_was_typed(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="coordinator"))
    before = _messages(db)
    response = _enter(client, title="短", contact_phone="abc", channel="fax", received_at="2999-01-01T08:00")
    assert response.status_code == 422
    assert "有 4 处需要修改" in response.text
    for field in ("title", "contact_phone", "channel", "received_at"):
        assert f'id="{field}-error"' in response.text and f'id="{field}" ' in response.text
    assert FORM["body"] in response.text and 'value="王阿姨"' in response.text  # nothing typed is lost
    assert _messages(db) == before


def test_an_entry_is_confirmed_with_its_number_and_tracking_link(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    f.login(client, coordinator)
    queued: list[int] = []
    app_state(client.app).jobs = type("Jobs", (), {"analyse": staticmethod(queued.append)})()
    response = _enter(client)
    assert response.status_code == 200, response.text
    case_no = int(re.search(r'id="case-no">(\d+)<', response.text)[1])
    link = re.search(r'id="track-link" value="(http://testserver/track/[^"]+)"', response.text)[1]
    assert 'id="copy-link"' in response.text and "未配置邮件发送" in response.text
    message = db.scalar(select(Message).where(Message.id == queued[0]))  # analysed like a web message
    assert (message.channel, message.source, message.title) == ("phone", "staff", FORM["title"])
    track = client.get(link.removeprefix("http://testserver"))
    assert track.status_code == 200 and FORM["title"] in track.text
    staff_page = client.get(f"/staff/cases/{case_no}").text
    assert re.search(r'id="channel">电话<', staff_page) and "代录入" in staff_page
    assert coordinator.display_name in staff_page  # who entered it, in the staff history
    client.post("/staff/logout", data={"csrf_token": f.csrf(client)})
    public = client.get(f"/cases/{case_no}").text
    for hidden in (coordinator.display_name, "代录入", "受理渠道", "13912345678", "王阿姨"):
        assert hidden not in public
    assert FORM["title"] in public and FORM["title"] in client.get("/board").text


def test_a_form_sent_twice_is_stored_once(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="coordinator"))
    data = _page_form(client) | FORM
    assert client.post("/staff/entry", data=data).status_code == 200
    again = client.post("/staff/entry", data=data)
    assert again.status_code == 409 and "请勿重复提交" in again.text


def test_the_link_is_emailed_when_email_is_configured(client: TestClient, db: Session) -> None:
    state = app_state(client.app)
    state.settings = replace(state.settings, smtp_host="smtp.example.cn")
    f.login(client, f.user(db, role="coordinator"))
    response = _enter(client, contact_email="wang@example.cn")
    assert "已加入邮件发送队列" in response.text and "wang@example.cn" in response.text


def test_the_work_list_filters_by_channel(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    web = f.message(db, title="网上留言的路灯问题").case.id
    phone = f.entered(db, coordinator, title="电话反映的噪音问题").submission.case.id
    letter = f.entered(db, coordinator, title="来信反映的积水问题", channel="letter").submission.case.id
    f.login(client, coordinator)

    def listed(query: str) -> set[int]:
        page = client.get(f"/staff/inbox?{query}")
        assert page.status_code == 200
        return {int(n) for n in re.findall(r'data-case="(\d+)"', page.text)}

    assert {web, phone, letter} <= listed("")
    assert listed("channel=phone") == {phone} and listed("channel=letter") == {letter}
    assert web in listed("channel=website") and phone not in listed("channel=website")
    assert 'data-channel="phone"' in client.get("/staff/inbox").text  # the row says how it came in
    bad = client.get("/staff/inbox?channel=fax")
    assert bad.status_code == 422 and "受理渠道" in bad.text
    api = client.get("/api/v1/staff/inbox", params={"channel": "letter"})
    assert api.status_code == 401  # the API takes tokens, not cookies: the filter is the same (list_filters)


def test_the_admin_audit_trail_names_the_entry(client: TestClient, db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    case = f.entered(db, coordinator).submission.case
    f.login(client, f.user(db, role="admin"))
    page = client.get("/staff/admin/security").text
    assert "代录入留言" in page and f"办件 {case.id}（电话）" in page and coordinator.username in page


def test_staff_api_shows_the_channel(client: TestClient, db: Session) -> None:
    coordinator: User = f.user(db, role="coordinator")
    case = f.entered(db, coordinator, channel="visit").submission.case
    token = client.post("/api/v1/auth/token", json={"username": coordinator.username, "password": f.PASSWORD}).json()[
        "token"
    ]
    detail = client.get(f"/api/v1/staff/cases/{case.id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert (detail["channel"], detail["channel_name"]) == ("visit", "来访")
    assert "channel" not in client.get(f"/api/v1/cases/{case.id}").json()  # the public shape has none


def test_a_citizen_cannot_claim_another_channel(client: TestClient, db: Session) -> None:
    """The citizen's form and API store 网站 whatever they send: the channel is the staff's to record."""
    fields = {k: v for k, v in FORM.items() if k != "is_public"}
    form = client.post("/messages", data=fields | {"channel": "visit", "csrf_token": f.csrf(client)})
    assert form.status_code == 200
    api = client.post(
        "/api/v1/messages", json={k: v for k, v in fields.items() if k != "channel"} | {"channel": "visit"}
    )
    assert api.status_code == 422  # an unknown field (extra="forbid")
    channels = set(db.scalars(select(Message.channel).where(Message.title == FORM["title"])))
    assert channels == {"website"}
