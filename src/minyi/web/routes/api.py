"""JSON API under /api/v1: submission, public board, case detail, tracking, and every staff action."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool

from minyi.core.db import MAX_ID
from minyi.core.errors import ValidationFailed
from minyi.departments.services import department_tree
from minyi.jurisdictions import public as jurisdictions
from minyi.messages.channels import CHANNELS
from minyi.messages.display import APPEAL_KINDS, DOMAINS
from minyi.messages.models import MessageAnalysis
from minyi.messages.schemas import MessageIn, text_pattern
from minyi.notifications import handoffs
from minyi.notifications.services import Outbound
from minyi.web import serializers
from minyi.web.audit import ContactAuditDep, ContactAuditRecorder
from minyi.web.deps import (
    ApiUser,
    SessionDep,
    SettingsDep,
    analyse_after_commit,
    client_hash,
    reanalyse_after_move,
)
from minyi.web.openapi import choices, errors, integer_or_empty, query_parameters
from minyi.web.routes.worklists import list_filters as list_filters_for
from minyi.web.routes.worklists import list_scope
from minyi.workflow import inbox, levels, list_filters, services, views
from minyi.workflow.actors import Actor
from minyi.workflow.dispatch import STAFF_ACTIONS
from minyi.workflow.intake import submit_message
from minyi.workflow.schemas import (
    ActionIn,
    BoardOut,
    CaseMovedOut,
    InboxPage,
    PublicCaseDetail,
    RateIn,
    ReopenIn,
    StaffCase,
    SubmittedOut,
)
from minyi.workflow.states import STATUS_NAMES

router = APIRouter(prefix="/api/v1", tags=["v1"])
BOARD_QUERY = query_parameters(
    domain=choices(DOMAINS),
    appeal_kind=choices(APPEAL_KINDS),
    status=choices(STATUS_NAMES),
    department_id=integer_or_empty(1, MAX_ID),  # core.db.parse_id
    q={"type": "string", "maxLength": views.SEARCH_MAX, "pattern": text_pattern(required=False)},
    page=integer_or_empty(1, 100000),
    jurisdiction={"type": "string", "maxLength": 40, "pattern": "^([a-z0-9][a-z0-9-]{1,39})?$"},  # a slug
)
ActionName = Annotated[str, Path(json_schema_extra={"enum": sorted(STAFF_ACTIONS)})]


# The writing routes are `async def` around one thread call that does all their work: a `def` route's answer
# is checked against its model in a second thread, and the write turn (SQLite) or the connection
# (PostgreSQL), taken in the first, would be held while waiting for it (deps.get_db, docs/scale.md).


@router.post("/messages", status_code=201, responses=errors(409, 429))
async def submit(request: Request, db: SessionDep, settings: SettingsDep, body: MessageIn) -> SubmittedOut:
    """Submit a message. The tracking token in the answer is the only way to rate and follow it."""

    def work() -> SubmittedOut:
        result = submit_message(
            db,
            data=body.model_dump(),
            source="api",
            client_hash=client_hash(request),
            rate_limit=settings.submit_rate_limit,
            rate_window_seconds=settings.submit_rate_window_seconds,
        )
        analyse_after_commit(request, result.message.id)
        return SubmittedOut(
            id=result.case.id,
            status=result.case.status,
            tracking_token=result.tracking_token,
            tracking_url=f"/track/{result.tracking_token}",
            publication="public"
            if result.message.is_public
            else ("pending_review" if result.message.review == "pending" else "private"),
        )

    return await run_in_threadpool(work)


@router.get("/cases", responses=errors(404, 422), openapi_extra=BOARD_QUERY)
def board(request: Request, db: SessionDep) -> BoardOut:
    """The public board: `domain`, `appeal_kind`, `department_id`, `status`, `q`, `page` filters; `jurisdiction`
    (a slug, as in /j/<slug>/board): the public cases of that jurisdiction and those below it."""
    filters = views.parse_board_filters(dict(request.query_params))
    if slug := request.query_params.get("jurisdiction"):
        place = jurisdictions.by_slug(db, slug)  # an unknown or inactive one: 404
        filters.jurisdiction_id = None if place.parent_id is None else place.id
    page = views.list_public_cases(db, filters=filters)
    return BoardOut(
        items=[serializers.public_case(c) for c in page.items],
        total=page.total,
        total_capped=page.capped,
        total_text=page.total_text,
        page=page.page,
        pages=page.pages,
    )


@router.get("/cases/{case_id}")
def case_detail(db: SessionDep, case_id: str) -> PublicCaseDetail:
    """A public case with its public history."""
    return serializers.public_detail(views.public_case(db, case_id))


@router.get("/departments")
def departments(db: SessionDep) -> list[dict[str, Any]]:
    """The department tree (public)."""
    return [
        {
            "id": n.department.id,
            "name": n.department.name,
            "parent_id": n.department.parent_id,
            "domains": n.department.domains,
            "depth": n.depth,
        }
        for n in department_tree(db, active_only=True)
    ]


@router.get("/track/{token}")
def track(db: SessionDep, token: str) -> PublicCaseDetail:
    """The citizen's view of their case."""
    case = views.case_by_token(db, token)
    return serializers.public_detail(views.case_view(db, case, public_only=True))


@router.post("/track/{token}/rate", responses=errors(409))
async def rate(db: SessionDep, token: str, body: RateIn) -> PublicCaseDetail:
    """Rate the reply: {"level": "satisfied|basically|unsatisfied", "comment": "..."}."""

    def work() -> PublicCaseDetail:
        case = views.case_by_token(db, token)
        services.rate(db, case=case, level=body.level, comment=body.comment)
        return serializers.public_detail(views.case_view(db, case, public_only=True))

    return await run_in_threadpool(work)


