"""Reply templates (CRUD with role checks) and the reply quality check of a draft with the real times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minyi.accounts.models import Role
from minyi.core.clock import china_today, utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import NotFound, PermissionDenied, ValidationFailed
from minyi.core.validation import choice_field, int_field, text_field
from minyi.core.workdays import workdays_between
from minyi.departments.models import Department
from minyi.nlp.labels import APPEAL_KINDS
from minyi.nlp.reply_quality import ReplyCheck, ReplyChecker
from minyi.nlp.text import join_text
from minyi.replies.models import ReplyTemplate
from minyi.workflow.actors import Actor
from minyi.workflow.config import deadline_days
from minyi.workflow.services import REASON_MAX, REPLY_MAX, ensure_can_see, load_case

TITLE_MAX = 100


@dataclass(frozen=True)
class DraftCheck:
    """The check of a draft reply, with the working days it counted and the limit it used."""

    check: ReplyCheck
    workdays: int
    limit: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return self.check.to_dict() | {"workdays": self.workdays, "deadline_days": self.limit}


@dataclass(frozen=True)
class SavedTemplate:
    """A saved template with the check of its text."""

    template: ReplyTemplate
    check: ReplyCheck


@cache
def _checker(limit: int) -> ReplyChecker:
    return ReplyChecker(deadline_days=limit)


def _draft_text(body: Any) -> str:
    if body is None:
        return ""
    if not isinstance(body, str):
        raise ValidationFailed("答复内容必须是文本", field="body")
    if len(body) > REPLY_MAX:
        raise ValidationFailed(f"答复内容最多 {REPLY_MAX} 个字，当前 {len(body)} 个字", field="body")
    return body


def check_reply(session: Session, *, case_id: Any, body: Any, actor: Actor, now: datetime | None = None) -> DraftCheck:
    """Check a draft reply against its case's message; timeliness counts working days until `now`."""
    case = load_case(session, case_id)
    ensure_can_see(case, actor)
    text = _draft_text(body)
    start = china_today(case.message.created_at)
    days = workdays_between(start, china_today(now or utcnow()))
    limit = (
        workdays_between(start, case.deadline) if case.deadline else deadline_days(session, case.message.appeal_kind)
    )
    message = join_text(case.message.title, case.message.body)
    return DraftCheck(_checker(max(limit, 1)).check(message, text, workdays=days), days, max(limit, 1))


def check_template_text(body: str) -> ReplyCheck:
    """The check a template gets: what was done, contact, explanation, tone."""
    return _checker(15).check_template(body)


def _ensure_can_manage(actor: Actor, department_id: int | None) -> None:
    if actor.role == Role.ADMIN:
        return
    if actor.role == Role.HANDLER and actor.department_id is not None and department_id == actor.department_id:
        return
    raise PermissionDenied("只有管理员和本部门的承办人可以管理该部门的答复模板")


def _fields(session: Session, *, department_id: Any, appeal_kind: Any, title: Any, body: Any) -> dict[str, Any]:
    dept = None
    if department_id not in (None, ""):
        dept = int_field(department_id, field="department_id", label="部门", minimum=1, maximum=2**31 - 1)
        if session.get(Department, dept) is None:
            raise ValidationFailed("部门不存在", field="department_id")
    kind = choice_field(
        appeal_kind or None, field="appeal_kind", label="诉求类型", choices=APPEAL_KINDS, required=False
    )
    return {
        "department_id": dept,
        "appeal_kind": kind or None,
        "title": text_field(title, field="title", label="模板名称", max_len=TITLE_MAX).strip(),
        "body": text_field(body, field="body", label="模板内容", max_len=REPLY_MAX, min_len=10),
    }


def create_template(
    session: Session, *, actor: Actor, department_id: Any, appeal_kind: Any, title: Any, body: Any
) -> SavedTemplate:
    """Add a template; a handler may add templates for their own department only."""
    data = _fields(session, department_id=department_id, appeal_kind=appeal_kind, title=title, body=body)
    _ensure_can_manage(actor, data["department_id"])
    template = ReplyTemplate(**data, created_by_id=actor.user_id, created_at=utcnow(), updated_at=utcnow())
    session.add(template)
    session.flush()
    return SavedTemplate(template, check_template_text(template.body))


def load_template(session: Session, template_id: Any) -> ReplyTemplate:
    """The template with this id."""
    template = get_by_id(session, ReplyTemplate, template_id)
    if template is None:
        raise NotFound("答复模板不存在")
    return template


def update_template(
    session: Session, *, actor: Actor, template_id: Any, appeal_kind: Any, title: Any, body: Any
) -> SavedTemplate:
    """Change a template's text, title or appeal kind (its department stays)."""
    template = load_template(session, template_id)
    _ensure_can_manage(actor, template.department_id)
    data = _fields(session, department_id=template.department_id, appeal_kind=appeal_kind, title=title, body=body)
    template.appeal_kind, template.title, template.body = data["appeal_kind"], data["title"], data["body"]
    template.updated_at = utcnow()
    return SavedTemplate(template, check_template_text(template.body))


def retire_template(session: Session, *, actor: Actor, template_id: Any, reason: Any) -> ReplyTemplate:
    """Stop offering a template; it is kept with the reason."""
    template = load_template(session, template_id)
    _ensure_can_manage(actor, template.department_id)
    template.retired_reason = text_field(reason, field="reason", label="停用理由", max_len=REASON_MAX)
    template.is_active = False
    template.updated_at = utcnow()
    return template


def templates_for_manager(session: Session, *, actor: Actor) -> list[ReplyTemplate]:
    """What the templates page lists: everything for an admin, own department and shared ones for a handler."""
    query = select(ReplyTemplate).order_by(
        ReplyTemplate.is_active.desc(), ReplyTemplate.department_id, ReplyTemplate.appeal_kind, ReplyTemplate.id
    )
    if actor.role != Role.ADMIN:
        query = query.where(
            or_(ReplyTemplate.department_id.is_(None), ReplyTemplate.department_id == actor.department_id)
        )
    return list(session.scalars(query))


def templates_for_case(session: Session, *, case_id: Any, actor: Actor) -> list[ReplyTemplate]:
    """Active templates that fit a case: its department (or all) and its appeal kind (or any)."""
    case = load_case(session, case_id)
    ensure_can_see(case, actor)
    query = (
        select(ReplyTemplate)
        .where(
            ReplyTemplate.is_active.is_(True),
            or_(ReplyTemplate.department_id.is_(None), ReplyTemplate.department_id == case.department_id),
            or_(ReplyTemplate.appeal_kind.is_(None), ReplyTemplate.appeal_kind == case.message.appeal_kind),
        )
        .order_by(ReplyTemplate.appeal_kind.is_(None), ReplyTemplate.department_id.is_(None), ReplyTemplate.title)
    )
    return list(session.scalars(query))
