"""Case use cases: each checks the request, changes state, records an event and returns the case."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today, utcnow
from minyi.core.db import get_by_id, parse_id
from minyi.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from minyi.core.validation import choice_field, int_field, text_field
from minyi.core.workdays import add_workdays
from minyi.departments.models import Department
from minyi.jurisdictions.services import in_scope
from minyi.messages.analysis import record_labels
from minyi.nlp.labels import APPEAL_KINDS, DOMAINS
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.config import get_setting
from minyi.workflow.events import (
    PAYLOADS,
    AcknowledgePayload,
    ApproveExtensionPayload,
    AssignPayload,
    AutoClosePayload,
    Change,
    MergePayload,
    Payload,
    RatePayload,
    RefuseExtensionPayload,
    ReopenPayload,
    ReplyPayload,
    RequestExtensionPayload,
    ReturnPayload,
    SupportedPayload,
    TransferPayload,
)
from minyi.workflow.levels import check_department_level, level_deadline_days
from minyi.workflow.models import Case, CaseEvent, ExtensionRequest, Rating, Reply

REASON_MAX = 2000
REPLY_MIN, REPLY_MAX = 10, 10000
RATING_LEVELS = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}


def record_event(
    session: Session,
    *,
    case: Case,
    payload: Payload,
    actor: Actor,
    from_status: str | None,
    to_status: str | None,
    reason: str = "",
    public: bool = True,
) -> CaseEvent:
    """Append one entry to the event log: its kind and data are the payload's (`minyi.workflow.events`)."""
    entry = CaseEvent(
        case_id=case.id,
        kind=payload.KIND.value,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.user_id,
        actor_label=actor.label,
        reason=reason,
        is_public=public,
        data=payload.to_json(),
        created_at=utcnow(),
    )
    session.add(entry)
    return entry


def load_case(session: Session, case_id: Any) -> Case:
    """The case with this id, locked for update where the database supports it."""
    key = parse_id(case_id)
    if key is None:
        raise NotFound("办件不存在")
    # populate_existing: a case already loaded in this session (the tracking page's, say) is read again under the
    # lock, so that a check made next (one reopen only, the current status) sees what a concurrent request committed
    locked = select(Case).where(Case.id == key).with_for_update(of=Case).execution_options(populate_existing=True)
    case = session.execute(locked).unique().scalar_one_or_none()
    if case is None:
        raise NotFound("办件不存在")
    return case


def in_jurisdiction(case: Case, actor: Actor) -> bool:
    """Whether the case's jurisdiction is the actor's or one below it (staff of the root see every case)."""
    if not actor.jurisdiction_path:
        return True
    return in_scope(case.jurisdiction.path if case.jurisdiction is not None else "", actor.jurisdiction_path)


def can_see(case: Case, actor: Actor) -> bool:
    """Staff see the cases of their jurisdiction and those below it; within that, a role that only does a
    department's work (a handler) sees only its department's cases."""
    if not in_jurisdiction(case, actor):
        return False
    if actor.role not in states.DEPARTMENT_ROLES:
        return True
    return actor.department_id is not None and case.department_id == actor.department_id


def ensure_can_see(case: Case, actor: Actor) -> None:
    """403 unless `actor` may see this case."""
    if not in_jurisdiction(case, actor):
        raise PermissionDenied("该办件不属于您的辖区")
    if not can_see(case, actor):
        raise PermissionDenied("该办件不属于您的部门")


def check_department(case: Case, action: states.Action, actor: Actor) -> None:
    """403 when the action is a department's (`Action.department_scoped`) and the case is not the actor's."""
    if action.department_scoped and (actor.department_id is None or case.department_id != actor.department_id):
        raise PermissionDenied("该办件不属于您的部门")


def load_case_for(session: Session, *, case_id: Any, actor: Actor, action: str) -> tuple[Case, states.Action]:
    """The case `actor` is about to act on, and the action: the case exists, the role may act, the department
    is the actor's; only then (`_check`, in the use case) its status, so that a case out of reach answers 403
    and never reveals its status.
    """
    case = load_case(session, case_id)
    checked = states.check_actor(action, actor=actor.role)
    if not in_jurisdiction(case, actor):
        raise PermissionDenied("该办件不属于您的辖区")
    check_department(case, checked, actor)
    return case, checked


@dataclass(frozen=True)
class _Step:
    """An action found legal for the case as it stands, with its reason checked: what `_apply` carries out."""

    action: states.Action
    reason: str


def _check(case: Case, action: states.Action, *, reason: str = "") -> _Step:
    """The status (the role and department were checked when the case was loaded), and the reason when the
    action needs one. A use case calls it once, before it changes anything."""
    states.check_status(action, status=case.status)
    if action.needs_reason:
        reason = text_field(reason, field="reason", label="理由", max_len=REASON_MAX, min_len=2)
    return _Step(action, reason)


