"""Citizens' requests to correct or delete their contact data: asked, applied or declined, each logged."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from minyi.messages.models import Message, MessageContact
from minyi.privacy import services as privacy
from minyi.workflow.models import Case, CaseEvent
from tests import factories as f


def _events(db: Session, case: Case) -> dict[str, CaseEvent]:
    return {e.kind: e for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))}


def _coordinator(db: Session) -> f.Actor:
    return f.actor(f.user(db, role="coordinator"))


def test_a_correction_is_asked_then_applied_with_events_and_no_personal_data_in_them(db: Session) -> None:
    case = f.message(db).case
    request = f.contact_request(db, case, phone="13900139000", email="new@example.cn")
    assert (request.status, request.fields) == ("pending", ["phone", "email"])
    asked = _events(db, case)["contact_request"]
    assert not asked.is_public and asked.actor_label == "留言人"
    assert asked.data == {"request_id": request.id, "kind": "correct", "fields": ["phone", "email"]}

    privacy.apply_request(db, actor=_coordinator(db), request_id=request.id)
    contact = db.get(MessageContact, case.message_id)
    assert (contact.name, contact.phone, contact.email) == ("张三", "13900139000", "new@example.cn")
    assert request.status == "applied" and request.decided_at is not None
    assert (request.new_phone, request.new_email) == ("", "")  # not kept twice once copied
    corrected = _events(db, case)["contact_corrected"]
    assert corrected.data == {"request_id": request.id, "fields": ["phone", "email"]} and not corrected.is_public
    assert "13900139000" not in repr(corrected.data) + corrected.reason


def test_a_deletion_erases_the_contact_and_keeps_the_message(db: Session) -> None:
    sub = f.message(db)
    request = f.contact_request(db, sub.case, kind="delete")
    privacy.apply_request(db, actor=_coordinator(db), request_id=request.id)
    contact = db.get(MessageContact, sub.message.id)
    assert (contact.name, contact.phone, contact.email, contact.address) == ("", "", "", "")
    assert contact.erased_at is not None and contact.erasure_reason == "request"
    assert _events(db, sub.case)["contact_erased"].data == {"reason": "request", "request_id": request.id}
    assert db.get(Message, sub.message.id).body.startswith("幸福路小区")
    assert privacy.masked_contact(sub.case) == {}
    with pytest.raises(InvalidTransition):  # nothing left to ask about
        f.contact_request(db, sub.case, kind="delete")


def test_a_declined_request_keeps_the_contact_and_tells_why(db: Session) -> None:
    case = f.message(db).case
    request = f.contact_request(db, case)
    coordinator = _coordinator(db)
    with pytest.raises(ValidationFailed):
        privacy.decline_request(db, actor=coordinator, request_id=request.id, reason="不")
    privacy.decline_request(db, actor=coordinator, request_id=request.id, reason="新号码与本人身份无法核实")
    assert db.get(MessageContact, case.message_id).phone == "13800138000"
    assert (request.status, request.decision_reason, request.new_phone) == ("declined", "新号码与本人身份无法核实", "")
    assert _events(db, case)["contact_request_declined"].reason == "新号码与本人身份无法核实"
    with pytest.raises(InvalidTransition):
        privacy.apply_request(db, actor=coordinator, request_id=request.id)


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("erase", {}, "kind"),
        ("", {}, "kind"),
        ("correct", {}, "contact_name"),
        ("correct", {"contact_phone": "call me"}, "contact_phone"),
        ("correct", {"contact_email": "not-an-email"}, "contact_email"),
        ("correct", {"contact_name": "张" * 51}, "contact_name"),
        ("correct", {"contact_address": "路\x00"}, "contact_address"),
        ("correct", {"contact_phone": ["139"]}, "contact_phone"),
    ],
)
def test_bad_requests_are_refused_with_the_field(db: Session, kind: str, values: dict, field: str) -> None:
    case = f.message(db).case
    with pytest.raises(ValidationFailed) as error:
        privacy.request_change(db, case=case, kind=kind, values=values)
    assert error.value.field == field
    assert privacy.requests_of_case(db, case_id=case.id) == []


def test_one_pending_request_at_a_time_and_none_without_contact(db: Session) -> None:
    case = f.message(db).case
    f.contact_request(db, case)
    with pytest.raises(Conflict):
        f.contact_request(db, case, kind="delete")
    anonymous = f.message(db, contact_name="", contact_phone="").case
    with pytest.raises(InvalidTransition):
        f.contact_request(db, anonymous)
    with pytest.raises(ValidationFailed):
        privacy.request_change(db, case=case, kind="delete", note="长" * 501)


def test_only_coordinators_and_admins_decide(db: Session) -> None:
    dept = f.department(db)
    case = f.message(db).case
    request = f.contact_request(db, case)
    for role in ("handler", "supervisor"):
        staff = f.actor(f.user(db, role=role, dept=dept if role == "handler" else None))
        with pytest.raises(PermissionDenied):
            privacy.apply_request(db, actor=staff, request_id=request.id)
        with pytest.raises(PermissionDenied):
            privacy.pending_requests(db, actor=staff)
    admin = f.actor(f.user(db, role="admin"))
    assert [r.id for r in privacy.pending_requests(db, actor=admin).items] == [request.id]
    for bad in ("abc", "0", str(2**70)):
        with pytest.raises(NotFound):
            privacy.get_request(db, actor=admin, request_id=bad)
    with pytest.raises(ValidationFailed):
        privacy.pending_requests(db, actor=admin, page="x")


def test_a_correction_after_the_contact_was_erased_cannot_be_applied(db: Session) -> None:
    case = f.message(db).case
    correction = f.contact_request(db, case)
    privacy.erase_contact(db, case=case, actor=f.actor(f.user(db, role="admin")))
    with pytest.raises(InvalidTransition):
        privacy.apply_request(db, actor=_coordinator(db), request_id=correction.id)


def test_the_citizen_sees_masked_values_only(db: Session) -> None:
    case = f.message(db, contact_email="zhangsan@example.cn", contact_address="幸福路 12 号").case
    shown = privacy.masked_contact(case)
    assert shown == {"姓名": "张*", "电话": "138****00", "电子邮箱": "z***@example.cn", "联系地址": "幸******"}
