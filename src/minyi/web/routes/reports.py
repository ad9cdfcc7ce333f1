"""The periodic 民意 reports for supervisors: the list, a stored report, a live preview, generate now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from minyi.accounts.models import User
from minyi.core.errors import NotFound, ValidationFailed
from minyi.dashboard.services import JurisdictionView, jurisdiction_view
from minyi.jurisdictions.services import scope_path
from minyi.reports import services as reports
from minyi.reports.content import parse_period
from minyi.reports.render import render_html
from minyi.web.deps import SessionDep, SupervisorUser
from minyi.web.templating import render

router = APIRouter(prefix="/staff/reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The report is one self-contained printable document: its print CSS is inline.
DOCUMENT_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _document(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCUMENT_CSP})


def _view(db: SessionDep, user: User, raw: Any) -> JurisdictionView:
    """`j`: whose reports — a jurisdiction of the viewer's subtree (default their own; 403 outside it)."""
    return jurisdiction_view(db, viewer_path=scope_path(user.jurisdiction), raw=raw)


def _suffix(view: JurisdictionView) -> str:
    return "" if view.is_root else f"?j={view.jurisdiction.id}"


def _list(request: Request, db: SessionDep, view: JurisdictionView, **context: Any) -> Response:
    listed = reports.list_reports(db, jurisdiction_id=view.jurisdiction.id)
    status = 422 if context.get("error") else 200
    context = {"error": None, "period": ""} | context | {"reports": listed, "view": view, "suffix": _suffix(view)}
    return render(request, "reports/index.html", context, status_code=status)


@router.get("")
def report_list(request: Request, db: SessionDep, user: SupervisorUser) -> Response:
    """Past reports of a jurisdiction (`?j=<id>`), newest first, and a form to build one for any period."""
    return _list(request, db, _view(db, user, request.query_params.get("j")))


@router.post("")
def generate(
    request: Request,
    db: SessionDep,
    user: SupervisorUser,
    period: Annotated[str, Form(max_length=40)] = "",
    j: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Build (or rebuild) and keep the report of a period, of a jurisdiction of the viewer's subtree."""
    view = _view(db, user, j)
    try:
        parsed = parse_period(period)
    except ValidationFailed as exc:
        return _list(request, db, view, error=exc, period=period)
    held = None if view.is_root else view.jurisdiction
    reports.store_report(db, period=parsed, replace=True, jurisdiction=held)
    return RedirectResponse(f"/staff/reports/{parsed.key}{_suffix(view)}", status_code=303)


@router.get("/preview")
def preview(request: Request, db: SessionDep, user: SupervisorUser, period: str = "") -> Response:
    """The report of any period, built now and not stored."""
    view = _view(db, user, request.query_params.get("j"))
    parsed = parse_period(period[:40])
    held = None if view.is_root else view.jurisdiction
    return _document(render_html(reports.build_period_report(db, period=parsed, jurisdiction=held)))


@router.get("/{period}.xlsx")
def stored_xlsx(request: Request, db: SessionDep, user: SupervisorUser, period: str) -> Response:
    """A stored report's workbook."""
    view = _view(db, user, request.query_params.get("j"))
    stored = reports.stored_report(db, period=period, jurisdiction_id=view.jurisdiction.id)
    if stored is None:
        raise NotFound("这一期的报告还没有生成")
    return Response(
        stored.xlsx,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="minyi-report-{stored.period}.xlsx"'},
    )


@router.get("/{period}")
def stored_html(request: Request, db: SessionDep, user: SupervisorUser, period: str) -> Response:
    """A stored report, as printed."""
    view = _view(db, user, request.query_params.get("j"))
    stored = reports.stored_report(db, period=period, jurisdiction_id=view.jurisdiction.id)
    if stored is None:
        raise NotFound("这一期的报告还没有生成")
    return _document(stored.html)