def _apply(session: Session, *, case: Case, step: _Step, actor: Actor, payload: Payload | None = None) -> Case:
    """Carry out a checked step: the new status and its event (nothing is checked again here)."""
    before = case.status
    if step.action.target is not None:
        case.status = step.action.target
    case.updated_at = utcnow()
    payload = payload or PAYLOADS[step.action.name]()
    record_event(
        session,
        case=case,
        payload=payload,
        actor=actor,
        from_status=before,
        to_status=case.status,
        reason=step.reason,
        public=step.action.public,
    )
    session.flush()
    return case


def _department(session: Session, department_id: Any, *, case: Case) -> Department:
    """An active department of the jurisdiction that holds the case (minyi.workflow.levels)."""
    dept = get_by_id(session, Department, department_id)
    if dept is None or not dept.is_active:
        raise ValidationFailed("请选择有效的承办部门", field="department_id")
    check_department_level(session, case, dept)
    return dept


def _set_deadline(session: Session, case: Case) -> None:
    """The deadline from today by the days its jurisdiction (or the nearest above it, or the installation) sets."""
    days = level_deadline_days(session, case, case.message.appeal_kind)
    case.deadline = add_workdays(china_today(), days)


def assign(
    session: Session,
    *,
    actor: Actor,
    case_id: Any,
    department_id: Any,
    domain: Any = None,
    appeal_kind: Any = None,
    note: str = "",
) -> Case:
    """受理 and 转办: send a new or returned case to a department with a deadline."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="assign")
    dept = _department(session, department_id, case=case)
    note = text_field(note, field="note", label="转办意见", max_len=REASON_MAX, required=False)
    kind = choice_field(appeal_kind, field="appeal_kind", label="诉求类型", choices=APPEAL_KINDS, required=False)
    dom = choice_field(domain, field="domain", label="领域", choices=DOMAINS, required=False)
    step = _check(case, action, reason=note)
    kind_change = domain_change = None
    if kind and kind != case.message.appeal_kind:
        kind_change = Change(case.message.appeal_kind, kind)
        case.message.appeal_kind = kind  # the coordinator's classification, recorded in the event
    if dom and dom != case.message.domain:
        domain_change = Change(case.message.domain, dom)
        case.message.domain = dom
    record_labels(
        session,
        message=case.message,
        user_id=actor.user_id,
        values={"domain": case.message.domain, "appeal_kind": case.message.appeal_kind, "department": dept.name},
    )
    case.department_id = dept.id
    case.assigned_at = utcnow()
    _set_deadline(session, case)
    payload = AssignPayload(
        department_id=dept.id,
        department=dept.name,
        appeal_kind=kind_change,
        domain=domain_change,
        deadline=case.deadline,
    )
    return _apply(session, case=case, step=step, actor=actor, payload=payload)


def transfer(session: Session, *, actor: Actor, case_id: Any, department_id: Any, reason: str) -> Case:
    """改派: move an open case to another department; the deadline keeps running."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="transfer")
    dept = _department(session, department_id, case=case)
    if dept.id == case.department_id:
        raise ValidationFailed("改派的部门与当前承办部门相同", field="department_id")
    payload = TransferPayload(from_department_id=case.department_id, department_id=dept.id, department=dept.name)
    step = _check(case, action, reason=reason)
    case.department_id = dept.id
    return _apply(session, case=case, step=step, actor=actor, payload=payload)


def reject(session: Session, *, actor: Actor, case_id: Any, reason: str) -> Case:
    """不予受理, always with a public reason."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="reject")
    reason = text_field(reason, field="reason", label="不予受理的理由", max_len=REASON_MAX, min_len=5)
    step = _check(case, action, reason=reason)
    case.public_reason = reason
    _apply(session, case=case, step=step, actor=actor)
    case.closed_at = utcnow()
    return case


def merge(session: Session, *, actor: Actor, case_id: Any, into_case_id: Any, note: str = "") -> Case:
    """合并: a duplicate joins another case; the citizen is told which one."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="merge")
    target = load_case(session, into_case_id)
    if target.id == case.id:
        raise ValidationFailed("不能与自身合并", field="into_case_id")
    if target.status in {states.MERGED, states.REJECTED}:
        raise ValidationFailed(f"目标办件 {target.id} 已合并或不予受理，不能作为合并目标", field="into_case_id")
    note = text_field(note, field="note", label="说明", max_len=REASON_MAX, required=False)
    public_reason = f"与办件 {target.id} 反映的问题相同，合并办理"
    step = _check(case, action, reason=note or public_reason)
    case.merged_into_id = target.id
    case.public_reason = public_reason
    _apply(session, case=case, step=step, actor=actor, payload=MergePayload(into_case_id=target.id))
    target.supports += 1
    record_event(
        session,
        case=target,
        payload=SupportedPayload(merged_case_id=case.id),
        actor=actor,
        from_status=target.status,
        to_status=target.status,
        reason=f"办件 {case.id} 合并到本件",
    )
    return case


