"""The admin's view of background work: tasks that failed after their last retry, each with a retry button."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from minyi.jobs import failures
from minyi.web.deps import RootAdminUser, SessionDep, after_commit
from minyi.web.state import app_state
from minyi.web.templating import render

router = APIRouter(prefix="/staff/admin/tasks")


@router.get("")
def failed_tasks(request: Request, db: SessionDep, user: RootAdminUser, page: str = "1", retried: str = "") -> Response:
    """后台任务: failed tasks, newest first, paged."""
    listing = failures.failed_tasks(db, page=page)
    return render(
        request,
        "staff/admin_tasks.html",
        {"listing": listing, "retried": retried, "queue_connected": app_state(request).jobs is not None},
    )


@router.post("/{failed_id}/retry")
def retry_task(request: Request, db: SessionDep, user: RootAdminUser, failed_id: str) -> Response:
    """Queue a failed task again (after the commit that marks it retried)."""
    row = failures.mark_retried(db, failed_id=failed_id, user_id=user.id)
    jobs = app_state(request).jobs
    if jobs is not None:
        task, args, kwargs = row.task, list(row.args), dict(row.kwargs)
        after_commit(request, lambda: jobs.requeue(task, args, kwargs))
    return RedirectResponse(f"/staff/admin/tasks?retried={row.id}", status_code=303)
