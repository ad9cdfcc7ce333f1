"""A citizen's request to correct or delete their contact data, asked by tracking link and decided by staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.accounts.models import Role
from minyi.core.clock import utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from minyi.core.validation import choice_field, text_field
from minyi.messages.models import MessageContact
from minyi.messages.services import validate_contact  # the submission form's own rules
from minyi.privacy.models import REQUEST_KINDS, ContactRequest
from minyi.privacy.retention import CLEARED
from minyi.workflow.actors import Actor
from minyi.workflow.events import (
    ContactCorrectedPayload,
    ContactErasedPayload,
    ContactRequestDeclinedPayload,
    ContactRequestPayload,
)
from minyi.workflow.models import Case
from minyi.workflow.scope import case_ids_within
from minyi.workflow.services import in_jurisdiction, record_event

CONTACT_FIELDS = ("name", "phone", "email", "address")
FIELD_NAMES = {"name": "姓名", "phone": "电话", "email": "电子邮箱", "address": "联系地址"}
NOTE_MAX = 500
REASON_MAX = 500
PER_PAGE = 20
DECIDERS = frozenset({Role.COORDINATOR, Role.ADMIN})


def live_contact(case: Case) -> MessageContact | None:
    """The case's contact data if any is held (absent or erased: None)."""
    contact = case.message.contact
    if contact is None or contact.erased_at is not None:
        return None
    return contact if any(getattr(contact, f) for f in CONTACT_FIELDS) else None


def shown_fields(case: Case) -> list[str]:
    """The contact fields a staff page or answer about this case reveals (audited when not empty)."""
    contact = live_contact(case)
    return [f for f in CONTACT_FIELDS if contact is not None and getattr(contact, f)]


def _mask(field: str, value: str) -> str:
    if not value:
        return ""
    if field == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if field == "phone":
        return f"{value[:3]}****{value[-2:]}" if len(value) > 6 else "****"
    return value[:1] + "*" * min(len(value) - 1, 6)


def masked_contact(case: Case) -> dict[str, str]:
    """What the citizen's tracking page shows of their contact data: enough to recognise, not to read."""
    contact = live_contact(case)
    if contact is None:
        return {}
    return {FIELD_NAMES[f]: _mask(f, getattr(contact, f)) for f in CONTACT_FIELDS if getattr(contact, f)}


def request_change(
    session: Session, *, case: Case, kind: Any, values: dict[str, Any] | None = None, note: Any = ""
) -> ContactRequest:
    """The citizen asks to correct (new values) or delete their contact data; one pending request at a time."""
    kind = choice_field(kind, field="kind", label="申请类型", choices=REQUEST_KINDS)
    note = text_field(note, field="note", label="说明", max_len=NOTE_MAX, required=False).strip()
    if live_contact(case) is None:
        raise InvalidTransition("本留言没有保存联系方式（或已删除），无需申请")
    pending = session.scalar(
        select(ContactRequest.id).where(ContactRequest.case_id == case.id, ContactRequest.status == "pending")
    )
    if pending is not None:
        raise Conflict("已有一项待处理的申请，请等待工作人员处理")
    request = ContactRequest(case_id=case.id, kind=kind, status="pending", note=note, created_at=utcnow())
    if kind == "correct":
        new = validate_contact(values or {})  # contact_name, contact_phone, contact_email, contact_address
        request.fields = [f for f in CONTACT_FIELDS if new[f]]
        if not request.fields:
            raise ValidationFailed("请至少填写一项需要更正的联系方式", field="contact_name")
        for f in request.fields:
            setattr(request, f"new_{f}", new[f])
    else:
        request.fields = list(CONTACT_FIELDS)
    session.add(request)
    session.flush()
    record_event(
        session,
        case=case,
        actor=Actor.citizen(),
        from_status=case.status,
        to_status=case.status,
        public=False,
        payload=ContactRequestPayload(request_id=request.id, kind=kind, fields=tuple(request.fields)),
    )
    return request


def requests_of_case(session: Session, *, case_id: int) -> list[ContactRequest]:
    """A case's requests, newest first (the citizen sees each outcome on the tracking page)."""
    return list(
        session.scalars(
            select(ContactRequest)
            .where(ContactRequest.case_id == case_id)
            .order_by(ContactRequest.created_at.desc(), ContactRequest.id.desc())
        )
    )


