"""Hot issues and duplicate voices: 附议, similar cases while typing, the public 热点问题 page."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from minyi.core.errors import Conflict, ValidationFailed
from minyi.core.validation import text_field
from minyi.hot import periods
from minyi.hot import services as hot
from minyi.messages.display import public_display
from minyi.messages.schemas import text_pattern
from minyi.web.deps import SessionDep, after_commit, client_hash, optional_staff
from minyi.web.openapi import errors
from minyi.web.state import app_state
from minyi.web.templating import render
from minyi.workflow.states import STATUS_NAMES

MAX_QUERY = 2000
QUERY_DOC = {"maxLength": MAX_QUERY, "pattern": text_pattern(required=False)}
router = APIRouter(dependencies=[Depends(optional_staff)])
api = APIRouter(prefix="/api/v1", tags=["v1"])


@router.post("/cases/{case_id}/support")
def support(request: Request, db: SessionDep, case_id: str) -> Response:
    """附议 from the public case page or the similar-cases list."""
    try:
        case = hot.support_case(db, case_id=case_id, client_hash=client_hash(request))
    except Conflict:  # this visitor has already: say so on the case page (nothing was written)
        return RedirectResponse(f"/cases/{int(case_id)}?supported=already#support", status_code=303)
    return RedirectResponse(f"/cases/{case.id}?supported=1#support", status_code=303)


@router.get("/hot")
def hot_page(request: Request, db: SessionDep) -> Response:
    """The current hot issues, or with `from` and `to` (YYYY-MM-DD) those of that period, with their cases."""
    params = request.query_params
    form = {"from": params.get("from", ""), "to": params.get("to", "")}
    context: dict[str, Any] = {"form": form, "max_span": periods.MAX_SPAN_DAYS, "error": None, "view": None}
    if not form["from"] and not form["to"]:
        issues: list[Any] = hot.current_hot_issues(db)
    else:
        try:
            view = periods.view_period(db, period=periods.parse_period(form["from"], form["to"]))
        except ValidationFailed as exc:  # the form comes back with the message beside its field
            return render(request, "public/hot.html", context | {"error": exc, "issues": []}, status_code=422)
        jobs = app_state(request).jobs
        if view.queue and jobs is not None:
            after_commit(request, partial(jobs.hot_period, view.row.id))
        issues, context["view"] = view.issues, view
    shown = [cid for issue in issues for cid in issue.case_ids[: hot.CASES_SHOWN]]  # the rest is only counted
    cases = hot.cases_by_id(db, shown)
    return render(
        request, "public/hot.html", context | {"issues": issues, "cases": cases, "cases_shown": hot.CASES_SHOWN}
    )


@api.get("/similar")
def similar(db: SessionDep, text: Annotated[str, Query(json_schema_extra=QUERY_DOC)] = "") -> list[dict[str, Any]]:
    """Open public cases that look like the same problem as `text` (for the submission form)."""
    text = text_field(text, field="text", label="查询文本", max_len=MAX_QUERY, required=False)
    return [
        {
            "id": c.id,
            "title": public_display(c.message.title),
            "status": c.status,
            "status_name": STATUS_NAMES[c.status],
            "supports": c.supports,
            "score": score,
        }
        for c, score in hot.similar_cases(db, text=text, k=5)
    ]


@api.post("/cases/{case_id}/support", responses=errors(409, 429))
def support_api(request: Request, db: SessionDep, case_id: str) -> dict[str, int]:
    """附议 a public case; answers the new number of supports."""
    case = hot.support_case(db, case_id=case_id, client_hash=client_hash(request))
    return {"id": case.id, "supports": case.supports}
