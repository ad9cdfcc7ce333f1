"""吸纳 use cases: decide on a suggestion, make commitments, post their progress, mark them done.

Each checks the request, changes state in the caller's transaction and appends a public event to the case's log
(`minyi.workflow.events`: adopt, commit, progress, commitment_done), which also refreshes the case's facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today, utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from minyi.core.validation import choice_field, int_field, text_field
from minyi.departments.models import Department
from minyi.suggestions.decisions import ADOPTING, DECISIONS, DONE, OPEN, SUGGESTION
from minyi.suggestions.models import Adoption, Commitment, CommitmentUpdate
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.events import AdoptPayload, CommitmentDonePayload, CommitPayload, Payload, ProgressPayload
from minyi.workflow.models import Case
from minyi.workflow.services import in_jurisdiction, load_case, load_case_for, record_event

REASON_MIN, REASON_MAX = 5, 2000
WHAT_MIN, WHAT_MAX = 5, 500
UPDATE_MIN, UPDATE_MAX = 5, 2000
COMMITMENTS_MAX = 10  # per decision, and per case in all
HORIZON_DAYS = 5 * 366  # a commitment's date at most about five years ahead
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def due_date(raw: Any, *, today: date, field: str = "due_on") -> date:
    """A commitment's date: `YYYY-MM-DD`, today or later, within the horizon."""
    text = str(raw or "").strip()
    if not text:
        raise ValidationFailed("请填写承诺完成日期", field=field)
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("承诺完成日期格式不正确：应为 YYYY-MM-DD，例如 2027-03-31", field=field) from None
    if day < today:
        raise ValidationFailed(f"承诺完成日期不能早于今天（{today.isoformat()}）", field=field)
    if day > today + timedelta(days=HORIZON_DAYS):
        raise ValidationFailed("承诺完成日期不能超过五年", field=field)
    return day


def _department(session: Session, raw: Any) -> Department:
    dept = get_by_id(session, Department, raw)
    if dept is None or not dept.is_active:
        raise ValidationFailed("请选择有效的承诺部门", field="department_id")
    return dept


def _event(session: Session, *, case: Case, payload: Payload, actor: Actor, reason: str) -> None:
    record_event(
        session, case=case, payload=payload, actor=actor, from_status=case.status, to_status=case.status, reason=reason
    )


@dataclass(frozen=True)
class CommitmentIn:
    """A checked commitment, not yet stored."""

    what: str
    department: Department
    due_on: date


def check_commitment(session: Session, fields: Mapping[str, Any], *, default_department: Any) -> CommitmentIn:
    """What, which department (the case's when not given), by when: each checked with a clear error."""
    what = text_field(fields.get("what"), field="what", label="承诺事项", max_len=WHAT_MAX, min_len=WHAT_MIN)
    dept = _department(session, fields.get("department_id") or default_department)
    return CommitmentIn(what.strip(), dept, due_date(fields.get("due_on"), today=china_today()))


def _store_commitment(
    session: Session, *, case: Case, adoption: Adoption, item: CommitmentIn, actor: Actor
) -> Commitment:
    commitment = Commitment(
        adoption_id=adoption.id,
        case_id=case.id,
        department_id=item.department.id,
        what=item.what,
        due_on=item.due_on,
        created_by=actor.user_id,
        created_at=utcnow(),
    )
    session.add(commitment)
    session.flush()
    payload = CommitPayload(
        commitment_id=commitment.id,
        department_id=item.department.id,
        department=item.department.name,
        due_on=item.due_on,
    )
    _event(session, case=case, payload=payload, actor=actor, reason=item.what)
    adoption.status = OPEN
    return commitment


