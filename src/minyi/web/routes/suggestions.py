"""吸纳: the public 建言采纳 page, the adoption decision and commitment forms, the commitment lists, and their API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from minyi.accounts.models import Role, User
from minyi.core.clock import china_today
from minyi.core.db import MAX_ID
from minyi.core.errors import NotFound
from minyi.departments.services import department_menu
from minyi.messages.display import public_display
from minyi.suggestions import services, views
from minyi.suggestions.decisions import COMMITMENT_STATUSES, DECISIONS
from minyi.suggestions.models import Commitment
from minyi.suggestions.schemas import (
    AdoptionIn,
    CommitmentIn,
    CommitmentOut,
    CommitmentPage,
    DoneIn,
    ProgressIn,
    SuggestionOut,
    SuggestionPage,
    UpdateOut,
)
from minyi.web.deps import ApiUser, FormDep, SessionDep, StaffUser, optional_staff
from minyi.web.openapi import choices, errors, integer_or_empty, query_parameters
from minyi.web.templating import render
from minyi.workflow import scope
from minyi.workflow.actors import Actor
from minyi.workflow.models import Case

router = APIRouter(dependencies=[Depends(optional_staff)])
api = APIRouter(prefix="/api/v1", tags=["v1"])
ADOPTED_QUERY = query_parameters(
    department_id=integer_or_empty(1, MAX_ID),
    status=choices(COMMITMENT_STATUSES),
    page=integer_or_empty(1, 100000),
)
COMMITMENTS_QUERY = query_parameters(
    department_id=integer_or_empty(1, MAX_ID), overdue=choices(["0", "1"]), page=integer_or_empty(1, 100000)
)


def _own_department(user: User) -> int | None:
    """A handler reads its own department's commitments only; the others read every department's."""
    return user.department_id if user.role is Role.HANDLER else None


def _commitment_filters(request: Request, user: User) -> views.CommitmentFilters:
    params = dict(request.query_params)
    if user.role is not Role.HANDLER:
        params.setdefault("overdue", "1")  # the supervisor's list: what is late
    return views.parse_commitment_filters(params, department_id=_own_department(user))


# --- pages ---


@router.get("/adopted")
def adopted_page(request: Request, db: SessionDep) -> Response:
    """建言采纳: adopted suggestions with their commitments and progress, by department and status."""
    filters = views.parse_adopted_filters(dict(request.query_params))
    page = views.adopted_suggestions(db, filters=filters)
    context = {"page": page, "filters": filters, "departments": department_menu(db), "today": china_today()}
    return render(request, "suggestions/adopted.html", context)


@router.post("/staff/cases/{case_id}/adoption")
def adoption_form(db: SessionDep, user: StaffUser, form: FormDep, case_id: str) -> Response:
    """The decision form of the staff case page (with its first commitment when adopting)."""
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    commitment = {k: fields.get(k, "") for k in ("what", "department_id", "due_on")}
    has_commitment = any(v.strip() for k, v in commitment.items() if k != "department_id")
    services.decide(
        db,
        actor=Actor.from_user(user),
        case_id=case_id,
        decision=fields.get("decision"),
        reason=fields.get("reason"),
        commitments=[commitment] if has_commitment else [],
    )
    return RedirectResponse(f"/staff/cases/{int(case_id)}?{urlencode({'done': 'adopt', 'case': case_id})}", 303)


@router.post("/staff/cases/{case_id}/commitments")
def commitment_form(db: SessionDep, user: StaffUser, form: FormDep, case_id: str) -> Response:
    """One more commitment on an adopted suggestion."""
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    services.add_commitment(db, actor=Actor.from_user(user), case_id=case_id, fields=fields)
    return RedirectResponse(f"/staff/cases/{int(case_id)}?{urlencode({'done': 'commit', 'case': case_id})}", 303)


@router.get("/staff/commitments")
def commitments_page(request: Request, db: SessionDep, user: StaffUser) -> Response:
    """承诺事项: a handler's department's open commitments (overdue first by date); everyone else's overdue ones."""
    filters = _commitment_filters(request, user)
    page = views.open_commitments(db, filters=filters, today=china_today(), scope=scope.of_user(user))
    context = {
        "page": page,
        "filters": filters,
        "today": china_today(),
        "can_update": user.role is Role.HANDLER,
        "departments": department_menu(db) if user.role is not Role.HANDLER else [],
    }
    return render(request, "suggestions/commitments.html", context)


@router.post("/staff/commitments/{commitment_id}/progress")
def progress_form(db: SessionDep, user: StaffUser, form: FormDep, commitment_id: str) -> Response:
    """Post a progress update from the commitment list."""
    services.post_progress(
        db, actor=Actor.from_user(user), commitment_id=commitment_id, body=form.get("body"), percent=form.get("percent")
    )
    return RedirectResponse(f"/staff/commitments?updated={int(commitment_id)}#commitment-{int(commitment_id)}", 303)


@router.post("/staff/commitments/{commitment_id}/done")
def done_form(db: SessionDep, user: StaffUser, form: FormDep, commitment_id: str) -> Response:
    """Mark a commitment done from the commitment list."""
    services.mark_done(db, actor=Actor.from_user(user), commitment_id=commitment_id, body=form.get("body"))
    return RedirectResponse(f"/staff/commitments?done={int(commitment_id)}", 303)


# --- JSON ---


