"""Public statistics (透明度): the page, its CSV and XLSX downloads, and /api/v1/stats."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from minyi.core.clock import china_today
from minyi.core.errors import ValidationFailed
from minyi.departments.services import department_menu
from minyi.jurisdictions.services import scope_path
from minyi.knowledge.upkeep import upkeep_table
from minyi.scorecard.score import COMPONENTS, ranking_json, ranking_table
from minyi.scorecard.services import scorecard
from minyi.stats import export
from minyi.stats.figures import Figures
from minyi.stats.ranking import RANK_BY, parse_order
from minyi.stats.services import (
    GRANULARITIES,
    StatsReport,
    build_report,
    cached_ranking,
    parse_query,
    public_jurisdiction,
)
from minyi.web.deps import SessionDep, optional_staff
from minyi.web.openapi import choices, errors, integer_or_empty, query_parameters
from minyi.web.state import app_state
from minyi.web.templating import render

router = APIRouter(dependencies=[Depends(optional_staff)])
api_router = APIRouter(prefix="/api/v1", tags=["v1"])


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


# How each figure of stats/_macros.html's tables is shown.
_SHOW: dict[str, Callable[[Any], str]] = {
    "received": str,
    "replied": str,
    "reply_rate": _pct,
    "on_time_rate": _pct,
    "avg_days": _one_decimal,
    "p90_days": str,
    "satisfaction_rate": _pct,
    "reopen_rate": _pct,
    "extensions": str,
    "escalated": str,
    "overdue_open": str,
    "adoption_rate": _pct,
    "praised": str,
}


def cells(figures: Figures, keys: Iterable[str] = _SHOW) -> list[tuple[str, str, str]]:
    """A table row's (key, raw value, shown text) for `keys`, in their order; "—" where a figure is undefined."""
    return [
        (key, "", "—") if (value := getattr(figures, key)) is None else (key, str(value), _SHOW[key](value))
        for key in keys
    ]


def _report(request: Request, db: SessionDep, scope: str = "") -> StatsReport:
    query = parse_query(dict(request.query_params)).within(scope)
    return build_report(db, query=query, cache=app_state(request).stats_cache)


def _page_context(request: Request, db: SessionDep, base: str, scope: str = "") -> dict[str, Any]:
    return {
        "params": dict(request.query_params),
        "departments": department_menu(db, scope=scope),  # a jurisdiction's page: its subtree's departments
        "granularities": GRANULARITIES,
        "today": china_today(),
        "cells": cells,
        "base": base,  # the page's own address: /stats, or /j/<slug>/stats
        "jurisdiction": None,
    }


@router.get("/stats")
def stats_page(request: Request, db: SessionDep) -> Response:
    """Messages, replies, timeliness and satisfaction per department and period, with charts and tables."""
    context = _page_context(request, db, "/stats")
    try:
        report = _report(request, db)
    except ValidationFailed as exc:  # the form comes back with the message; nothing to show yet
        return render(request, "stats/index.html", context | {"error": exc, "report": None}, status_code=422)
    upkeep = upkeep_table(db, start=report.query.start, end=report.query.end)  # 知识库维护 (issue 16)
    context |= {"report": report, "error": None, "query_string": request.url.query, "kb_upkeep": upkeep}
    # 考核 (minyi.scorecard): the period's department ranking
    context |= {"scorecard": _scorecard(request, db, report), "scorecard_components": COMPONENTS}
    return render(request, "stats/index.html", context)


@router.get("/j/{slug}/stats")
def jurisdiction_stats_page(request: Request, db: SessionDep, slug: str) -> Response:
    """The same page for one jurisdiction: the cases of its subtree, links up and down the tree, and 通报 (its
    children ranked on the same figures)."""
    place = public_jurisdiction(db, slug=slug)
    scope = scope_path(place.jurisdiction)
    context = _page_context(request, db, f"/j/{place.jurisdiction.slug}/stats", scope) | {"jurisdiction": place}
    try:
        report = _report(request, db, scope)
    except ValidationFailed as exc:
        return render(request, "stats/index.html", context | {"error": exc, "report": None}, status_code=422)
    q = report.query
    order = parse_order(request.query_params.get("rank"))
    ranking = cached_ranking(
        db, parent=place.jurisdiction, start=q.start, end=q.end, order=order, cache=app_state(request).stats_cache
    )
    context |= {"report": report, "error": None, "query_string": request.url.query, "kb_upkeep": None}
    context |= {"scorecard": None, "ranking": ranking, "rank_by": RANK_BY}
    return render(request, "stats/index.html", context)


def _scorecard(request: Request, db: SessionDep, report: StatsReport) -> Any:
    """考核: the ranking of the report's period from its department rows."""
    q, cache = report.query, app_state(request).stats_cache
    return scorecard(db, departments=report.departments, start=q.start, end=q.end, cache=cache)


def _ranking_table(request: Request, db: SessionDep, report: StatsReport) -> list[export.Extra]:
    """The downloads' 考核排名 table."""
    header, rows = ranking_table(_scorecard(request, db, report))
    return [("考核排名", header, rows)]


def _download(report: StatsReport, content: bytes, media_type: str, suffix: str) -> Response:
    q = report.query
    name = f"minyi-stats-{q.start.isoformat()}_{q.end.isoformat()}"
    if q.department_id:
        name += f"-dept{q.department_id}"
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'}
    )


@router.get("/stats.csv")
def stats_csv(request: Request, db: SessionDep) -> Response:
    """The page's tables as one CSV."""
    report = _report(request, db)
    content = export.to_csv(report, _ranking_table(request, db, report))
    return _download(report, content, "text/csv; charset=utf-8", "csv")


@router.get("/stats.xlsx")
def stats_xlsx(request: Request, db: SessionDep) -> Response:
    """The page's tables as a workbook, one sheet per table."""
    report = _report(request, db)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(report, export.to_xlsx(report, _ranking_table(request, db, report)), media, "xlsx")


DATE_OR_EMPTY = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]}
STATS_QUERY = query_parameters(
    **{"from": DATE_OR_EMPTY, "to": DATE_OR_EMPTY},
    by=choices(GRANULARITIES),
    department_id=integer_or_empty(0, 999_999_999),
)


@api_router.get("/stats", responses=errors(404, 422), openapi_extra=STATS_QUERY)
def stats_api(request: Request, db: SessionDep) -> dict[str, Any]:
    """Public statistics: `from`, `to` (YYYY-MM-DD, China dates), `by` (month|week), `department_id`.

    Rates are fractions between 0 and 1, or null when their denominator is 0. `scorecard`: the department
    ranking of the period (考核: weights, minimum cases, each department's components and score).
    """
    report = _report(request, db)
    return export.to_json(report) | {"scorecard": ranking_json(_scorecard(request, db, report))}  # 考核
