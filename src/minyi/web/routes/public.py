"""Public pages: submission form, public board, case page, private tracking page."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from minyi.core.errors import ValidationFailed
from minyi.departments.services import department_menu
from minyi.hot import services as hot
from minyi.notifications import handoffs
from minyi.notifications.services import Outbound
from minyi.web.deps import FormDep, SessionDep, SettingsDep, analyse_after_commit, client_hash, optional_staff
from minyi.web.routes import privacy
from minyi.web.templating import render
from minyi.workflow import services as workflow
from minyi.workflow import views
from minyi.workflow.intake import submit_message

router = APIRouter(dependencies=[Depends(optional_staff)])
SUBMIT_FIELDS = (
    "title",
    "body",
    "appeal_kind",
    "domain",
    "place_text",
    "is_public",
    "is_anonymous",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_address",
    "submission_key",
)


def _home(
    request: Request,
    db: SessionDep,
    *,
    form: dict[str, Any] | None = None,
    error: ValidationFailed | None = None,
    status_code: int = 200,
) -> Response:
    recent = views.list_public_cases(db, filters=views.BoardFilters(status="closed"), per_page=5, counted=False).items
    values = form or {"is_public": "on", "submission_key": secrets.token_urlsafe(16)}
    return render(
        request, "public/home.html", {"form": values, "error": error, "recent": recent}, status_code=status_code
    )


@router.get("/")
def home(request: Request, db: SessionDep) -> Response:
    """Home page with the submission form."""
    return _home(request, db)


@router.post("/messages")
def submit(request: Request, db: SessionDep, settings: SettingsDep, raw: FormDep) -> Response:
    """Store a message; on a validation error the form comes back with everything the citizen typed."""
    form = {key: raw.get(key) for key in SUBMIT_FIELDS}
    form["is_public"] = form.get("is_public") or ""
    try:
        result = submit_message(
            db,
            data=form,
            source="web",
            client_hash=client_hash(request),
            rate_limit=settings.submit_rate_limit,
            rate_window_seconds=settings.submit_rate_window_seconds,
        )
    except ValidationFailed as exc:  # raised before anything is written
        return _home(request, db, form=form, error=exc, status_code=422)
    analyse_after_commit(request, result.message.id)
    return render(
        request,
        "public/submitted.html",
        {"case": result.case, "token": result.tracking_token, "track_url": f"/track/{result.tracking_token}"},
    )


@router.get("/board")
def board(request: Request, db: SessionDep) -> Response:
    """The public board with filters, search and pagination."""
    filters = views.parse_board_filters(dict(request.query_params))
    page = views.list_public_cases(db, filters=filters)
    return render(request, "public/board.html", {"page": page, "filters": filters, "departments": department_menu(db)})


@router.get("/cases/{case_id}")
def case_page(request: Request, db: SessionDep, case_id: str) -> Response:
    """A public case with its public history."""
    view = views.public_case(db, case_id)
    supported = hot.has_supported(db, case_id=view.case.id, client_hash=client_hash(request))
    return render(request, "public/case.html", {"view": view, "supported": supported})


@router.get("/track/{token}")
def track(request: Request, db: SessionDep, token: str) -> Response:
    """The citizen's private page: progress, reply, rating, reopen."""
    case = views.case_by_token(db, token)
    view = views.case_view(db, case, public_only=True)
    return render(
        request,
        "public/track.html",
        {
            "view": view,
            "token": token,
            "reopen_refusal": workflow.reopen_refusal(db, case),
            "contact": case.message.contact,
            **privacy.track_context(db, case),
        },
    )


@router.post("/track/{token}/rate")
def rate(
    db: SessionDep, token: str, level: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = ""
) -> Response:
    """满意度评价."""
    workflow.rate(db, case=views.case_by_token(db, token), level=level, comment=comment)
    return RedirectResponse(f"/track/{token}#rating", status_code=303)


@router.post("/track/{token}/reopen")
def reopen(db: SessionDep, settings: SettingsDep, token: str, reason: Annotated[str, Form()] = "") -> Response:
    """重办 request after an unsatisfied rating (told to the department's handlers)."""
    case = views.case_by_token(db, token)
    handoffs.reopen(db, case=case, reason=reason, outbound=Outbound.of(settings))
    return RedirectResponse(f"/track/{token}#history", status_code=303)
