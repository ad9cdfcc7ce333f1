"""The citizen's tracking link over HTTP: shown with a copy button and a QR code, sent to the e-mail and phone
given, found again with the case number, the contact and a one-time code; replies e-mailed."""

from __future__ import annotations

import re
from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.notifications import services as notes
from minyi.notifications.models import Delivery, Notice
from minyi.web.state import app_state
from tests import factories as f

FORM = {
    "title": "小区电梯经常停运",
    "body": "幸福小区三号楼电梯这个月已经停了五次，老人上下楼很困难，请督促物业尽快修好。",
    "appeal_kind": "complaint",
    "domain": "城乡建设",
    "place_text": "幸福小区",
    "is_public": "on",
    "contact_name": "王五",
    "contact_phone": "13812345678",
    "contact_email": "wangwu@example.cn",
}
SMS = {
    "sms_provider": "aliyun",
    "sms_access_key_id": "id",
    "sms_access_key_secret": "secret",
    "sms_sign_name": "民意",
    "sms_template_code": "SMS_1",
    "sms_template_link": "SMS_2",
}


def _configure(client: TestClient, **values: object) -> None:
    state = app_state(client.app)
    state.settings = replace(state.settings, public_url="https://minyi.example.gov.cn", **values)  # type: ignore[arg-type]


def _submit(client: TestClient, key: str, **overrides: str) -> str:
    data = FORM | overrides | {"csrf_token": f.csrf(client), "submission_key": key}
    response = client.post("/messages", data=data)
    assert response.status_code == 200, response.text
    return response.text


def test_the_link_is_shown_with_copy_and_qr_and_queued_to_the_email_and_phone_given(
    client: TestClient, db: Session
) -> None:
    _configure(client, smtp_host="smtp.example.org", **SMS)
    page = _submit(client, "track-link-key-1")
    link = re.search(r'id="track-link" value="(https://minyi\.example\.gov\.cn/track/[A-Za-z0-9_-]+)"', page)
    assert link is not None and 'id="copy-link"' in page and 'src="data:image/svg+xml;base64,' in page
    assert "电子邮箱和手机（短信）" in page and 'href="/track"' in page
    notice = db.scalar(select(Notice).where(Notice.kind == notes.TRACKING_LINK))
    assert notice is not None and link[1] in notice.body
    deliveries = {(d.channel, d.recipient) for d in db.scalars(select(Delivery).where(Delivery.notice_id == notice.id))}
    assert deliveries == {("email", "wangwu@example.cn"), ("sms", "13812345678")}


def test_nothing_is_queued_without_channels_or_without_contact(client: TestClient, db: Session) -> None:
    page = _submit(client, "track-link-key-2")
    assert "加入发送队列" not in page
    _configure(client, smtp_host="smtp.example.org", **SMS)
    _submit(client, "track-link-key-3", contact_email="", contact_phone="0731-84561234")  # a landline: no text
    assert db.scalar(select(Delivery.id)) is None


def test_a_lost_link_is_found_again_with_a_code_and_the_old_link_dies(client: TestClient, db: Session) -> None:
    _configure(client, **SMS)
    page = _submit(client, "track-link-key-4")
    old = re.search(r'href="(/track/[A-Za-z0-9_-]+)"', page)[1]  # type: ignore[index]
    number = re.search(r'id="case-no">(\d+)<', page)[1]  # type: ignore[index]
    assert client.get("/track").status_code == 200
    token = f.csrf(client)
    # a wrong contact: the same answer, nothing sent
    asked = client.post("/track/code", data={"case": number, "contact": "13900000000", "csrf_token": token})
    assert asked.status_code == 200 and "如果编号与联系方式相符" in asked.text
    assert db.scalar(select(Notice).where(Notice.kind == notes.TRACKING_CODE)) is None
    asked = client.post("/track/code", data={"case": number, "contact": "138 1234 5678", "csrf_token": token})
    assert asked.status_code == 200 and "如果编号与联系方式相符" in asked.text
    code_notice = db.scalar(select(Notice).where(Notice.kind == notes.TRACKING_CODE))
    assert code_notice is not None
    code = code_notice.body.rsplit("\n", 1)[-1]
    assert re.fullmatch(r"\d{6}", code)
    [delivery] = db.scalars(select(Delivery).where(Delivery.notice_id == code_notice.id)).all()
    assert (delivery.channel, delivery.recipient) == ("sms", "13812345678")
    wrong = client.post(
        "/track/verify", data={"case": number, "contact": "13812345678", "code": "000000", "csrf_token": token}
    )
    assert wrong.status_code == 422 and "验证码不正确" in wrong.text
    right = client.post(
        "/track/verify",
        data={"case": number, "contact": "13812345678", "code": code, "csrf_token": token},
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"].endswith("?renewed=1")
    new_page = client.get(right.headers["location"])
    assert new_page.status_code == 200 and "这是您的新查询链接" in new_page.text
    assert client.get(old).status_code == 404
    again = client.post(
        "/track/verify", data={"case": number, "contact": "13812345678", "code": code, "csrf_token": token}
    )
    assert again.status_code == 422


def test_the_lookup_says_so_when_nothing_can_be_sent_and_checks_its_input(client: TestClient) -> None:
    page = client.get("/track")
    assert "尚未开通短信或邮件发送" in page.text and "lookup-ask" not in page.text
    _configure(client, smtp_host="smtp.example.org")
    bad = client.post("/track/code", data={"case": "abc", "contact": "x", "csrf_token": f.csrf(client)})
    assert bad.status_code == 422 and "留言编号" in bad.text
    no_csrf = client.post("/track/code", data={"case": "1", "contact": "13812345678"})
    assert no_csrf.status_code == 403


def test_a_reply_is_emailed_to_the_citizen_with_where_to_find_the_link(client: TestClient, db: Session) -> None:
    _configure(client, smtp_host="smtp.example.org")
    dept = f.department(db, name="市住建局")
    sub, _coordinator, handler = f.case_in_progress(db, dept, contact_email="zhao@example.cn")
    f.login(client, handler)
    response = client.post(
        f"/staff/cases/{sub.case.id}/actions/reply",
        data={"body": "经核实，电梯已更换主板，今日恢复运行。联系人张工 13800001111。", "csrf_token": f.csrf(client)},
    )
    assert response.status_code in (200, 303)
    notice = db.scalar(select(Notice).where(Notice.kind == notes.CITIZEN_REPLY))
    assert notice is not None and "电梯已更换主板" in notice.body
    assert "https://minyi.example.gov.cn/track" in notice.body
    assert "13800001111" not in notice.body  # the reply as the public sees it: personal data masked
    [delivery] = db.scalars(select(Delivery).where(Delivery.notice_id == notice.id)).all()
    assert (delivery.channel, delivery.recipient) == ("email", "zhao@example.cn")


def test_the_lookup_names_only_the_channels_that_can_carry_a_code(client: TestClient) -> None:
    _configure(client, smtp_host="smtp.example.org")
    page = client.get("/track").text
    assert "留言时留下的电子邮箱，我们会" in page and "手机号" not in page
    _configure(client, smtp_host="smtp.example.org", **SMS)
    assert "留言时留下的手机号或电子邮箱，我们会" in client.get("/track").text