def commitment_out(view: views.CommitmentView, *, today: Any) -> CommitmentOut:
    """A commitment as JSON (its text and updates masked as on the public pages)."""
    c = view.commitment
    return CommitmentOut(
        id=c.id,
        case_id=c.case_id,
        what=public_display(c.what),
        department_id=c.department_id,
        department=c.department.name,
        due_on=c.due_on,
        status=c.status,
        status_name=COMMITMENT_STATUSES.get(c.status, c.status),
        percent=c.percent,
        overdue=view.overdue(today),
        updates=[
            UpdateOut(body=public_display(u.body), percent=u.percent, done=u.done, created_at=u.created_at)
            for u in view.updates
        ],
    )


def suggestion_out(view: views.SuggestionView, *, today: Any) -> SuggestionOut:
    """A decided suggestion as JSON: public text only, masked."""
    a = view.adoption
    case: Case = a.case
    return SuggestionOut(
        case_id=a.case_id,
        title=public_display(case.message.title),
        department=a.department.name if a.department else None,
        decision=a.decision,
        decision_name=DECISIONS.get(a.decision, a.decision),
        reason=public_display(a.reason),
        status=a.status,
        decided_at=a.decided_at,
        commitments=[commitment_out(c, today=today) for c in view.commitments],
    )


@api.get("/adopted", responses=errors(422), openapi_extra=ADOPTED_QUERY)
def adopted(request: Request, db: SessionDep) -> SuggestionPage:
    """建言采纳 (public): adopted suggestions with commitments and latest progress; `department_id`, `status`
    (open 推进中, done 已完成), `page`."""
    page = views.adopted_suggestions(db, filters=views.parse_adopted_filters(dict(request.query_params)))
    today = china_today()
    return SuggestionPage(
        items=[suggestion_out(v, today=today) for v in page.items],
        total=page.total,
        total_capped=page.capped,
        page=page.page,
        pages=page.pages,
    )


@api.get("/cases/{case_id}/suggestion", responses=errors(404))
def case_suggestion(db: SessionDep, case_id: str) -> SuggestionOut:
    """A public case's adoption decision with every commitment and update (404 when undecided or not public)."""
    view = views.public_suggestion(db, case_id)
    return suggestion_out(view, today=china_today())


@api.post("/staff/cases/{case_id}/adoption", status_code=201, responses=errors(409))
async def decide(db: SessionDep, user: ApiUser, case_id: str, body: AdoptionIn) -> SuggestionOut:
    """采纳决定 by the handling department on a replied suggestion, with its commitments."""

    def work() -> SuggestionOut:
        commitments = [c.model_dump() for c in body.commitments]
        adoption = services.decide(
            db,
            actor=Actor.from_user(user),
            case_id=case_id,
            decision=body.decision,
            reason=body.reason,
            commitments=commitments,
        )
        return _staff_suggestion(db, adoption.case_id)

    return await run_in_threadpool(work)


@api.post("/staff/cases/{case_id}/commitments", status_code=201, responses=errors(409))
async def add_commitment(db: SessionDep, user: ApiUser, case_id: str, body: CommitmentIn) -> SuggestionOut:
    """One more commitment on an adopted suggestion."""

    def work() -> SuggestionOut:
        commitment = services.add_commitment(db, actor=Actor.from_user(user), case_id=case_id, fields=body.model_dump())
        return _staff_suggestion(db, commitment.case_id)

    return await run_in_threadpool(work)


@api.post("/staff/commitments/{commitment_id}/progress", status_code=201, responses=errors(409))
async def progress(db: SessionDep, user: ApiUser, commitment_id: str, body: ProgressIn) -> SuggestionOut:
    """A public progress update, by staff of the commitment's department."""

    def work() -> SuggestionOut:
        actor = Actor.from_user(user)
        update = services.post_progress(
            db, actor=actor, commitment_id=commitment_id, body=body.body, percent=body.percent
        )
        return _staff_suggestion(db, db.get_one(Commitment, update.commitment_id).case_id)

    return await run_in_threadpool(work)


@api.post("/staff/commitments/{commitment_id}/done", responses=errors(409))
async def done(db: SessionDep, user: ApiUser, commitment_id: str, body: DoneIn) -> SuggestionOut:
    """Mark a commitment done, by staff of its department."""

    def work() -> SuggestionOut:
        commitment = services.mark_done(db, actor=Actor.from_user(user), commitment_id=commitment_id, body=body.body)
        return _staff_suggestion(db, commitment.case_id)

    return await run_in_threadpool(work)


@api.get("/staff/commitments", responses=errors(422), openapi_extra=COMMITMENTS_QUERY)
def staff_commitments(request: Request, db: SessionDep, user: ApiUser) -> CommitmentPage:
    """Open commitments, earliest date first: a handler's own department's (`overdue=1`: late only); for other
    roles every department's overdue ones by default (`overdue=0`: all open), `department_id` to pick one."""
    filters = _commitment_filters(request, user)
    today = china_today()
    page = views.open_commitments(db, filters=filters, today=today, scope=scope.of_user(user))
    return CommitmentPage(
        items=[commitment_out(v, today=today) for v in page.items],
        total=page.total,
        total_capped=page.capped,
        page=page.page,
        pages=page.pages,
    )


def _staff_suggestion(db: SessionDep, case_id: int) -> SuggestionOut:
    view = views.suggestion_of(db, case_id)
    if view is None:  # the use case has just stored it
        raise NotFound("该建议尚未作出采纳决定")
    return suggestion_out(view, today=china_today())
