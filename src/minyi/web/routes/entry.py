"""代录入: a coordinator enters a message received by phone, letter, in person or online (`/staff/entry`), then
reads the citizen's tracking link from the confirmation page (and it is e-mailed when it can be)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from minyi.core.clock import to_china, utcnow
from minyi.core.errors import ValidationFailed
from minyi.entry.services import enter_case
from minyi.jurisdictions.routing import address_choices, split_leader
from minyi.messages.channels import STAFF_DEFAULT
from minyi.messages.services import RECEIVED_MAX_DAYS
from minyi.notifications.services import Outbound
from minyi.web.deps import CoordinatorUser, FormDep, SessionDep, SettingsDep, analyse_after_commit, client_hash
from minyi.web.routes.public import SUBMIT_FIELDS
from minyi.web.templating import render

router = APIRouter(prefix="/staff")
ENTRY_FIELDS = (*SUBMIT_FIELDS, "channel", "received_at")
_LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what an <input type="datetime-local"> sends and shows


def _form(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    *,
    form: dict[str, Any] | None = None,
    error: ValidationFailed | None = None,
    status_code: int = 200,
) -> Response:
    now = to_china(utcnow())
    values = form or {
        "channel": STAFF_DEFAULT,
        "received_at": now.strftime(_LOCAL_MINUTE),
        "is_public": "",  # public only when the citizen said yes: the one typing asks (unlike the citizen's own form)
        "submission_key": secrets.token_urlsafe(16),
    }
    limits = {
        "min": (now - timedelta(days=RECEIVED_MAX_DAYS)).strftime(_LOCAL_MINUTE),
        "max": now.strftime(_LOCAL_MINUTE),
    }
    context = {
        "form": values,
        "error": error,
        "received_limits": limits,
        "email_on": bool(settings.smtp_host),
        "addressable": address_choices(db),  # 提交到 / 领导信箱, as the citizen would choose them
    }
    return render(request, "staff/entry.html", context, status_code=status_code)


@router.get("/entry")
def entry_form(request: Request, db: SessionDep, settings: SettingsDep, user: CoordinatorUser) -> Response:
    """The 代录入 form: the citizen's fields, the channel (电话 first) and when it was received (now)."""
    return _form(request, db, settings)


@router.post("/entry")
def enter(request: Request, db: SessionDep, settings: SettingsDep, user: CoordinatorUser, raw: FormDep) -> Response:
    """Store the entry as a case; on a validation error the form comes back with everything typed."""
    form = {key: raw.get(key) for key in ENTRY_FIELDS}
    form["is_public"] = form.get("is_public") or ""
    site_url = settings.public_url or str(request.base_url).rstrip("/")
    jurisdiction, leader = split_leader(form.get("jurisdiction"), form.get("leader"))
    try:
        entered = enter_case(
            db,
            user=user,
            data=form | {"jurisdiction": jurisdiction, "leader": leader},
            site_url=site_url,
            outbound=Outbound.of(settings),
            client=client_hash(request),
        )
    except ValidationFailed as exc:  # raised before anything is written
        return _form(request, db, settings, form=form, error=exc, status_code=422)
    analyse_after_commit(request, entered.submission.message.id)
    return render(request, "staff/entered.html", {"entered": entered, "email_on": bool(settings.smtp_host)})