@router.post("/track/{token}/reopen", responses=errors(409))
async def reopen(db: SessionDep, settings: SettingsDep, token: str, body: ReopenIn) -> PublicCaseDetail:
    """Ask for the case to be handled again: {"reason": "..."}."""

    def work() -> PublicCaseDetail:
        case = views.case_by_token(db, token)
        handoffs.reopen(db, case=case, reason=body.reason, outbound=Outbound.of(settings))
        return serializers.public_detail(views.case_view(db, case, public_only=True))

    return await run_in_threadpool(work)


INBOX_QUERY = query_parameters(
    list=choices(inbox.LIST_NAMES),
    number=integer_or_empty(1, MAX_ID),
    phone={"type": "string", "maxLength": 20, "pattern": r"^$|^[0-9+\-() ]{3,20}$"},
    q={"type": "string", "maxLength": list_filters.SEARCH_MAX, "pattern": text_pattern(required=False)},
    place={"type": "string", "maxLength": list_filters.SEARCH_MAX, "pattern": text_pattern(required=False)},
    domain=choices(DOMAINS),
    appeal_kind=choices(APPEAL_KINDS),
    channel=choices(CHANNELS),
    department_id=integer_or_empty(1, MAX_ID),
    status=choices([*STATUS_NAMES, list_filters.ALL_STATUSES]),
    overdue=choices(["0", "1"]),
    unsatisfied=choices(["0", "1"]),
    reopened=choices(["0", "1"]),
    j=integer_or_empty(1, MAX_ID),
    page=integer_or_empty(1, list_filters.ROWS_MAX),
    per_page=integer_or_empty(1, list_filters.PER_PAGE_MAX),
)


@router.get("/staff/inbox", responses=errors(422), openapi_extra=INBOX_QUERY)
def staff_inbox(request: Request, db: SessionDep, user: ApiUser) -> InboxPage:
    """A work list, paged: `list` (default: the caller's own — triage for coordinators, department for handlers,
    deadlines for supervisors; complaints for supervisors), search `number`, `phone`, `q`, `place`, filters
    `domain`, `appeal_kind`, `channel` (受理渠道), `department_id`, `status` (`all`: any), `overdue`, `unsatisfied`,
    `reopened`, `j` (one jurisdiction of the caller's subtree), and `page`, `per_page` (at most 100; the first
    10,000 rows can be paged)."""
    name = request.query_params.get("list") or inbox.default_list(user.role)
    if name not in inbox.LIST_NAMES:
        raise ValidationFailed("列表只能是 " + "、".join(inbox.LIST_NAMES), field="list")
    filters = list_filters_for(request, user, name)
    department_id = user.own_department_id if name == "department" else None
    scope = list_scope(db, user, filters)
    return serializers.inbox_page(
        inbox.work_list(db, name=name, filters=filters, department_id=department_id, scope=scope)
    )


def _staff_case(db: SessionDep, user: ApiUser, case_id: Any, audit: ContactAuditRecorder) -> StaffCase:
    case = services.load_case(db, case_id)
    services.ensure_can_see(case, Actor.from_user(user))
    audit.record(user=user, case=case, what="api_case")  # written after the answer is built (web.audit)
    analysis = db.get(MessageAnalysis, case.message_id)
    shown = levels.shown_analysis(db, case, analysis.result) if analysis else None  # suggestions of its level
    return serializers.staff_detail(views.case_view(db, case, public_only=False), shown)


@router.get("/staff/cases/{case_id}")
def staff_case(audit: ContactAuditDep, db: SessionDep, user: ApiUser, case_id: str) -> StaffCase:
    """Everything about a case (contact data included) for staff who may see it; the view is audited."""
    return _staff_case(db, user, case_id, audit)


@router.post("/staff/cases/{case_id}/actions/{action}", responses=errors(409))
async def staff_action(
    request: Request,
    audit: ContactAuditDep,
    db: SessionDep,
    settings: SettingsDep,
    user: ApiUser,
    case_id: str,
    action: ActionName,
    body: ActionIn,
) -> StaffCase | CaseMovedOut:
    """assign, transfer, reject, merge, accept, return, request_extension, decide_extension, reply, escalate,
    send_down (下派: `jurisdiction_id`, a child of the case's jurisdiction; `note` optional), send_up (上报 to the
    parent: `reason`) — a hand-off is told to whoever has new work, as on the staff pages. After a 上报 that
    takes the case out of the caller's jurisdiction the answer is a `CaseMovedOut`, without the case's data."""
    fields = body.model_dump(exclude_none=True)
    outbound = Outbound.of(settings)

    def work() -> StaffCase | CaseMovedOut:
        actor = Actor.from_user(user)
        handoffs.perform(db, actor=actor, case_id=case_id, action=action, fields=fields, outbound=outbound)
        reanalyse_after_move(request, db, case_id=case_id, action=action)
        case = services.load_case(db, case_id)
        if not services.in_jurisdiction(case, actor):
            where = case.jurisdiction.name if case.jurisdiction is not None else levels.holder(db, case).name
            message = f"办件已上报至{where}，不再属于您的辖区"
            return CaseMovedOut(
                id=case.id,
                status=case.status,
                jurisdiction_id=case.jurisdiction_id,
                jurisdiction=where,
                message=message,
            )
        return _staff_case(db, user, case_id, audit)

    return await run_in_threadpool(work)
