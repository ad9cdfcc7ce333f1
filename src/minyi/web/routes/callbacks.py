"""帮助 and 化解 pages and API: 记录帮扶 on a help case, the 回访 list and form, the supervisors' 重复投诉 list."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from minyi.accounts.models import Role, User
from minyi.callbacks import repeats
from minyi.callbacks import services as callbacks
from minyi.callbacks.models import CALLBACK_KINDS
from minyi.callbacks.schemas import (
    AssistanceIn,
    AssistanceOut,
    CallbackIn,
    CallbackItem,
    CallbackOut,
    CallbackPage,
    RepeatLinkOut,
    RepeatOut,
    RepeatPage,
)
from minyi.core.db import MAX_ID
from minyi.core.errors import NotFound, PermissionDenied, ValidationFailed
from minyi.departments.services import department_menu
from minyi.notifications import handoffs
from minyi.notifications.services import Outbound
from minyi.web.audit import ContactAuditDep, ContactAuditRecorder
from minyi.web.deps import ApiUser, FormDep, SessionDep, SettingsDep, StaffUser, SupervisorUser
from minyi.web.openapi import choices, errors, integer_or_empty, query_parameters
from minyi.web.templating import render
from minyi.workflow import scope
from minyi.workflow.actors import Actor
from minyi.workflow.models import CaseEvent
from minyi.workflow.services import ensure_can_see, load_case

router = APIRouter(prefix="/staff")
api = APIRouter(prefix="/api/v1/staff", tags=["v1"])
CALLERS = frozenset({Role.COORDINATOR, Role.ADMIN})  # who call back, and see the phone on the list
READERS = CALLERS | {Role.SUPERVISOR}  # supervisors read the list (回访未解决) without the phone


def _readable_list(request: Request, user: User) -> callbacks.CallbackFilters:
    if user.role not in READERS:
        raise PermissionDenied("您的角色无权查看回访名单")
    return callbacks.parse_callback_filters(dict(request.query_params))


def _audit_phones(audit: ContactAuditRecorder, user: User, page: callbacks.CallbackList, what: str) -> bool:
    """The call-back staff see each row's phone: every view is written to the contact audit log."""
    shown = user.role in CALLERS
    if shown:
        for row in page.rows:
            audit.record(user=user, case=row.case, what=what, fields=["phone"])
    return shown


@router.get("/callbacks")
def callback_list(request: Request, audit: ContactAuditDep, db: SessionDep, user: StaffUser) -> Response:
    """回访: closed help and complaint cases to call back, oldest closing first; filters; phone for the callers."""
    filters = _readable_list(request, user)
    page = callbacks.callback_list(db, filters=filters, scope=scope.of_user(user))
    context = {
        "work": page,
        "show_phone": _audit_phones(audit, user, page, "callback_list"),
        "departments": department_menu(db, active_only=True),
        "kinds": CALLBACK_KINDS,
        "states": callbacks.STATES,
        "results": callbacks.RESULTS,
    }
    return render(request, "staff/callbacks.html", context)


