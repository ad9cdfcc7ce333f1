"""Hand-offs told: whoever has new work on a case hears of it, in the same transaction as the change.

A hand-off is an event of the case's log that gives someone work: 转办 and 改派 (the department's handlers),
退回 (the coordinators), 重办 (the citizen's, or a 回访 that found the problem unresolved: `call_back`) and a
supervisor's 督办 (the department's handlers), a request for an extension
(the supervisors, who decide it) and the decision on it (the department's handlers). `perform` and `reopen`
run the use case, then `notify_handoff` on the event it recorded, in the caller's transaction: a change
rolled back takes its notice and its queued e-mails and webhook calls with it, and a change committed always
has them. The notice's key is `<event kind>:<case>:event:<event id>`: telling the same event again sends
nothing, and the next hand-off of the same case (a second 转办 after a 退回) is a new event, told again. The
actor is never told of their own action. The scheduler's automatic 督办 is told by
`services.escalate_planned`. A notice names the case, its title as the public sees it (personal data
masked), what happened and who did it, and links to the staff case page; it never carries the citizen's
contact data nor any free text (reasons and 意见 stay on the case page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import User
from minyi.callbacks.services import CallbackOutcome, record_callback
from minyi.departments.models import Department
from minyi.nlp.display import public_display
from minyi.notifications.models import Notice
from minyi.notifications.services import (
    ASSIGNED,
    ESCALATION,
    EXTENSION_APPROVED,
    EXTENSION_REFUSED,
    EXTENSION_REQUESTED,
    REOPENED,
    RETURNED,
    TRANSFERRED,
    Outbound,
    coordinators,
    department_handlers,
    notify,
    supervisors,
    tell_citizen_of_reply,
)
from minyi.workflow import dispatch
from minyi.workflow import services as workflow
from minyi.workflow.actors import Actor
from minyi.workflow.events import (
    ApproveExtensionPayload,
    AssignPayload,
    CallbackReopenPayload,
    EventKind,
    Payload,
    RefuseExtensionPayload,
    ReopenPayload,
    RequestExtensionPayload,
    ReturnPayload,
    TransferPayload,
)
from minyi.workflow.models import Case, CaseEvent, ExtensionRequest, Reply

P = TypeVar("P", bound=Payload)
# Staff actions (workflow.dispatch) that hand work over, and the event each records (decide_extension: below).
_ACTION_EVENTS = {
    "assign": EventKind.ASSIGN,
    "transfer": EventKind.TRANSFER,
    "return": EventKind.RETURN,
    "escalate": EventKind.ESCALATE,
    "request_extension": EventKind.REQUEST_EXTENSION,
}


def perform(
    session: Session, *, actor: Actor, case_id: Any, action: str, fields: dict[str, Any], outbound: Outbound
) -> Any:
    """A staff action by name (`workflow.dispatch.perform`) and the notice of the hand-off it made, if any."""
    result = dispatch.perform(session, actor=actor, case_id=case_id, action=action, fields=fields)
    handoff = _handoff(action, result)
    if handoff is not None:
        _tell_newest(session, case_id=handoff[0], kind=handoff[1], outbound=outbound)
    if action in {"reply", "acknowledge"} and isinstance(result, Reply):
        _tell_citizen(session, result, outbound)
    return result


def _tell_citizen(session: Session, reply: Reply, outbound: Outbound) -> None:
    """A reply e-mailed to the citizen who gave an address (its public text, as the board shows it)."""
    case = session.get(Case, reply.case_id)
    contact = case.message.contact if case is not None else None
    if case is None or contact is None or not contact.email:
        return
    tell_citizen_of_reply(
        session,
        case=case,
        email=contact.email,
        reply=public_display(reply.body),
        lookup_url=f"{outbound.site_url}/track" if outbound.site_url else "本平台“找回查询链接”页面（/track）",
        outbound=outbound,
    )


def reopen(session: Session, *, case: Case, reason: str, outbound: Outbound) -> Case:
    """重办 at the citizen's request (`workflow.reopen`), told to the department's handlers."""
    workflow.load_case(session, case.id)  # the case's row locked, as the staff actions lock it (`_tell_newest`)
    workflow.reopen(session, case=case, reason=reason)
    _tell_newest(session, case_id=case.id, kind=EventKind.REOPEN, outbound=outbound)
    return case


def call_back(session: Session, *, actor: Actor, case_id: Any, outbound: Outbound, **fields: Any) -> CallbackOutcome:
    """回访 (`minyi.callbacks.services.record_callback`); a 回访重办 is told to the department's handlers."""
    outcome = record_callback(session, actor=actor, case_id=case_id, **fields)
    if outcome.reopened is not None:
        notify_handoff(session, event=outcome.reopened, outbound=outbound)
    return outcome