@dataclass
class RequestPage:
    """One page of requests, oldest pending first."""

    items: list[ContactRequest]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """How many pages there are."""
        return max(1, -(-self.total // self.per_page))


def _ensure_decider(actor: Actor) -> None:
    if actor.role not in DECIDERS:
        raise PermissionDenied("只有受理员或管理员可以处理联系方式申请")


def pending_requests(session: Session, *, actor: Actor, page: Any = 1) -> RequestPage:
    """Pending requests of the cases within the actor's jurisdiction (and below), for coordinators and admins,
    oldest first, paged in SQL."""
    _ensure_decider(actor)
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        raise ValidationFailed("页码必须是正整数", field="page") from None
    if not 1 <= number <= 100000:
        raise ValidationFailed("页码必须是正整数", field="page")
    where = [ContactRequest.status == "pending", *case_ids_within(ContactRequest.case_id, actor.jurisdiction_path)]
    total = session.scalar(select(func.count()).select_from(ContactRequest).where(*where)) or 0
    rows = (
        session.scalars(
            select(ContactRequest)
            .where(*where)
            .order_by(ContactRequest.created_at, ContactRequest.id)
            .offset((number - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
        .unique()
        .all()
    )
    return RequestPage(items=list(rows), total=total, page=number)


def get_request(session: Session, *, actor: Actor, request_id: Any) -> ContactRequest:
    """One request, for a coordinator or admin of the case's jurisdiction (or one above it)."""
    _ensure_decider(actor)
    request = get_by_id(session, ContactRequest, request_id)
    if request is None:
        raise NotFound("申请不存在")
    if not in_jurisdiction(request.case, actor):
        raise PermissionDenied("该办件不属于您的辖区")
    return request


def _pending(session: Session, actor: Actor, request_id: Any) -> ContactRequest:
    request = get_request(session, actor=actor, request_id=request_id)
    if request.status != "pending":
        raise InvalidTransition("该申请已处理")
    return request


def _close(request: ContactRequest, *, actor: Actor, status: str, reason: str = "") -> None:
    request.status = status
    request.decision_reason = reason
    request.decided_by = actor.user_id
    request.decided_at = utcnow()
    for f in CONTACT_FIELDS:  # the requested values were personal data too: kept only while pending
        setattr(request, f"new_{f}", "")


def erase_contact(session: Session, *, case: Case, actor: Actor, request_id: int | None = None) -> bool:
    """Clear a case's contact data now, marked as erased at the citizen's request; False if nothing was held."""
    contact = live_contact(case)
    if contact is None:
        return False
    for f, value in CLEARED.items():
        setattr(contact, f, value)
    contact.erased_at = utcnow()
    contact.erasure_reason = "request"
    payload = ContactErasedPayload(reason="request", request_id=request_id)
    record_event(
        session, case=case, payload=payload, actor=actor, from_status=case.status, to_status=case.status, public=False
    )
    return True


def apply_request(session: Session, *, actor: Actor, request_id: Any) -> ContactRequest:
    """Carry out a pending request: the new values replace the old ones, or the contact data is erased."""
    request = _pending(session, actor, request_id)
    case = request.case
    if request.kind == "delete":
        erase_contact(session, case=case, actor=actor, request_id=request.id)
    else:
        contact = live_contact(case)
        if contact is None:
            raise InvalidTransition("联系方式已删除，无法更正；请以“不予办理”答复并说明")
        for f in request.fields:
            setattr(contact, f, getattr(request, f"new_{f}"))
        record_event(
            session,
            case=case,
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            public=False,
            payload=ContactCorrectedPayload(request_id=request.id, fields=tuple(request.fields)),
        )
    _close(request, actor=actor, status="applied")
    session.flush()
    return request


def decline_request(session: Session, *, actor: Actor, request_id: Any, reason: Any) -> ContactRequest:
    """Refuse a pending request with a reason the citizen will read."""
    request = _pending(session, actor, request_id)
    reason = text_field(reason, field="reason", label="不予办理的理由", max_len=REASON_MAX, min_len=5).strip()
    record_event(
        session,
        case=request.case,
        payload=ContactRequestDeclinedPayload(request_id=request.id),
        actor=actor,
        from_status=request.case.status,
        to_status=request.case.status,
        reason=reason,
        public=False,
    )
    _close(request, actor=actor, status="declined", reason=reason)
    session.flush()
    return request