def accept(session: Session, *, actor: Actor, case_id: Any) -> Case:
    """签收: the department starts handling."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="accept")
    return _apply(session, case=case, step=_check(case, action), actor=actor)


def return_case(
    session: Session, *, actor: Actor, case_id: Any, reason: str, suggested_department_id: Any = None
) -> Case:
    """退回 to the coordinator with a reason, optionally asking for a transfer to another department."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="return")
    payload = ReturnPayload(department_id=case.department_id)
    if suggested_department_id not in (None, ""):
        dept = _department(session, suggested_department_id, case=case)
        payload = replace(
            payload, suggested_department_id=dept.id, suggested_department=dept.name, transfer_requested=True
        )
    _apply(session, case=case, step=_check(case, action, reason=reason), actor=actor, payload=payload)
    case.department_id = None
    case.deadline = None
    return case


def request_extension(session: Session, *, actor: Actor, case_id: Any, days: Any, reason: str) -> ExtensionRequest:
    """延期 request: more working days, decided by a supervisor."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="request_extension")
    days = int_field(days, field="days", label="延期天数", minimum=1, maximum=30)
    pending = session.scalar(
        select(ExtensionRequest).where(ExtensionRequest.case_id == case.id, ExtensionRequest.status == "pending")
    )
    if pending is not None:
        raise InvalidTransition("已有待审批的延期申请")
    _apply(
        session,
        case=case,
        step=_check(case, action, reason=reason),
        actor=actor,
        payload=RequestExtensionPayload(days=days),
    )
    request = ExtensionRequest(case_id=case.id, days=days, reason=reason.strip(), requested_by=actor.user_id)
    session.add(request)
    session.flush()
    return request


def decide_extension(
    session: Session, *, actor: Actor, extension_id: Any, approve: bool, note: str = ""
) -> ExtensionRequest:
    """Approve (deadline moves by the requested working days) or refuse (reason required)."""
    action = states.check_actor("approve_extension" if approve else "refuse_extension", actor=actor.role)
    request = get_by_id(session, ExtensionRequest, extension_id)
    if request is None:
        raise NotFound("延期申请不存在")
    if request.status != "pending":
        raise InvalidTransition("该延期申请已处理")
    case = load_case(session, request.case_id)
    check_department(case, action, actor)
    step = _check(case, action, reason=note)
    payload: Payload = RefuseExtensionPayload(extension_id=request.id, days=request.days)
    if approve:
        case.deadline = add_workdays(case.deadline or china_today(), request.days)
        payload = ApproveExtensionPayload(extension_id=request.id, days=request.days, deadline=case.deadline)
    _apply(session, case=case, step=step, actor=actor, payload=payload)
    request.status = "approved" if approve else "refused"
    request.decided_by = actor.user_id
    request.decision_note = note
    request.decided_at = utcnow()
    return request


def reply(session: Session, *, actor: Actor, case_id: Any, body: str) -> Reply:
    """答复: the department's public answer."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="reply")
    body = text_field(body, field="body", label="答复内容", max_len=REPLY_MAX, min_len=REPLY_MIN)
    step = _check(case, action)
    answer = Reply(
        case_id=case.id, department_id=case.department_id, author_id=actor.user_id, body=body, created_at=utcnow()
    )
    session.add(answer)
    session.flush()
    case.replied_at = answer.created_at
    _apply(session, case=case, step=step, actor=actor, payload=ReplyPayload(reply_id=answer.id))
    return answer


PRAISE = "praise"  # the appeal kind acknowledged by `acknowledge` (minyi.nlp.labels)


