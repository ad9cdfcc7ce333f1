"""Turn service results into the API's JSON shapes; the public ones never carry contact data."""

from __future__ import annotations

from minyi.messages.channels import channel_name
from minyi.messages.display import public_display, strip_invisible
from minyi.workflow.deadlines import deadline_info
from minyi.workflow.inbox import InboxRow, WorkList
from minyi.workflow.models import Case, CaseEvent
from minyi.workflow.schemas import (
    Contact,
    InboxItem,
    InboxPage,
    PublicCase,
    PublicCaseDetail,
    PublicEvent,
    PublicRating,
    PublicReply,
    StaffCase,
    StaffEvent,
)
from minyi.workflow.states import EVENT_LABELS, PUBLIC_REASON_EVENTS, STATUS_NAMES
from minyi.workflow.views import CaseView


def public_reason_of(event: CaseEvent) -> str:
    """The reason of an event as the public sees it: masked when it is public text, nothing for a staff note."""
    return public_display(event.reason) if event.kind in PUBLIC_REASON_EVENTS else ""


def public_case(case: Case, *, mask: bool = True) -> PublicCase:
    """A board row; personal data in the text is masked unless `mask` is False (staff); controls always removed."""
    msg = case.message
    clean = public_display if mask else strip_invisible
    return PublicCase(
        id=case.id,
        title=clean(msg.title),
        appeal_kind=msg.appeal_kind,
        domain=msg.domain,
        place_text=clean(msg.place_text),
        status=case.status,
        status_name=STATUS_NAMES[case.status],
        department=case.department.name if case.department else None,
        deadline=case.deadline,
        created_at=msg.created_at,
        supports=case.supports,
    )


def _detail_fields(view: CaseView, *, mask: bool) -> dict:
    clean = public_display if mask else strip_invisible
    return public_case(view.case, mask=mask).model_dump() | {
        "body": clean(view.case.message.body),
        "public_reason": clean(view.case.public_reason),
        "merged_into_id": view.case.merged_into_id,
        "events": [
            PublicEvent(
                kind=e.kind,
                label=EVENT_LABELS.get(e.kind, e.kind),
                status=e.to_status,
                reason=public_reason_of(e) if mask else e.reason,
                created_at=e.created_at,
            )
            for e in view.events
            if e.is_public
        ],
        "replies": [
            PublicReply(
                department=r.department.name if r.department else None, body=clean(r.body), created_at=r.created_at
            )
            for r in view.replies
        ],
        "ratings": [
            PublicRating(level=r.level, comment=clean(r.comment), created_at=r.created_at) for r in view.ratings
        ],
    }


def public_detail(view: CaseView) -> PublicCaseDetail:
    """A public case page."""
    return PublicCaseDetail(**_detail_fields(view, mask=True))


def staff_detail(view: CaseView, analysis: dict | None) -> StaffCase:
    """A case with contact data and the full log, for staff."""
    msg = view.case.message
    contact = msg.contact
    return StaffCase(
        **_detail_fields(view, mask=False),
        is_public=msg.is_public,
        is_anonymous=msg.is_anonymous,
        channel=msg.channel,
        channel_name=channel_name(msg.channel),
        contact=Contact(name=contact.name, phone=contact.phone, email=contact.email, address=contact.address)
        if contact
        else None,
        overdue=deadline_info(view.case).overdue,
        log=[
            StaffEvent(
                kind=e.kind,
                from_status=e.from_status,
                to_status=e.to_status,
                actor=e.actor_label,
                reason=e.reason,
                is_public=e.is_public,
                data=e.data,
                created_at=e.created_at,
            )
            for e in view.events
        ],
        analysis=analysis,
        jurisdiction_id=view.case.jurisdiction_id,
        jurisdiction_reason=view.case.jurisdiction_reason,
    )


def inbox_item(row: InboxRow) -> InboxItem:
    """A work-list row."""
    case = row.case
    return InboxItem(
        id=case.id,
        title=strip_invisible(case.message.title),
        status=case.status,
        department=case.department.name if case.department else None,
        deadline=case.deadline,
        overdue=row.deadline.overdue,
        near_deadline=row.deadline.near,
        urgent=case.urgent,
        created_at=case.message.created_at,
    )


def inbox_page(work: WorkList) -> InboxPage:
    """A page of a work list with its total (exact up to 10,000)."""
    return InboxPage(
        name=work.name,
        items=[inbox_item(r) for r in work.rows],
        total=work.total,
        total_capped=work.capped,
        total_text=work.total_text,
        page=work.filters.page,
        per_page=work.filters.per_page,
        pages=work.pages,
    )