def _handoff(action: str, result: object) -> tuple[int, EventKind] | None:
    """The case and the event kind of the hand-off a staff action just made (None: it handed nothing over)."""
    if isinstance(result, ExtensionRequest) and action == "decide_extension":
        approved = result.status == "approved"
        return result.case_id, EventKind.APPROVE_EXTENSION if approved else EventKind.REFUSE_EXTENSION
    kind = _ACTION_EVENTS.get(action)
    if kind is None:
        return None
    if isinstance(result, ExtensionRequest):
        return result.case_id, kind
    return (result.id, kind) if isinstance(result, Case) else None


def _tell_newest(session: Session, *, case_id: int, kind: EventKind, outbound: Outbound) -> Notice | None:
    # The case's row is locked until the transaction ends (`workflow.load_case`, FOR UPDATE on PostgreSQL; SQLite
    # has one writer at a time): its newest event of this kind is the one just recorded (events of other kinds,
    # e.g. a 附议 committed meanwhile, are not looked at).
    event = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind.value)
        .order_by(CaseEvent.id.desc())
        .limit(1)
    ).first()
    return notify_handoff(session, event=event, outbound=outbound) if event is not None else None


@dataclass(frozen=True)
class _Told:
    """What a hand-off's notice says, and to whom (before the actor is left out)."""

    kind: str
    title: str
    what: str  # the body's sentence, without the actor
    users: list[User]


def notify_handoff(session: Session, *, event: CaseEvent, outbound: Outbound) -> Notice | None:
    """Tell whoever `event` hands work to, once; None when it hands nothing over or was told already."""
    compose = _COMPOSERS.get(event.kind)
    if compose is None or (event.kind == EventKind.ESCALATE and event.actor_id is None):
        return None  # not a hand-off, or the scheduler's 督办 (told by services.escalate_planned)
    case = session.get(Case, event.case_id)
    if case is None:
        return None
    told = compose(session, case, event)
    by = f"（操作人：{event.actor_label}）" if event.actor_id is not None and event.actor_label else ""
    return notify(
        session,
        kind=told.kind,
        case=case,
        dedup_key=f"{event.kind}:{case.id}:event:{event.id}",
        title=told.title,
        body=told.what + by,
        users=[u for u in told.users if u.id != event.actor_id],
        outbound=outbound,
    )


def _data(event: CaseEvent, kind: type[P]) -> P:
    payload = event.payload
    return payload if isinstance(payload, kind) else kind()


def _about(case: Case) -> str:
    return f"办件 {case.id}「{public_display(case.message.title)}」"


def _department(session: Session, department_id: int | None) -> str:
    dept = session.get(Department, department_id) if department_id is not None else None
    return dept.name if dept is not None else "承办部门"


def _deadline(deadline: date | None, label: str = "办理时限为") -> str:
    return f"{label} {deadline.isoformat()}" if deadline is not None else ""


def _sentence(*parts: str) -> str:
    return "，".join(p for p in parts if p) + "。"


def _assigned(session: Session, case: Case, event: CaseEvent) -> _Told:
    data = _data(event, AssignPayload)
    dept_id = data.department_id or case.department_id
    dept = data.department or _department(session, dept_id)
    what = _sentence(f"{_about(case)}已转办到{dept}", _deadline(data.deadline or case.deadline), "请及时签收办理")
    return _Told(ASSIGNED, f"【转办】办件 {case.id} 已转办到{dept}", what, department_handlers(session, dept_id))


def _transferred(session: Session, case: Case, event: CaseEvent) -> _Told:
    data = _data(event, TransferPayload)
    dept_id = data.department_id or case.department_id
    dept = data.department or _department(session, dept_id)
    moved = f"{_about(case)}已从{_department(session, data.from_department_id)}改派到{dept}"
    what = _sentence(moved, _deadline(case.deadline, "办理时限不变，仍为"), "请及时签收办理")
    return _Told(TRANSFERRED, f"【改派】办件 {case.id} 已改派到{dept}", what, department_handlers(session, dept_id))