def acknowledge(session: Session, *, actor: Actor, case_id: Any, body: str) -> Reply:
    """答谢表扬: the department's public thanks for a praise is its reply and closes the case (no rating cycle)."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="acknowledge")
    if case.message.appeal_kind != PRAISE:
        raise InvalidTransition("只有表扬类留言可以答谢办结；其他留言请答复")
    body = text_field(body, field="body", label="答谢内容", max_len=REPLY_MAX, min_len=REPLY_MIN)
    step = _check(case, action)
    answer = Reply(
        case_id=case.id, department_id=case.department_id, author_id=actor.user_id, body=body, created_at=utcnow()
    )
    session.add(answer)
    session.flush()
    case.replied_at = case.closed_at = answer.created_at
    _apply(session, case=case, step=step, actor=actor, payload=AcknowledgePayload(reply_id=answer.id))
    return answer


def reply_by_explanation(session: Session, *, actor: Actor, case_id: Any, body: str, explanation_id: int) -> Reply:
    """答复 by a public explanation (政策解读 / 辟谣, minyi.knowledge): a coordinator's reply event naming it."""
    case = load_case(session, case_id)
    if actor.role not in states.EXPLAIN.actors:
        raise PermissionDenied(f"当前角色无权执行“{states.EXPLAIN.label}”")
    step = _check(case, states.EXPLAIN)
    answer = Reply(
        case_id=case.id, department_id=case.department_id, author_id=actor.user_id, body=body, created_at=utcnow()
    )
    session.add(answer)
    session.flush()
    case.replied_at = answer.created_at
    payload = ReplyPayload(reply_id=answer.id, explanation_id=explanation_id)
    _apply(session, case=case, step=step, actor=actor, payload=payload)
    return answer


def escalate(session: Session, *, actor: Actor, case_id: Any, reason: str) -> Case:
    """督办: a supervisor presses the department on an open case."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="escalate")
    _apply(session, case=case, step=_check(case, action, reason=reason), actor=actor)
    case.escalated = True
    return case


def latest_reply(session: Session, case: Case) -> Reply | None:
    """The newest reply of a case."""
    return session.scalars(
        select(Reply).where(Reply.case_id == case.id).order_by(Reply.created_at.desc(), Reply.id.desc())
    ).first()


def rate(session: Session, *, case: Case, level: Any, comment: str = "") -> Rating:
    """满意度评价 by the citizen on the latest reply; closes the case."""
    level = choice_field(level, field="level", label="评价", choices=RATING_LEVELS)
    comment = text_field(comment, field="comment", label="评价意见", max_len=REASON_MAX, required=False)
    step = _check(case, states.check_actor("rate", actor=states.CITIZEN), reason=comment)
    answer = latest_reply(session, case)
    if answer is None:  # a replied case always has a reply; guard against hand-edited data
        raise InvalidTransition("该办件尚无答复，不能评价")
    rating = Rating(case_id=case.id, reply_id=answer.id, level=level, comment=comment, created_at=utcnow())
    session.add(rating)
    session.flush()
    _apply(
        session,
        case=case,
        step=step,
        actor=Actor.citizen(),
        payload=RatePayload(level=level, level_name=RATING_LEVELS[level], rating_id=rating.id),
    )
    case.closed_at = rating.created_at
    return rating


def latest_rating(session: Session, case: Case) -> Rating | None:
    """The newest rating of a case."""
    return session.scalars(
        select(Rating).where(Rating.case_id == case.id).order_by(Rating.created_at.desc(), Rating.id.desc())
    ).first()


def reopen_refusal(session: Session, case: Case) -> str | None:
    """Why the citizen may not reopen this case now, or None when they may."""
    if case.status != states.CLOSED:
        return "只有已办结的办件可以申请重办"
    if case.reopen_count >= 1:
        return "每件留言只能申请重办一次"
    rating = latest_rating(session, case)
    if rating is None or rating.level != "unsatisfied":
        return "只有评价为“不满意”的办件可以申请重办"
    window = int(get_setting(session, "reopen_window_days"))
    if case.closed_at is not None and utcnow() - case.closed_at > timedelta(days=window):
        return f"办结超过 {window} 天，不能再申请重办"
    return None


def reopen(session: Session, *, case: Case, reason: str) -> Case:
    """重办: back to the same department with the citizen's comment and a new deadline (the case locked and read
    again first: two requests at once make one reopen)."""
    case = load_case(session, case.id)
    refusal = reopen_refusal(session, case)
    if refusal:
        raise InvalidTransition(refusal)
    step = _check(case, states.check_actor("reopen", actor=states.CITIZEN), reason=reason)
    _set_deadline(session, case)  # the new deadline is logged with the reopen
    _apply(
        session,
        case=case,
        step=step,
        actor=Actor.citizen(),
        payload=ReopenPayload(department_id=case.department_id, deadline=case.deadline),
    )
    case.reopen_count += 1
    case.closed_at = None
    case.escalated = False
    return case


def auto_close_due(session: Session) -> int:
    """Close replied cases left unrated past the configured number of days; returns how many."""
    days = int(get_setting(session, "auto_close_days"))
    cutoff = utcnow() - timedelta(days=days)
    due = session.scalars(select(Case).where(Case.status == states.REPLIED, Case.replied_at <= cutoff)).all()
    for case in due:
        step = _check(case, states.check_actor("auto_close", actor=states.SYSTEM))
        _apply(session, case=case, step=step, actor=Actor.system(), payload=AutoClosePayload(after_days=days))
        case.closed_at = utcnow()
    return len(due)
