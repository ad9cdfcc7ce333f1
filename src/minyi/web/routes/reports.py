"""The periodic 民意 reports for supervisors: the list, a stored report, a live preview, generate now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from minyi.core.errors import NotFound, ValidationFailed
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


@router.get("")
def report_list(request: Request, db: SessionDep, user: SupervisorUser) -> Response:
    """Past reports, newest first, and a form to build one for any period."""
    return render(request, "reports/index.html", {"reports": reports.list_reports(db), "error": None, "period": ""})


@router.post("")
def generate(
    request: Request, db: SessionDep, user: SupervisorUser, period: Annotated[str, Form(max_length=40)] = ""
) -> Response:
    """Build (or rebuild) and keep the report of a period."""
    try:
        parsed = parse_period(period)
    except ValidationFailed as exc:
        return render(
            request,
            "reports/index.html",
            {"reports": reports.list_reports(db), "error": exc, "period": period},
            status_code=422,
        )
    reports.store_report(db, period=parsed, replace=True)
    return RedirectResponse(f"/staff/reports/{parsed.key}", status_code=303)


@router.get("/preview")
def preview(db: SessionDep, user: SupervisorUser, period: str = "") -> Response:
    """The report of any period, built now and not stored."""
    parsed = parse_period(period[:40])
    return _document(render_html(reports.build_period_report(db, period=parsed)))


@router.get("/{period}.xlsx")
def stored_xlsx(db: SessionDep, user: SupervisorUser, period: str) -> Response:
    """A stored report's workbook."""
    stored = reports.stored_report(db, period=period)
    if stored is None:
        raise NotFound("这一期的报告还没有生成")
    return Response(
        stored.xlsx,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="minyi-report-{stored.period}.xlsx"'},
    )


@router.get("/{period}")
def stored_html(db: SessionDep, user: SupervisorUser, period: str) -> Response:
    """A stored report, as printed."""
    stored = reports.stored_report(db, period=period)
    if stored is None:
        raise NotFound("这一期的报告还没有生成")
    return _document(stored.html)
