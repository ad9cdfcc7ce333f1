"""Staff work lists: triage (coordinator), the department's cases (handler), deadlines and complaints
(supervisor) — search, filters, pages — and their 台账 exports (CSV, XLSX), each export audited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from minyi.accounts.models import User
from minyi.console.services import ShownAnalysis
from minyi.core.clock import china_today
from minyi.core.db import transaction
from minyi.core.errors import NotFound, PermissionDenied
from minyi.departments.services import department_menu
from minyi.jurisdictions.services import narrow_scope, scope_path
from minyi.knowledge.services import stale_count
from minyi.web.deps import CoordinatorUser, HandlerUser, SessionDep, StaffUser, SupervisorUser
from minyi.web.state import app_state
from minyi.web.templating import render
from minyi.workflow import inbox, ledger, review
from minyi.workflow.list_filters import ListFilters, parse_list_filters

router = APIRouter(prefix="/staff")
PAGES = {"triage": "/staff/inbox", "department": "/staff/department", "deadlines": "/staff/supervise"}
PAGES["complaints"] = "/staff/complaints"


def list_filters(request: Request, user: User, name: str) -> ListFilters:
    """The request's filters for list `name`; a handler's list is always their own department's."""
    if user.role not in inbox.LIST_ROLES.get(name, ()):
        raise PermissionDenied("您的角色无权查看此列表")
    filters = parse_list_filters(dict(request.query_params))
    return replace(filters, department_id=None) if name == "department" else filters


def list_scope(db: Session, user: User, filters: ListFilters) -> str:
    """The jurisdictions a list shows: the user's and those below it, or the one of them chosen by `?j=`."""
    return narrow_scope(db, scope_path(user.jurisdiction), filters.j)


def _page(request: Request, db: Session, user: User, name: str, extra: dict[str, Any] | None = None) -> Response:
    filters = list_filters(request, user, name)
    department_id = user.own_department_id if name == "department" else None
    scope = list_scope(db, user, filters)
    work = inbox.work_list(db, name=name, filters=filters, department_id=department_id, scope=scope)
    menu = department_menu(db, active_only=True, scope=scope)  # the departments of the list's jurisdictions
    context = {"work": work, "list_url": PAGES[name], "departments": menu}
    if name == "triage":  # suggestions of each case's level only (minyi.workflow.levels)
        context["shown_analyses"] = ShownAnalysis.of_page(db, [(r.case, r.analysis) for r in work.rows])
    return render(request, f"staff/{name}.html", context | (extra or {}))


@router.get("/inbox")
def coordinator_inbox(request: Request, db: SessionDep, user: CoordinatorUser) -> Response:
    """New and returned messages to triage (any case with a status filter), and how many wait for review."""
    return _page(
        request, db, user, "triage", {"pending_review": review.pending_count(db, scope=scope_path(user.jurisdiction))}
    )


@router.get("/department")
def department_inbox(request: Request, db: SessionDep, user: HandlerUser) -> Response:
    """The handler's department's cases."""
    return _page(request, db, user, "department", {"kb_stale": stale_count(db, department_id=user.department_id)})


@router.get("/supervise")
def supervise(request: Request, db: SessionDep, user: SupervisorUser) -> Response:
    """Overdue and near-deadline cases across departments, and pending extensions."""
    extensions = inbox.pending_extension_rows(db, scope=scope_path(user.jurisdiction))
    return _page(request, db, user, "deadlines", {"extensions": extensions})


@router.get("/complaints")
def complaints(request: Request, db: SessionDep, user: SupervisorUser) -> Response:
    """Cases rated 不满意 or reopened (重办)."""
    return _page(request, db, user, "complaints")


def export_audit(request: Request) -> Iterator[list[Callable[[Session], None]]]:
    """Audit writes noted by an export route, done in their own write transaction once the route has returned
    (declared before `SessionDep`, so that the read transaction has ended); when they fail, no file is sent."""
    pending: list[Callable[[Session], None]] = []
    yield pending
    if pending:
        with transaction(app_state(request).session_factory) as session:
            for write in pending:
                write(session)


ExportAuditDep = Annotated[list[Callable[[Session], None]], Depends(export_audit, scope="function")]


@router.get("/export/{name}.{fmt}")
def export(audit: ExportAuditDep, request: Request, db: SessionDep, user: StaffUser, name: str, fmt: str) -> Response:
    """The filtered list as a 台账 (`csv` or `xlsx`), up to 10,000 rows; the export is recorded in the audit log."""
    if name not in inbox.LIST_NAMES or fmt not in ledger.FORMATS:
        raise NotFound("没有这种台账")
    filters = list_filters(request, user, name)
    department_id = user.own_department_id if name == "department" else None
    scope = list_scope(db, user, filters)
    rows = inbox.export_cases(db, name=name, filters=filters, department_id=department_id, scope=scope)
    body = ledger.export(rows, name=name, fmt=fmt)
    audit.append(
        lambda s: ledger.record_export(
            s, user=s.get(User, user.id) or user, name=name, filters=filters, rows=len(rows), fmt=fmt
        )
    )
    filename = f"{inbox.LIST_NAMES[name]}台账-{china_today().isoformat()}.{fmt}"
    disposition = f"attachment; filename=\"worklist.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=ledger.FORMATS[fmt], headers={"Content-Disposition": disposition})
