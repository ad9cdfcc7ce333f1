"""The staff inbox of notifications (hand-offs, 时限提醒, 督办, 网上蹲点) and the e-mail preference."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from minyi.core.errors import ValidationFailed
from minyi.notifications import services as notifications
from minyi.web.deps import SessionDep, SettingsDep, StaffUser
from minyi.web.templating import render

router = APIRouter(prefix="/staff/notifications")


def _page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: StaffUser,
    *,
    error: ValidationFailed | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    prefs = notifications.preferences(db, user_id=user.id)
    return render(
        request,
        "staff/notifications.html",
        {
            "rows": notifications.list_notifications(db, user_id=user.id),
            "unread": notifications.unread_count(db, user_id=user.id),
            "prefs": form or {"email": prefs.email, "email_enabled": prefs.email_enabled},
            "email_configured": bool(settings.smtp_host),
            "kind_names": notifications.KIND_NAMES,
            "error": error,
            "saved": request.query_params.get("saved") == "1",
        },
        status_code=status_code,
    )


@router.get("")
def inbox(request: Request, db: SessionDep, settings: SettingsDep, user: StaffUser) -> Response:
    """My notifications, unread first."""
    return _page(request, db, settings, user)


@router.post("/read-all")
def read_all(db: SessionDep, user: StaffUser) -> Response:
    """Mark every notification read."""
    notifications.mark_all_read(db, user_id=user.id)
    return RedirectResponse("/staff/notifications", status_code=303)


@router.post("/preferences")
def save_preferences(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: StaffUser,
    email: Annotated[str, Form()] = "",
    email_enabled: Annotated[str, Form()] = "",
) -> Response:
    """Where e-mail copies go."""
    try:
        notifications.update_preferences(db, user_id=user.id, email=email, email_enabled=email_enabled)
    except ValidationFailed as exc:  # raised before anything is written
        return _page(
            request,
            db,
            settings,
            user,
            error=exc,
            status_code=422,
            form={"email": email, "email_enabled": bool(email_enabled)},
        )
    return RedirectResponse("/staff/notifications?saved=1#preferences", status_code=303)


@router.post("/{notification_id}/read")
def read_one(db: SessionDep, user: StaffUser, notification_id: str, then: Annotated[str, Form()] = "") -> Response:
    """Mark one notification read; `then=case` sends the user on to the case."""
    row = notifications.mark_read(db, user_id=user.id, notification_id=notification_id)
    target = row.notice.link if then == "case" and row.notice.link.startswith("/staff/") else "/staff/notifications"
    return RedirectResponse(target, status_code=303)
