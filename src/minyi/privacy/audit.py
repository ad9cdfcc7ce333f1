"""The audit log of staff access to contact data: written on every view, read by the admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import User
from minyi.core.clock import utcnow
from minyi.core.db import parse_id
from minyi.core.errors import ValidationFailed
from minyi.core.validation import text_field
from minyi.privacy.models import ContactAccess
from minyi.workflow.scope import case_ids_within

ACCESS_KINDS = {
    "case_page": "办件页面",
    "api_case": "API 办件详情",
    "request_review": "联系方式申请处理",
    "callback_list": "回访名单",  # minyi.callbacks: the phone of each listed case, for the call-back staff
    "api_callbacks": "API 回访名单",
}
PER_PAGE = 50


@dataclass(frozen=True)
class Access:
    """One access to record: plain data, so that it can be written after the request's own session closed."""

    user_id: int
    case_id: int
    what: str
    fields: tuple[str, ...]
    route: str
    at: datetime


def access(*, user_id: int, case_id: int, what: str, fields: list[str], route: str) -> Access:
    """Describe one view of a case's contact data (the fields shown, the route it came from)."""
    if what not in ACCESS_KINDS:
        msg = f"unknown contact access kind {what!r}"
        raise ValueError(msg)
    return Access(user_id=user_id, case_id=case_id, what=what, fields=tuple(fields), route=route[:200], at=utcnow())


def record_access(session: Session, *, entries: list[Access]) -> None:
    """Append the accesses to the log (one INSERT for all)."""
    session.add_all(
        [
            ContactAccess(
                user_id=e.user_id,
                case_id=e.case_id,
                what=e.what,
                fields=",".join(e.fields),
                route=e.route,
                created_at=e.at,
            )
            for e in entries
        ]
    )
    session.flush()


@dataclass(frozen=True)
class AuditFilters:
    """The admin page's filters, already checked."""

    username: str = ""
    case_id: int | None = None
    page: int = 1


def parse_filters(params: dict[str, Any]) -> AuditFilters:
    """Check `user` (a username), `case_id` and `page`; a bad value is a clear error."""
    username = text_field(params.get("user") or "", field="user", label="用户名", max_len=64, required=False).strip()
    case_id = None
    if params.get("case_id"):
        case_id = parse_id(params["case_id"])
        if case_id is None:
            raise ValidationFailed("办件编号必须是正整数", field="case_id")
    page = parse_id(params.get("page") or 1)
    if page is None or page > 100000:
        raise ValidationFailed("页码必须是正整数", field="page")
    return AuditFilters(username=username, case_id=case_id, page=page)


@dataclass
class AccessPage:
    """One page of the log, newest first; `has_next` tells whether an older page exists."""

    items: list[ContactAccess]
    page: int
    has_next: bool


def list_access(session: Session, *, filters: AuditFilters, scope: str = "") -> AccessPage:
    """The log newest first, filtered by user and case, paged in SQL (indexes on user/case and time); the views of
    the cases within `scope` only (an admin below the root: their jurisdiction and those below it)."""
    query = select(ContactAccess).where(*case_ids_within(ContactAccess.case_id, scope))
    if filters.username:
        query = query.join(User, User.id == ContactAccess.user_id).where(User.username == filters.username)
    if filters.case_id is not None:
        query = query.where(ContactAccess.case_id == filters.case_id)
    rows = list(
        session.scalars(
            query.order_by(ContactAccess.created_at.desc(), ContactAccess.id.desc())
            .offset((filters.page - 1) * PER_PAGE)
            .limit(PER_PAGE + 1)
        ).unique()
    )
    return AccessPage(items=rows[:PER_PAGE], page=filters.page, has_next=len(rows) > PER_PAGE)