def decide(
    session: Session,
    *,
    actor: Actor,
    case_id: Any,
    decision: Any,
    reason: Any,
    commitments: Iterable[Mapping[str, Any]] = (),
) -> Adoption:
    """采纳决定 on a replied suggestion, once; 采纳 and 部分采纳 come with at least one commitment."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="adopt")
    code = choice_field(decision, field="decision", label="采纳决定", choices=DECISIONS)
    text = text_field(reason, field="reason", label="决定理由", max_len=REASON_MAX, min_len=REASON_MIN).strip()
    if case.message.appeal_kind != SUGGESTION:
        raise InvalidTransition("只有建议类留言需要作出采纳决定")
    states.check_status(action, status=case.status)
    if session.scalar(select(Adoption.id).where(Adoption.case_id == case.id)) is not None:
        raise Conflict("该建议已作出采纳决定")
    items = [check_commitment(session, c, default_department=case.department_id) for c in commitments]
    if code in ADOPTING and not items:
        raise ValidationFailed("采纳或部分采纳的建议须至少有一项承诺事项", field="what")
    if code not in ADOPTING and items:
        raise ValidationFailed("只有采纳或部分采纳的建议才有承诺事项", field="what")
    if len(items) > COMMITMENTS_MAX:
        raise ValidationFailed(f"承诺事项最多 {COMMITMENTS_MAX} 项", field="what")
    adoption = Adoption(
        case_id=case.id,
        department_id=case.department_id,
        decision=code,
        adopting=code in ADOPTING,
        public=bool(case.message.is_public),
        reason=text,
        status=DONE,
        decided_by=actor.user_id,
        decided_at=utcnow(),
    )
    session.add(adoption)
    session.flush()
    payload = AdoptPayload(decision=code, decision_name=DECISIONS[code], department_id=case.department_id)
    _event(session, case=case, payload=payload, actor=actor, reason=text)
    for item in items:
        _store_commitment(session, case=case, adoption=adoption, item=item, actor=actor)
    session.flush()
    return adoption


def add_commitment(session: Session, *, actor: Actor, case_id: Any, fields: Mapping[str, Any]) -> Commitment:
    """One more commitment on an adopted suggestion, by its handling department."""
    case, _action = load_case_for(session, case_id=case_id, actor=actor, action="adopt")
    adoption = session.scalar(select(Adoption).where(Adoption.case_id == case.id))
    if adoption is None or not adoption.adopting:
        raise InvalidTransition("只有已采纳或部分采纳的建议才能增加承诺事项")
    count = len(list(session.scalars(select(Commitment.id).where(Commitment.case_id == case.id))))
    if count >= COMMITMENTS_MAX:
        raise InvalidTransition(f"每件建议的承诺事项最多 {COMMITMENTS_MAX} 项")
    item = check_commitment(session, fields, default_department=case.department_id)
    commitment = _store_commitment(session, case=case, adoption=adoption, item=item, actor=actor)
    session.flush()
    return commitment


def _open_commitment_of(session: Session, *, actor: Actor, commitment_id: Any) -> tuple[Commitment, Case]:
    """The commitment, when the actor is staff of its department (a handler) and it is still open."""
    if actor.role not in states.DEPARTMENT_ROLES:
        raise PermissionDenied("只有承诺部门的工作人员可以更新承诺进展")
    commitment = get_by_id(session, Commitment, commitment_id)
    if commitment is None:
        raise NotFound("承诺事项不存在")
    if actor.department_id is None or commitment.department_id != actor.department_id:
        raise PermissionDenied("该承诺事项不属于您的部门")
    case = load_case(session, commitment.case_id)
    if not in_jurisdiction(case, actor):
        raise PermissionDenied("该办件不属于您的辖区")
    if commitment.status != OPEN:
        raise InvalidTransition("该承诺事项已完成")
    return commitment, case


def post_progress(session: Session, *, actor: Actor, commitment_id: Any, body: Any, percent: Any) -> CommitmentUpdate:
    """承诺进展: a dated public update (text and how far along, 0–99%; 100% is marking it done)."""
    commitment, case = _open_commitment_of(session, actor=actor, commitment_id=commitment_id)
    text = text_field(body, field="body", label="进展情况", max_len=UPDATE_MAX, min_len=UPDATE_MIN).strip()
    pct = int_field(percent, field="percent", label="完成进度", minimum=0, maximum=99)
    update = CommitmentUpdate(
        commitment_id=commitment.id, body=text, percent=pct, author_id=actor.user_id, created_at=utcnow()
    )
    session.add(update)
    commitment.percent = pct
    payload = ProgressPayload(commitment_id=commitment.id, percent=pct)
    _event(session, case=case, payload=payload, actor=actor, reason=text)
    session.flush()
    return update


def mark_done(session: Session, *, actor: Actor, commitment_id: Any, body: Any) -> Commitment:
    """承诺已完成, with a public note of what was done; the suggestion is done when all its commitments are."""
    commitment, case = _open_commitment_of(session, actor=actor, commitment_id=commitment_id)
    text = text_field(body, field="body", label="完成情况", max_len=UPDATE_MAX, min_len=UPDATE_MIN).strip()
    now = utcnow()
    session.add(
        CommitmentUpdate(
            commitment_id=commitment.id, body=text, percent=100, done=True, author_id=actor.user_id, created_at=now
        )
    )
    commitment.status, commitment.percent, commitment.done_at = DONE, 100, now
    _event(session, case=case, payload=CommitmentDonePayload(commitment_id=commitment.id), actor=actor, reason=text)
    session.flush()
    still_open = session.scalar(
        select(Commitment.id).where(Commitment.adoption_id == commitment.adoption_id, Commitment.status == OPEN)
    )
    if still_open is None:
        adoption = session.get(Adoption, commitment.adoption_id)
        if adoption is not None:
            adoption.status = DONE
    return commitment