def _returned(session: Session, case: Case, event: CaseEvent) -> _Told:
    data = _data(event, ReturnPayload)
    dept = _department(session, data.department_id)
    wish = f"承办部门建议改派到{data.suggested_department}" if data.transfer_requested else ""
    what = _sentence(f"{_about(case)}被{dept}退回", wish, "请重新受理转办")
    return _Told(RETURNED, f"【退回】办件 {case.id} 被{dept}退回", what, coordinators(session, case=case))


def _reopened(session: Session, case: Case, event: CaseEvent) -> _Told:
    data = _data(event, ReopenPayload)
    dept_id = data.department_id or case.department_id
    back = f"{_about(case)}的答复群众不满意，已申请重办，回到{_department(session, dept_id)}重新办理"
    what = _sentence(back, _deadline(data.deadline or case.deadline, "新的办理时限为"), "请尽快办理答复")
    return _Told(REOPENED, f"【重办】办件 {case.id} 群众申请重办", what, department_handlers(session, dept_id))


def _called_back_unresolved(session: Session, case: Case, event: CaseEvent) -> _Told:
    data = _data(event, CallbackReopenPayload)
    dept_id = data.department_id or case.department_id
    back = f"{_about(case)}回访时群众反映问题未解决，已退回{_department(session, dept_id)}重新办理"
    what = _sentence(back, _deadline(data.deadline or case.deadline, "新的办理时限为"), "回访情况见办件页")
    title = f"【回访重办】办件 {case.id} 回访未解决"
    return _Told(REOPENED, title, what, department_handlers(session, dept_id))


def _escalated(session: Session, case: Case, _event: CaseEvent) -> _Told:
    handled = f"{_about(case)}由{_department(session, case.department_id)}承办"
    what = _sentence(handled, _deadline(case.deadline), "已被督办，请尽快办理答复，督办意见见办件页")
    return _Told(ESCALATION, f"【督办】办件 {case.id} 被督办", what, department_handlers(session, case.department_id))


def _extension_requested(session: Session, case: Case, event: CaseEvent) -> _Told:
    days = _data(event, RequestExtensionPayload).days
    asked = f"{_department(session, case.department_id)}为{_about(case)}申请延期 {days} 个工作日"
    what = _sentence(asked, _deadline(case.deadline, "当前办理时限为"), "请审批")
    title = f"【延期申请】办件 {case.id} 申请延期 {days} 个工作日"
    return _Told(EXTENSION_REQUESTED, title, what, supervisors(session, case=case))


def _extension_approved(session: Session, case: Case, event: CaseEvent) -> _Told:
    data = _data(event, ApproveExtensionPayload)
    granted = f"{_about(case)}的延期申请已批准，延期 {data.days} 个工作日"
    what = _sentence(granted, _deadline(data.deadline or case.deadline, "新的办理时限为"))
    title = f"【延期已批准】办件 {case.id} 延期 {data.days} 个工作日"
    return _Told(EXTENSION_APPROVED, title, what, department_handlers(session, case.department_id))


def _extension_refused(session: Session, case: Case, event: CaseEvent) -> _Told:
    days = _data(event, RefuseExtensionPayload).days
    refused = f"{_about(case)}申请延期 {days} 个工作日未获批准"
    what = _sentence(refused, _deadline(case.deadline, "办理时限仍为"), "请按时答复，审批意见见办件页")
    title = f"【延期未批准】办件 {case.id} 的延期申请未获批准"
    return _Told(EXTENSION_REFUSED, title, what, department_handlers(session, case.department_id))


_COMPOSERS: dict[str, Callable[[Session, Case, CaseEvent], _Told]] = {
    EventKind.ASSIGN: _assigned,
    EventKind.TRANSFER: _transferred,
    EventKind.RETURN: _returned,
    EventKind.REOPEN: _reopened,
    EventKind.CALLBACK_REOPEN: _called_back_unresolved,
    EventKind.ESCALATE: _escalated,
    EventKind.REQUEST_EXTENSION: _extension_requested,
    EventKind.APPROVE_EXTENSION: _extension_approved,
    EventKind.REFUSE_EXTENSION: _extension_refused,
}
