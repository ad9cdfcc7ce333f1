"""下派 and 上报: a case not yet with a department moves down to a jurisdiction right below the one that holds it,
or up to its parent with the reason this level cannot solve it. Each move is an event (`send_down` / `send_up`,
payload {from_jurisdiction_id, to_jurisdiction_id, from, to}) written with the case row in one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minyi.core.db import get_by_id
from minyi.core.errors import ValidationFailed
from minyi.core.validation import text_field
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import root
from minyi.workflow.actors import Actor
from minyi.workflow.events import SendDownPayload, SendUpPayload
from minyi.workflow.levels import holder, level_id
from minyi.workflow.models import Case
from minyi.workflow.services import REASON_MAX, _apply, _check, load_case_for


def send_down(session: Session, *, actor: Actor, case_id: Any, jurisdiction_id: Any, note: str = "") -> Case:
    """下派: to an active jurisdiction right below the one that holds the case; the status stays 待受理."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="send_down")
    note = text_field(note, field="note", label="下派意见", max_len=REASON_MAX, required=False).strip()
    source = holder(session, case)
    target = get_by_id(session, Jurisdiction, jurisdiction_id)
    if target is None or target.parent_id != source.id:
        raise ValidationFailed(f"请选择“{source.name}”的下级辖区", field="jurisdiction_id")
    if not target.is_active:
        raise ValidationFailed(f"“{target.name}”已停用，不能下派", field="jurisdiction_id")
    step = _check(case, action, reason=note)
    payload = SendDownPayload(
        from_jurisdiction_id=source.id, to_jurisdiction_id=target.id, from_name=source.name, to_name=target.name
    )
    _move(case, target, reason=f"{source.name}下派至{target.name}" + (f"：{note}" if note else ""))
    return _apply(session, case=case, step=step, actor=actor, payload=payload)


def send_up(session: Session, *, actor: Actor, case_id: Any, reason: str) -> Case:
    """上报: to the parent of the jurisdiction that holds the case, with the reason (internal); the status stays.
    An actor of the lower level no longer sees the case afterwards (`services.can_see`)."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="send_up")
    source = holder(session, case)
    if source.parent_id is None:
        raise ValidationFailed(f"“{source.name}”是最高一级，不能再上报", field="jurisdiction_id")
    parent = get_by_id(session, Jurisdiction, source.parent_id) or root(session)
    step = _check(case, action, reason=reason)
    payload = SendUpPayload(
        from_jurisdiction_id=source.id, to_jurisdiction_id=parent.id, from_name=source.name, to_name=parent.name
    )
    _move(case, parent, reason=f"{source.name}上报至{parent.name}：{step.reason.strip()}")
    return _apply(session, case=case, step=step, actor=actor, payload=payload)


def _move(case: Case, target: Jurisdiction, *, reason: str) -> None:
    """The case row in its new jurisdiction (the root stored as NULL, as on every row of the root)."""
    case.jurisdiction_id = None if level_id(target.id) == level_id(None) else target.id
    case.jurisdiction = None if case.jurisdiction_id is None else target
    case.jurisdiction_reason = reason[:2000]
