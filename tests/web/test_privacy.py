"""Contact data over HTTP: the citizen's requests, the coordinator's decisions, the audit of every staff view."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.messages.models import MessageContact
from minyi.privacy.models import ContactAccess, ContactRequest
from minyi.web.routes import privacy
from minyi.workflow.models import CaseEvent
from tests import factories as f


def _access(db: Session) -> list[ContactAccess]:
    db.expire_all()
    return list(db.scalars(select(ContactAccess).order_by(ContactAccess.id)))


def _ask(client: TestClient, token: str, **data: str) -> object:
    return client.post(f"/track/{token}/contact", data={"csrf_token": f.csrf(client), **data}, follow_redirects=False)


def test_the_citizen_asks_and_sees_the_outcome_on_the_tracking_page(client: TestClient, db: Session) -> None:
    sub = f.message(db)
    page = client.get(f"/track/{sub.tracking_token}").text
    assert "138****00" in page and "13800138000" not in page and "申请更正" in page
    response = _ask(client, sub.tracking_token, kind="correct", contact_phone="13900139000", note="换号了")
    assert response.status_code == 303 and response.headers["location"].endswith("#contact")
    page = client.get(f"/track/{sub.tracking_token}").text
    assert "待处理" in page and 'id="form-contact-correct"' not in page  # one pending request at a time

    coordinator = f.user(db, role="coordinator")
    f.login(client, coordinator)
    listing = client.get("/staff/privacy/requests").text
    request = db.scalar(select(ContactRequest).where(ContactRequest.case_id == sub.case.id))
    assert f"/staff/privacy/requests/{request.id}" in listing and "13900139000" not in listing
    detail = client.get(f"/staff/privacy/requests/{request.id}").text
    assert "13900139000" in detail and "13800138000" in detail and "换号了" in detail
    done = client.post(
        f"/staff/privacy/requests/{request.id}/apply", data={"csrf_token": f.csrf(client)}, follow_redirects=False
    )
    assert done.status_code == 303
    db.expire_all()
    assert db.get(MessageContact, sub.message.id).phone == "13900139000"
    assert "已办理" in client.get(f"/track/{sub.tracking_token}").text
    kinds = set(db.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == sub.case.id)))
    assert {"contact_request", "contact_corrected"} <= kinds
    assert [(a.user_id, a.case_id, a.what) for a in _access(db)] == [(coordinator.id, sub.case.id, "request_review")]


def test_a_declined_deletion_shows_its_reason_and_an_applied_one_erases(client: TestClient, db: Session) -> None:
    first, second = f.message(db), f.message(db)
    f.login(client, f.user(db, role="admin"))
    assert _ask(client, first.tracking_token, kind="delete").status_code == 303
    assert _ask(client, second.tracking_token, kind="delete").status_code == 303
    one, two = (
        db.scalar(select(ContactRequest.id).where(ContactRequest.case_id == s.case.id)) for s in (first, second)
    )
    short = client.post(f"/staff/privacy/requests/{one}/decline", data={"csrf_token": f.csrf(client), "reason": ""})
    assert short.status_code == 422 and "不予办理的理由" in short.text
    client.post(
        f"/staff/privacy/requests/{one}/decline",
        data={"csrf_token": f.csrf(client), "reason": "该办件仍在办理，需保留联系方式"},
    )
    assert "该办件仍在办理，需保留联系方式" in client.get(f"/track/{first.tracking_token}").text
    client.post(f"/staff/privacy/requests/{two}/apply", data={"csrf_token": f.csrf(client)})
    assert "您的联系方式已删除" in client.get(f"/track/{second.tracking_token}").text
    staff_page = client.get(f"/staff/cases/{second.case.id}").text
    assert 'id="contact-erased"' in staff_page and "13800138000" not in staff_page
    again = client.post(f"/staff/privacy/requests/{two}/apply", data={"csrf_token": f.csrf(client)})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "correct", "contact_phone": "abc"}, "电话号码格式不正确"),
        ({"kind": "correct"}, "请至少填写一项"),
        ({"kind": "wipe"}, "申请类型"),
        ({"kind": "correct", "contact_email": "x" * 300}, "电子邮箱最多"),
        ({"kind": "delete", "note": "请删除\x01"}, "控制字符"),
    ],
)
def test_bad_requests_answer_a_clear_error_and_store_nothing(
    client: TestClient, db: Session, data: dict, message: str
) -> None:
    sub = f.message(db)
    response = _ask(client, sub.tracking_token, **data)
    assert response.status_code in {400, 422} and message in response.text
    assert db.scalar(select(ContactRequest.id).where(ContactRequest.case_id == sub.case.id)) is None


def test_requests_need_the_forms_token_and_a_real_link(client: TestClient, db: Session) -> None:
    sub = f.message(db)
    f.csrf(client)
    forged = client.post(f"/track/{sub.tracking_token}/contact", data={"kind": "delete"})
    assert forged.status_code == 403
    assert _ask(client, "x" * 30, kind="delete").status_code == 404
    assert db.scalar(select(ContactRequest.id)) is None


def test_anonymous_visitors_and_other_roles_cannot_reach_requests_or_the_audit_log(
    client: TestClient, db: Session
) -> None:
    dept = f.department(db)
    request = f.contact_request(db, f.message(db).case)
    staff_pages = ("/staff/privacy/requests", f"/staff/privacy/requests/{request.id}")
    for path in (*staff_pages, "/staff/admin/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/staff/login" in response.headers["location"]
    posted = client.post(
        f"/staff/privacy/requests/{request.id}/apply", data={"csrf_token": f.csrf(client)}, follow_redirects=False
    )
    assert posted.status_code == 303 and "/staff/login" in posted.headers["location"]
    for role in ("handler", "supervisor"):
        f.login(client, f.user(db, role=role, dept=dept if role == "handler" else None))
        for path in (*staff_pages, "/staff/admin/audit"):
            assert client.get(path).status_code == 403, (role, path)
        assert (
            client.post(f"/staff/privacy/requests/{request.id}/apply", data={"csrf_token": f.csrf(client)}).status_code
            == 403
        )
    f.login(client, f.user(db, role="coordinator"))
    assert client.get("/staff/admin/audit").status_code == 403
    assert client.get(staff_pages[0]).status_code == 200
    db.expire_all()
    assert db.get(ContactRequest, request.id).status == "pending"
    assert _access(db) == [a for a in _access(db) if a.what == "request_review"]


def test_every_staff_view_of_contact_data_is_audited(client: TestClient, db: Session) -> None:
    dept, other = f.department(db), f.department(db)
    sub, _coordinator, handler = f.case_in_progress(db, dept)
    outsider = f.user(db, role="handler", dept=other)
    no_contact = f.message(db, contact_name="", contact_phone="").case
    f.login(client, outsider)
    assert client.get(f"/staff/cases/{sub.case.id}").status_code == 403
    assert _access(db) == []  # refused: nothing shown, nothing recorded
    f.login(client, handler)
    assert "13800138000" in client.get(f"/staff/cases/{sub.case.id}").text
    token = client.post("/api/v1/auth/token", json={"username": handler.username, "password": f.PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    assert client.get(f"/api/v1/staff/cases/{sub.case.id}", headers=headers).json()["contact"]["phone"]
    admin = f.user(db, role="admin")
    f.login(client, admin)
    client.get(f"/staff/cases/{no_contact.id}")  # nothing to show: nothing to record
    rows = _access(db)
    assert [(a.user_id, a.case_id, a.what, a.fields, a.route) for a in rows] == [
        (handler.id, sub.case.id, "case_page", "name,phone", "GET /staff/cases/{case_id}"),
        (handler.id, sub.case.id, "api_case", "name,phone", "GET /api/v1/staff/cases/{case_id}"),
    ]
    page = client.get("/staff/admin/audit").text
    assert page.count("data-access=") == 2 and handler.username in page and "13800138000" not in page
    assert client.get(f"/staff/admin/audit?user={handler.username}").text.count("data-access=") == 2
    assert client.get(f"/staff/admin/audit?user={admin.username}").text.count("data-access=") == 0
    assert client.get(f"/staff/admin/audit?case_id={no_contact.id}").text.count("data-access=") == 0
    for bad in ("case_id=abc", f"case_id={2**70}", "page=0", "user=" + "u" * 65):
        assert client.get(f"/staff/admin/audit?{bad}").status_code == 422, bad


def test_the_audit_log_is_paged_newest_first(client: TestClient, db: Session) -> None:
    from minyi.privacy import audit

    admin = f.user(db, role="admin")
    case = f.message(db).case
    entries = [
        audit.access(user_id=admin.id, case_id=case.id, what="case_page", fields=["phone"], route=f"r{i}")
        for i in range(audit.PER_PAGE + 3)
    ]
    audit.record_access(db, entries=entries)
    f.login(client, admin)
    first = client.get("/staff/admin/audit").text
    assert first.count("data-access=") == audit.PER_PAGE and f"r{audit.PER_PAGE + 2}<" in first and "较早" in first
    second = client.get("/staff/admin/audit?page=2").text
    assert second.count("data-access=") == 3 and "r0<" in second and "较早" not in second


def test_every_privacy_form_requires_csrf(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="admin"))
    posts = [r.path for r in privacy.router.routes if "POST" in r.methods]
    assert len(posts) == 3
    for path in posts:
        url = re.sub(r"\{[a-z_]+\}", "1", path.replace("{token}", "x" * 32))
        assert client.post(url, data={"csrf_token": "wrong"}).status_code == 403, path
