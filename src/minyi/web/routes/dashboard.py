"""The leaders' dashboard (上网看看) and the staff case list behind each of its items."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from minyi.accounts.models import Role, User
from minyi.collect import sources, voices
from minyi.collect import views as web_views
from minyi.core.errors import ValidationFailed
from minyi.dashboard import services as dashboard
from minyi.entry.services import case_from_web_item
from minyi.hot import web_links
from minyi.jurisdictions.services import scope_path
from minyi.web.deps import CoordinatorUser, SessionDep, SupervisorUser, client_hash, require_roles
from minyi.web.state import app_state
from minyi.web.templating import render
from minyi.workflow import scope

router = APIRouter(prefix="/staff/dashboard")
# 网络民意 is read by the leaders and by the coordinators who turn an item into a case
WebReader = Annotated[User, Depends(require_roles(Role.COORDINATOR, Role.SUPERVISOR, Role.ADMIN))]


@router.get("")
def dashboard_page(request: Request, db: SessionDep, user: SupervisorUser) -> Response:
    """What came in, what is urgent, hot, late, and where — each one click from its cases; `?j=<id>`: the figures of
    a jurisdiction of the viewer's subtree (default the viewer's own), with its children ranked (通报)."""
    viewer = scope_path(user.jurisdiction)
    view = dashboard.jurisdiction_view(db, viewer_path=viewer, raw=request.query_params.get("j"))
    summary = dashboard.build_dashboard(db, cache=app_state(request).stats_cache, view=view)
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
    cases, total = dashboard.list_cases(db, filters=filters, scope=scope.of_user(user))
    return render(
        request,
        "dashboard/cases.html",
        {"error": None, "cases": cases, "total": total, "filters": filters, "limit": dashboard.LIST_LIMIT},
    )


@router.get("/web")
def web_voices(request: Request, db: SessionDep, user: WebReader) -> Response:
    """网络民意: what the registered web sources said in a period, counted by place, domain, appeal kind and source,
    the surges, and the items newest first with their analysis (personal data masked)."""
    view = web_views.web_voices_view(db, dict(request.query_params))
    return render(
        request,
        "dashboard/web.html",
        {
            "v": view,
            "q": view.query,
            "page": view.page,
            "periods": voices.PERIODS,
            "sources": sources.list_sources(db),
            "prev_query": urlencode(view.query.query(page=view.page.page - 1)),
            "next_query": urlencode(view.query.query(page=view.page.page + 1)),
            # 相关办件: the open cases each item speaks of (minyi.hot.web_links; collect cannot import hot)
            "related": web_links.related_cases(db, [r.id for r in view.page.rows], scope=scope.of_user(user)),
        },
    )


@router.post("/web/{item_id}/case")
def web_item_case(request: Request, db: SessionDep, user: CoordinatorUser, item_id: str) -> Response:
    """转为办件: open a case from a web item (once), then show the case to triage it."""
    case = case_from_web_item(db, user=user, item_id=item_id, client=client_hash(request))
    return RedirectResponse(f"/staff/cases/{case.id}", status_code=303)
