"""Public pages: submission form, public board, case page, private tracking page."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from minyi.accounts.totp import qr_svg_base64
from minyi.core.clock import china_today
from minyi.core.errors import ValidationFailed
from minyi.core.settings import Settings
from minyi.departments.services import department_menu
from minyi.hot import services as hot
from minyi.jurisdictions import services as jurisdiction_tree
from minyi.jurisdictions.routing import address_choices, split_leader
from minyi.knowledge import explanations
from minyi.notifications import handoffs
from minyi.notifications.services import Outbound, delivery_channels, send_lookup_code, send_tracking_link
from minyi.suggestions.views import suggestion_of
from minyi.web.deps import FormDep, SessionDep, SettingsDep, analyse_after_commit, client_hash, optional_staff
from minyi.web.routes import privacy
from minyi.web.templating import render
from minyi.workflow import config, lookup, views
from minyi.workflow import services as workflow
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
    "jurisdiction",  # 提交到: a jurisdiction's slug, or empty (the places decide)
    "leader",  # 领导信箱: `slug:leader` (minyi.jurisdictions.routing.address_choices)
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
    context = {
        "form": values,
        "error": error,
        "recent": recent,
        "publish_mode": config.get_setting(db, "publish_mode"),
        "addressable": address_choices(db),
    }
    return render(request, "public/home.html", context, status_code=status_code)


@router.get("/")
def home(request: Request, db: SessionDep) -> Response:
    """Home page with the submission form."""
    return _home(request, db)


@router.post("/messages")
def submit(request: Request, db: SessionDep, settings: SettingsDep, raw: FormDep) -> Response:
    """Store a message; on a validation error the form comes back with everything the citizen typed."""
    form = {key: raw.get(key) for key in SUBMIT_FIELDS}
    form["is_public"] = form.get("is_public") or ""
    jurisdiction, leader = split_leader(form.get("jurisdiction"), form.get("leader"))
    try:
        result = submit_message(
            db,
            data=form | {"jurisdiction": jurisdiction, "leader": leader},
            source="web",
            client_hash=client_hash(request),
            rate_limit=settings.submit_rate_limit,
            rate_window_seconds=settings.submit_rate_window_seconds,
        )
    except ValidationFailed as exc:  # raised before anything is written
        return _home(request, db, form=form, error=exc, status_code=422)
    analyse_after_commit(request, result.message.id)
    site = _site_url(request, settings)
    track_url = f"{site}/track/{result.tracking_token}"
    contact = result.message.contact
    outbound = Outbound.of(settings)
    sent = send_tracking_link(
        db,
        case=result.case,
        channel_name="网站",
        email=contact.email if contact else "",
        phone=contact.phone if contact else "",
        url=track_url,
        outbound=outbound,
    )
    sent_by = delivery_channels(db, sent.id) if sent is not None else []
    return render(
        request,
        "public/submitted.html",
        {
            "case": result.case,
            "token": result.tracking_token,
            "track_url": track_url,
            "qr_svg": qr_svg_base64(track_url, mask=0),
            "sent_by": sent_by,
        },
    )


def _site_url(request: Request, settings: Settings) -> str:
    """The site's address for links that leave it: MINYI_PUBLIC_URL, else the one the browser used."""
    return settings.public_url or str(request.base_url).rstrip("/")


def _lookup_page(
    request: Request, settings: Settings, *, step: str, values: dict[str, str], error: Any = None, status: int = 200
) -> Response:
    outbound = Outbound.of(settings)
    by = [name for name, on in (("手机号", outbound.sms), ("电子邮箱", outbound.email)) if on]
    context = {"step": step, "values": values, "error": error, "can_send": bool(by), "send_by": "或".join(by)}
    return render(request, "public/track_lookup.html", context, status_code=status)


@router.get("/track")
def track_lookup(request: Request, settings: SettingsDep) -> Response:
    """找回查询链接: the case number and the phone or e-mail given; a one-time code is sent there."""
    return _lookup_page(request, settings, step="ask", values={})


@router.post("/track/code")
def track_code(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    case: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
) -> Response:
    """Send a one-time code when the number and the contact match; the page answers alike when they do not."""
    values = {"case": case.strip()[:20], "contact": contact.strip()[:254]}
    try:
        asked = lookup.request_code(db, case=case, contact=contact, client=client_hash(request))
    except ValidationFailed as exc:
        return _lookup_page(request, settings, step="ask", values=values, error=exc, status=422)
    if asked is not None:
        send_lookup_code(
            db,
            asked=asked,
            secret_key=settings.secret_key,
            lookup_url=f"{_site_url(request, settings)}/track",
            outbound=Outbound.of(settings),
        )
    return _lookup_page(request, settings, step="verify", values=values)


@router.post("/track/verify")
def track_verify(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    case: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    """A right code: a new tracking link (the old one stops working), opened at once."""
    values = {"case": case.strip()[:20], "contact": contact.strip()[:254]}
    try:
        _message, token = lookup.verify_code(
            db, case=case, contact=contact, code=code, secret_key=settings.secret_key, client=client_hash(request)
        )
    except ValidationFailed as exc:
        return _lookup_page(request, settings, step="verify", values=values, error=exc, status=422)
    return RedirectResponse(f"/track/{token}?renewed=1", status_code=303)


@router.get("/board")
def board(request: Request, db: SessionDep) -> Response:
    """The public board with filters, search and pagination."""
    filters = views.parse_board_filters(dict(request.query_params))
    page = views.list_public_cases(db, filters=filters)
    explained = explanations.explanations_of(db, [c.id for c in page.items])  # 政策解读/辟谣 that answered them
    context = {"page": page, "filters": filters, "departments": department_menu(db), "explained": explained}
    return render(request, "public/board.html", context)


@router.get("/cases/{case_id}")
def case_page(request: Request, db: SessionDep, case_id: str) -> Response:
    """A public case with its public history."""
    view = views.public_case(db, case_id)
    supported = hot.has_supported(db, case_id=view.case.id, client_hash=client_hash(request))
    explanation = explanations.explanations_of(db, [view.case.id]).get(view.case.id)
    context = {"view": view, "supported": supported, "suggestion": suggestion_of(db, view.case.id)}
    context["holder"] = view.case.jurisdiction or jurisdiction_tree.root(db)  # 承办辖区 (NULL: the root)
    return render(request, "public/case.html", context | {"today": china_today(), "explanation": explanation})


@router.get("/track/{token}")
def track(request: Request, db: SessionDep, settings: SettingsDep, token: str) -> Response:
    """The citizen's private page: progress, reply, rating, reopen."""
    case = views.case_by_token(db, token)
    view = views.case_view(db, case, public_only=True)
    return render(
        request,
        "public/track.html",
        {
            "view": view,
            "token": token,
            "renewed": request.query_params.get("renewed") == "1",
            "withheld_reason": views.withheld_reason(db, case),
            "track_url": f"{_site_url(request, settings)}/track/{token}",
            "reopen_refusal": workflow.reopen_refusal(db, case),
            "contact": case.message.contact,
            "suggestion": suggestion_of(db, case.id),  # 吸纳: shown to its author even when private
            "today": china_today(),
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