@router.get("/repeats")
def repeat_list(request: Request, db: SessionDep, user: SupervisorUser) -> Response:
    """重复投诉: complaints the worker found repeating earlier ones, newest flag first."""
    page = _page_number(request.query_params.get("page"))
    rows, total = repeats.repeat_flags(db, page=page, scope=scope.of_user(user))
    context = {"rows": rows, "total": total, "page": page, "pages": max(1, -(-total // 20))}
    return render(request, "staff/repeats.html", context | {"match_names": repeats.MATCH_NAMES})


def _page_number(value: Any) -> int:
    text = str(value or "1").strip()
    if not text.isdigit() or not 1 <= int(text) <= 500:  # the 10,000 rows of 20 a page
        raise ValidationFailed("页码必须是 1 到 500 之间的整数", field="page")
    return int(text)


def _back(case_id: str, done: str) -> Response:
    return RedirectResponse(f"/staff/cases/{case_id}?{urlencode({'done': done, 'case': case_id.strip()})}", 303)


@router.post("/cases/{case_id}/assist")
def assist(db: SessionDep, user: StaffUser, form: FormDep, case_id: str) -> Response:
    """记录帮扶 from the case page."""
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    callbacks.record_assistance(
        db,
        actor=Actor.from_user(user),
        case_id=case_id,
        what=fields.get("what"),
        department_id=fields.get("department_id"),
        person=fields.get("person") or "",
        given_on=fields.get("given_on"),
    )
    return _back(case_id, "assist")


@router.post("/cases/{case_id}/callback")
def callback(db: SessionDep, settings: SettingsDep, user: StaffUser, form: FormDep, case_id: str) -> Response:
    """回访 from the case page (or the list's link to it); a 回访重办 is told to the department."""
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    outcome = handoffs.call_back(
        db,
        actor=Actor.from_user(user),
        case_id=case_id,
        outbound=Outbound.of(settings),
        reached=fields.get("reached") == "1",
        resolved=fields.get("resolved"),
        satisfaction=fields.get("satisfaction"),
        note=fields.get("note") or "",
        reopen=fields.get("reopen") or "",
    )
    return _back(case_id, "callback_reopen" if outcome.reopened else "callback")


# -- JSON API ---------------------------------------------------------------------------------------------------
CALLBACK_QUERY = query_parameters(
    state=choices(callbacks.STATES),
    appeal_kind=choices(CALLBACK_KINDS),
    department_id=integer_or_empty(1, MAX_ID),
    retry=choices(["0", "1"]),
    result=choices(callbacks.RESULTS),
    page=integer_or_empty(1, callbacks.ROWS_MAX),
    per_page=integer_or_empty(1, 100),
)


@api.get("/callbacks", responses=errors(422), openapi_extra=CALLBACK_QUERY)
def api_callbacks(request: Request, audit: ContactAuditDep, db: SessionDep, user: ApiUser) -> CallbackPage:
    """The 回访 list (coordinators and admins, with each case's phone, audited; supervisors without): `state`
    (`due` default, `done`), `appeal_kind`, `department_id`, `retry` (tried before, not reached), `result`, `page`."""
    page = callbacks.callback_list(db, filters=_readable_list(request, user), scope=scope.of_user(user))
    shown = _audit_phones(audit, user, page, "api_callbacks")
    items = []
    for row in page.rows:
        contact = row.case.message.contact
        phone = contact.phone if shown and contact is not None and contact.erased_at is None else None
        items.append(
            CallbackItem(
                case_id=row.case.id,
                title=row.case.message.title,
                appeal_kind=row.task.appeal_kind,
                department=row.case.department.name if row.case.department else None,
                closed_at=row.task.closed_at,
                state=row.task.state,
                rounds=row.task.rounds,
                attempts=row.task.attempts,
                result=row.task.result,
                phone=phone or None,
            )
        )
    f = page.filters
    return CallbackPage(
        items=items,
        total=page.total,
        total_capped=page.capped,
        total_text=page.total_text,
        page=f.page,
        per_page=f.per_page,
        pages=page.pages,
    )


@api.post("/cases/{case_id}/callback", responses=errors(409))
async def api_callback(
    db: SessionDep, settings: SettingsDep, user: ApiUser, case_id: str, body: CallbackIn
) -> CallbackOut:
    """Record a 回访 (coordinators and admins); a 回访重办 is told to the department."""
    outbound = Outbound.of(settings)

    def work() -> CallbackOut:
        actor = Actor.from_user(user)
        done = handoffs.call_back(db, actor=actor, case_id=case_id, outbound=outbound, **body.model_dump())
        p = done.event.payload
        return CallbackOut(
            event_id=done.event.id,
            case_id=done.task.case_id,
            attempt=done.task.attempts,
            reached=bool(getattr(p, "reached", False)),
            resolved=getattr(p, "resolved", None),
            satisfaction=getattr(p, "satisfaction", None),
            state=done.task.state,
            result=done.task.result,
            reopened=done.reopened is not None,
            case_status=load_case(db, case_id).status,
        )

    return await run_in_threadpool(work)


def _assistance_out(event: CaseEvent) -> AssistanceOut:
    p = event.payload
    return AssistanceOut(
        event_id=event.id,
        case_id=event.case_id,
        what=event.reason,
        department_id=getattr(p, "department_id", None),
        department=getattr(p, "department", ""),
        person=getattr(p, "person", ""),
        given_on=getattr(p, "given_on", None),
        recorded_by=event.actor_label,
        created_at=event.created_at,
    )


@api.get("/cases/{case_id}/assistance", responses=errors(404))
def api_assistance(db: SessionDep, user: ApiUser, case_id: str) -> list[AssistanceOut]:
    """The assistance recorded on a case (staff who may see it)."""
    case = load_case(db, case_id)
    ensure_can_see(case, Actor.from_user(user))
    return [_assistance_out(e) for e in callbacks.assistance_of(db, case)]


@api.post("/cases/{case_id}/assistance", status_code=201, responses=errors(409))
async def api_record_assistance(db: SessionDep, user: ApiUser, case_id: str, body: AssistanceIn) -> AssistanceOut:
    """记录帮扶 on a help case (the department's handlers)."""

    def work() -> AssistanceOut:
        event = callbacks.record_assistance(db, actor=Actor.from_user(user), case_id=case_id, **body.model_dump())
        return _assistance_out(event)

    return await run_in_threadpool(work)


def _repeat_out(info: repeats.RepeatInfo) -> RepeatOut:
    flag = info.flag
    return RepeatOut(
        case_id=flag.case_id,
        title=info.case.message.title,
        matched_by=flag.matched_by.split(","),
        flagged_at=flag.flagged_at,
        earlier=[
            RepeatLinkOut(
                case_id=c.id,
                title=c.message.title,
                status=c.status,
                matched_by=link.matched_by.split(","),
                score=link.score,
            )
            for link, c in info.links
        ],
    )


@api.get("/cases/{case_id}/repeat", responses=errors(404))
def api_repeat(db: SessionDep, user: ApiUser, case_id: str) -> RepeatOut:
    """The case's 重复投诉 flag with its earlier complaints (404 when it has none)."""
    case = load_case(db, case_id)
    ensure_can_see(case, Actor.from_user(user))
    if user.role not in repeats.READERS:  # earlier complaints of other departments, private ones too
        raise PermissionDenied("重复投诉提示只供受理员、督办员和管理员查看")
    info = repeats.repeat_info(db, case.id, scope=scope.of_user(user))
    if info is None:
        raise NotFound("该办件没有重复投诉提示")
    return _repeat_out(info)


@api.get("/repeats", responses=errors(422), openapi_extra=query_parameters(page=integer_or_empty(1, 500)))
def api_repeats(request: Request, db: SessionDep, user: ApiUser) -> RepeatPage:
    """The 重复投诉 list for supervisors and admins, newest flag first."""
    if user.role not in {Role.SUPERVISOR, Role.ADMIN}:
        raise PermissionDenied("您的角色无权查看重复投诉")
    page = _page_number(request.query_params.get("page"))
    seen = scope.of_user(user)
    rows, total = repeats.repeat_flags(db, page=page, scope=seen)
    items = [
        _repeat_out(info) for row in rows if (info := repeats.repeat_info(db, row.case.id, scope=seen)) is not None
    ]
    return RepeatPage(items=items, total=total, page=page, pages=max(1, -(-total // 20)))
