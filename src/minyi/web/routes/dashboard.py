"""The leaders' dashboard (上网看看) and the staff case list behind each of its items."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Request

from minyi.core.errors import ValidationFailed
from minyi.dashboard import services as dashboard
from minyi.stats.services import StatsCache
from minyi.web.deps import SessionDep, SupervisorUser
from minyi.web.templating import render

router = APIRouter(prefix="/staff/dashboard")
_cache_lock = threading.Lock()


def _cache(request: Request) -> StatsCache:
    """The app's statistics cache (shared with /stats: the same folded facts)."""
    with _cache_lock:
        cache = getattr(request.app.state, "stats_cache", None)
        if cache is None:
            cache = request.app.state.stats_cache = StatsCache(request.app.state.settings.stats_cache)
    return cache


@router.get("")
def dashboard_page(request: Request, db: SessionDep, user: SupervisorUser) -> Any:
    """What came in, what is urgent, hot, late, and where — each one click from its cases."""
    return render(request, "dashboard/index.html", {"d": dashboard.build_dashboard(db, cache=_cache(request))})


@router.get("/cases")
def case_list(request: Request, db: SessionDep, user: SupervisorUser) -> Any:
    """Cases across departments, filtered as the dashboard's links ask."""
    try:
        filters = dashboard.parse_case_filters(dict(request.query_params))
    except ValidationFailed as exc:
        return render(request, "dashboard/cases.html", {"error": exc, "cases": [], "total": 0, "filters": None},
                      status_code=422)
    cases, total = dashboard.list_cases(db, filters=filters)
    return render(request, "dashboard/cases.html", {"error": None, "cases": cases, "total": total,
                                                    "filters": filters, "limit": dashboard.LIST_LIMIT})
