"""Public pages per jurisdiction: `/jurisdictions` (the tree), `/j/<slug>` and `/j/<slug>/board` (its board),
`/j/<slug>/hot` (its hot issues). The root's pages stay `/board` and `/hot`: its addresses here redirect there."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from minyi.departments.services import department_menu
from minyi.hot import jurisdictions as local_hot
from minyi.hot import services as hot
from minyi.jurisdictions import public as jurisdictions
from minyi.knowledge import explanations
from minyi.web.deps import SessionDep, optional_staff
from minyi.web.templating import render
from minyi.workflow import views

router = APIRouter(dependencies=[Depends(optional_staff)])


@router.get("/jurisdictions")
def tree(request: Request, db: SessionDep) -> Response:
    """Every public jurisdiction, with links to its board and hot issues."""
    return render(request, "public/jurisdictions.html", {"nodes": jurisdictions.public_tree(db)})


@router.get("/j/{slug}")
@router.get("/j/{slug}/board")
def board(request: Request, db: SessionDep, slug: str) -> Response:
    """A jurisdiction's board: the public cases of its subtree, with the board's search, filters and pages."""
    place = jurisdictions.by_slug(db, slug)
    if place.parent_id is None:
        return RedirectResponse(f"/board?{request.url.query}" if request.url.query else "/board", status_code=307)
    filters = views.parse_board_filters(dict(request.query_params))
    filters.jurisdiction_id = place.id
    page = views.list_public_cases(db, filters=filters)
    context = {
        "page": page,
        "filters": filters,
        "departments": department_menu(db, scope=place.path),  # the subtree's departments
        "explained": explanations.explanations_of(db, [c.id for c in page.items]),
        "switcher": jurisdictions.switcher(db, place),
        "board_path": jurisdictions.page_path(place),
    }
    return render(request, "public/board.html", context)


@router.get("/j/{slug}/hot")
def hot_page(request: Request, db: SessionDep, slug: str) -> Response:
    """The current hot issues that have cases in the jurisdiction's subtree, with those cases."""
    place = jurisdictions.by_slug(db, slug)
    if place.parent_id is None:
        return RedirectResponse("/hot", status_code=307)
    issues = local_hot.hot_issues_within(db, place.id)
    cases = hot.cases_by_id(db, [cid for i in issues for cid in i.case_ids[: hot.CASES_SHOWN]])
    context = {"issues": issues, "cases": cases, "cases_shown": hot.CASES_SHOWN}
    return render(
        request, "public/jurisdiction_hot.html", context | {"switcher": jurisdictions.switcher(db, place, page="hot")}
    )
