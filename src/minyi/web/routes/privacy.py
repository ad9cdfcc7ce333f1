"""Contact data requests (citizen asks on the tracking page, coordinator decides) and the access audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from minyi.privacy import audit
from minyi.privacy import services as privacy
from minyi.privacy.models import ERASURE_REASONS, REQUEST_KINDS, REQUEST_STATUSES
from minyi.web.audit import ContactAuditDep
from minyi.web.deps import CoordinatorUser, RootAdminUser, SessionDep
from minyi.web.templating import render
from minyi.workflow import scope
from minyi.workflow.actors import Actor
from minyi.workflow.models import Case
from minyi.workflow.views import case_by_token

router = APIRouter()
LABELS = {
    "kinds": REQUEST_KINDS,
    "statuses": REQUEST_STATUSES,
    "field_names": privacy.FIELD_NAMES,
    "access_kinds": audit.ACCESS_KINDS,
    "erasure_reasons": ERASURE_REASONS,
}


def track_context(db: Session, case: Case) -> dict[str, Any]:
    """What the citizen's tracking page shows about their contact data: masked values, requests, outcomes."""
    return {
        "contact_masked": privacy.masked_contact(case),
        "contact_erased": case.message.contact is not None and case.message.contact.erased_at is not None,
        "contact_requests": privacy.requests_of_case(db, case_id=case.id),
        "privacy": LABELS,
    }


@router.post("/track/{token}/contact")
def ask(
    db: SessionDep,
    token: str,
    kind: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    contact_name: Annotated[str, Form()] = "",
    contact_phone: Annotated[str, Form()] = "",
    contact_email: Annotated[str, Form()] = "",
    contact_address: Annotated[str, Form()] = "",
) -> Response:
    """The citizen asks to correct or delete their contact data."""
    privacy.request_change(
        db,
        case=case_by_token(db, token),
        kind=kind,
        note=note,
        values={
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
            "contact_address": contact_address,
        },
    )
    return RedirectResponse(f"/track/{token}#contact", status_code=303)


@router.get("/staff/privacy/requests")
def requests(request: Request, db: SessionDep, user: CoordinatorUser, page: str = "1") -> Response:
    """Pending requests, oldest first (no contact data on this page)."""
    listing = privacy.pending_requests(db, actor=Actor.from_user(user), page=page)
    return render(request, "privacy/requests.html", {"listing": listing, **LABELS})


@router.get("/staff/privacy/requests/{request_id}")
def request_detail(
    request: Request, audit_log: ContactAuditDep, db: SessionDep, user: CoordinatorUser, request_id: str
) -> Response:
    """One request with the contact data it concerns (the view is audited)."""
    item = privacy.get_request(db, actor=Actor.from_user(user), request_id=request_id)
    audit_log.record(user=user, case=item.case, what="request_review")
    return render(request, "privacy/request.html", {"item": item, "contact": privacy.live_contact(item.case), **LABELS})


@router.post("/staff/privacy/requests/{request_id}/apply")
def apply(db: SessionDep, user: CoordinatorUser, request_id: str) -> Response:
    """Carry out the request."""
    privacy.apply_request(db, actor=Actor.from_user(user), request_id=request_id)
    return RedirectResponse("/staff/privacy/requests", status_code=303)


@router.post("/staff/privacy/requests/{request_id}/decline")
def decline(db: SessionDep, user: CoordinatorUser, request_id: str, reason: Annotated[str, Form()] = "") -> Response:
    """Refuse the request with a reason the citizen reads."""
    privacy.decline_request(db, actor=Actor.from_user(user), request_id=request_id, reason=reason)
    return RedirectResponse("/staff/privacy/requests", status_code=303)


@router.get("/staff/admin/audit")
def audit_log_page(request: Request, db: SessionDep, user: RootAdminUser) -> Response:
    """Who saw which case's contact data, when, from where: newest first, by user or case."""
    query = audit.parse_filters(dict(request.query_params))
    return render(
        request,
        "privacy/audit.html",
        {"page": audit.list_access(db, filters=query, scope=scope.of_user(user)), "filters": query, **LABELS},
    )
