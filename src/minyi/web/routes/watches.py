"""Watches (网上蹲点): list and save them, see one's messages and figures, stop watching."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from minyi.core.errors import Conflict, ValidationFailed
from minyi.hot.services import current_hot_issues
from minyi.messages.display import DOMAINS
from minyi.watches import services as watches
from minyi.watches import web as watch_web
from minyi.web.deps import SessionDep, StaffUser
from minyi.web.templating import render

router = APIRouter(prefix="/staff/watches")


def _list(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    *,
    form: dict[str, str],
    error: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "watches/index.html",
        {
            "watches": watches.list_watches(db, user=user),
            "kinds": watches.KINDS,
            "domains": DOMAINS,
            "hot_issues": current_hot_issues(db),
            "form": form,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("")
def watch_list(request: Request, db: SessionDep, user: StaffUser, kind: str = "", value: str = "") -> Response:
    """My watches and a form to add one (`?kind=place&value=A市` fills it in)."""
    return _list(request, db, user, form={"kind": kind[:20], "value": value[: watches.MAX_VALUE]})


@router.post("")
def watch_create(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    kind: Annotated[str, Form(max_length=20)] = "",
    value: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Save a watch."""
    try:
        watch = watches.create_watch(db, user=user, kind=kind, value=value)
    except (ValidationFailed, Conflict) as exc:
        return _list(
            request,
            db,
            user,
            form={"kind": kind, "value": value[: watches.MAX_VALUE]},
            error=exc,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/staff/watches/{watch.id}", status_code=303)


@router.get("/{watch_id}")
def watch_page(request: Request, db: SessionDep, user: StaffUser, watch_id: str, web_page: str = "1") -> Response:
    """A watch's newest messages and its figures month by month; beside them its web voices (网络民意), paged, for
    those who read them."""
    view = watches.watch_view(db, user=user, watch_id=watch_id)
    web = watch_web.watch_web_voices(db, user=user, watch=view.watch, page=watch_web.web_page_number(web_page))
    return render(
        request, "watches/watch.html", {"v": view, "web": web, "web_days": watch_web.WEB_DAYS, "kinds": watches.KINDS}
    )


@router.post("/{watch_id}/delete")
def watch_delete(db: SessionDep, user: StaffUser, watch_id: str) -> Response:
    """Stop watching."""
    watches.delete_watch(db, user=user, watch_id=watch_id)
    return RedirectResponse("/staff/watches", status_code=303)
