"""The leaders' dashboard (上网看看) and the staff case list behind each of its items."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from minyi.collect import sources
from minyi.collect import views as web_views
from minyi.core.errors import ValidationFailed
from minyi.dashboard import services as dashboard
from minyi.web.deps import SessionDep, SupervisorUser
from minyi.web.state import app_state
from minyi.web.templating import render

router = APIRouter(prefix="/staff/dashboard")


@router.get("")
def dashboard_page(request: Request, db: SessionDep, user: SupervisorUser) -> Response:
    """What came in, what is urgent, hot, late, and where — each one click from its cases."""
    summary = dashboard.build_dashboard(db, cache=app_state(request).stats_cache)
    return render(request, "dashboard/index.html", {"d": summary})


@router.get("/cases")
def case_list(request: Request, db: SessionDep, user: SupervisorUser) -> Response:
    """Cases across departments, filtered as the dashboard's links ask."""
    try:
        filters = dashboard.parse_case_filters(dict(request.query_params))
    except ValidationFailed as exc:
        return render(
            request, "dashboard/cases.html", {"error": exc, "cases": [], "total": 0, "filters": None}, status_code=422
        )
    cases, total = dashboard.list_cases(db, filters=filters)
    return render(
        request,
        "dashboard/cases.html",
        {"error": None, "cases": cases, "total": total, "filters": filters, "limit": dashboard.LIST_LIMIT},
    )


@router.get("/web")
def web_voices(request: Request, db: SessionDep, user: SupervisorUser) -> Response:
    """网络民意: what the registered web sources said, newest first, with its analysis (personal data masked)."""
    params = dict(request.query_params)
    page = web_views.list_web_items(db, params)
    keep = {k: params[k] for k in ("source", "urgent") if params.get(k)}
    return render(
        request,
        "dashboard/web.html",
        {
            "page": page,
            "sources": sources.list_sources(db),
            "source": params.get("source", ""),
            "urgent": params.get("urgent") == "1",
            "prev_query": urlencode(keep | {"page": page.page - 1}),
            "next_query": urlencode(keep | {"page": page.page + 1}),
        },
    )
