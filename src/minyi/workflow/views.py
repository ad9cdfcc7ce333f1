"""What the public and staff see of cases: the public board, a case page with its history, the tracking link."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from minyi.core.db import get_by_id, parse_id
from minyi.core.errors import NotFound, ValidationFailed
from minyi.core.security import hash_token
from minyi.core.validation import choice_field, text_field
from minyi.messages.models import Message
from minyi.nlp.labels import APPEAL_KINDS, DOMAINS
from minyi.workflow import states
from minyi.workflow.models import Case, CaseEvent, Rating, Reply

# Limits, documented in docs/limits.md.
SEARCH_MAX = 50
PER_PAGE = 20


def case_by_token(session: Session, token: Any) -> Case:
    """The case behind a private tracking link."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        raise NotFound("查询链接无效")
    case = session.scalar(select(Case).join(Message).where(Message.tracking_hash == hash_token(token)))
    if case is None:
        raise NotFound("查询链接无效")
    return case


@dataclass
class BoardFilters:
    """Filters of the public board, already validated."""

    domain: str | None = None
    appeal_kind: str | None = None
    department_id: int | None = None
    status: str | None = None
    q: str = ""
    page: int = 1


def parse_board_filters(params: dict[str, Any]) -> BoardFilters:
    """Validate the board's query parameters; an invalid value is a clear error, not a silent reset."""
    dept = params.get("department_id") or None
    if dept is not None:
        dept = parse_id(dept)  # also refuses an id too large for the database column
        if dept is None:
            raise ValidationFailed("部门参数无效", field="department_id")
    try:
        page = int(params.get("page") or 1)
    except (TypeError, ValueError):
        raise ValidationFailed("页码必须是正整数", field="page") from None
    if not 1 <= page <= 100000:
        raise ValidationFailed("页码必须是正整数", field="page")
    q = text_field(params.get("q") or "", field="q", label="搜索词", max_len=SEARCH_MAX, required=False)
    return BoardFilters(
        domain=choice_field(
            params.get("domain") or None, field="domain", label="领域", choices=DOMAINS, required=False
        ),
        appeal_kind=choice_field(
            params.get("appeal_kind") or None,
            field="appeal_kind",
            label="诉求类型",
            choices=APPEAL_KINDS,
            required=False,
        ),
        department_id=dept,
        status=choice_field(
            params.get("status") or None, field="status", label="状态", choices=states.STATUS_NAMES, required=False
        ),
        q=q.strip(),
        page=page,
    )


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _board_query(filters: BoardFilters) -> Select[Any]:
    query = select(Case).join(Message).where(Message.is_public.is_(True))
    if filters.domain:
        query = query.where(Message.domain == filters.domain)
    if filters.appeal_kind:
        query = query.where(Message.appeal_kind == filters.appeal_kind)
    if filters.department_id:
        query = query.where(Case.department_id == filters.department_id)
    if filters.status:
        query = query.where(Case.status == filters.status)
    # Substring search works for Chinese without a tokenizer and runs the same on SQLite and PostgreSQL.
    # It matches only the masked text the public pages show, never the stored original (no digit-by-digit
    # recovery of a masked phone number, no hit for a whole ID number typed in).
    for term in filters.q.split()[:5]:
        pattern = f"%{_like_escape(term)}%"
        query = query.where(Message.public_search_text.like(pattern, escape="\\"))
    return query


@dataclass
class Page:
    """One page of results."""

    items: list[Case]
    total: int
    page: int
    per_page: int = PER_PAGE
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def list_public_cases(session: Session, *, filters: BoardFilters, per_page: int = PER_PAGE) -> Page:
    """The public board: public messages, newest first, filtered and paginated."""
    query = _board_query(filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (
        session.scalars(
            query.order_by(Message.created_at.desc(), Case.id.desc())
            .offset((filters.page - 1) * per_page)
            .limit(per_page)
        )
        .unique()
        .all()
    )
    return Page(items=list(rows), total=total, page=filters.page, per_page=per_page)


@dataclass
class CaseView:
    """Everything a case page shows."""

    case: Case
    events: list[CaseEvent]
    replies: list[Reply]
    ratings: list[Rating]


def case_view(session: Session, case: Case, *, public_only: bool) -> CaseView:
    """A case with its events (public ones only for the public), replies and ratings."""
    events = select(CaseEvent).where(CaseEvent.case_id == case.id)
    if public_only:
        events = events.where(CaseEvent.is_public.is_(True))
    return CaseView(
        case=case,
        events=list(session.scalars(events.order_by(CaseEvent.created_at, CaseEvent.id))),
        replies=list(session.scalars(select(Reply).where(Reply.case_id == case.id).order_by(Reply.created_at))),
        ratings=list(session.scalars(select(Rating).where(Rating.case_id == case.id).order_by(Rating.created_at))),
    )


def public_case(session: Session, case_id: Any) -> CaseView:
    """A public case page; private and unknown cases are both 'not found'."""
    case = get_by_id(session, Case, case_id)
    if case is None or not case.message.is_public:
        raise NotFound("办件不存在或未公开")
    return case_view(session, case, public_only=True)
