"""部门合并 (admin): choose the department to keep and the duplicates to merge into it, see their cases, confirm."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from minyi.console.department_merge import merge_page
from minyi.core.errors import ValidationFailed
from minyi.departments.merge import merge_many
from minyi.web.deps import FormDep, RootAdminUser, SessionDep
from minyi.web.templating import render

router = APIRouter(prefix="/staff/admin/departments/merge")
TEMPLATE = "staff/department_merge.html"


@router.get("")
def merge_form(request: Request, db: SessionDep, user: RootAdminUser, merged: int = 0) -> Response:
    """The form: every department of the tree with its cases, and the latest merges."""
    return render(request, TEMPLATE, {"page": merge_page(db), "form": {}, "error": None, "merged": merged})


@router.post("")
def merge_submit(request: Request, db: SessionDep, user: RootAdminUser, data: FormDep) -> Response:
    """First a confirmation of what will be merged (checked, nothing stored); with `confirm=1`, the merge."""
    form: dict[str, Any] = {
        "target_id": str(data.get("target_id") or ""),
        "source_ids": [str(s) for s in data.getlist("source_id")],
        "reason": str(data.get("reason") or ""),
    }
    confirmed = data.get("confirm") == "1"
    checking = None if confirmed else db.begin_nested()  # the preview runs the merge and rolls it back
    try:
        done = merge_many(
            db, source_ids=form["source_ids"], target_id=form["target_id"], actor_id=user.id, reason=form["reason"]
        )
    except ValidationFailed as exc:
        if checking is not None:
            checking.rollback()
        context = {"page": merge_page(db), "form": form, "error": exc, "merged": 0}
        return render(request, TEMPLATE, context, status_code=422)
    if checking is not None:
        checking.rollback()
        return render(request, TEMPLATE, {"page": merge_page(db), "form": form, "error": None, "confirm": True})
    return RedirectResponse(f"/staff/admin/departments/merge?merged={len(done)}", status_code=303)
