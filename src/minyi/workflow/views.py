"""What the public and staff see of cases: the public board, a case page with its history, the tracking link."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.orm import Session, contains_eager

from minyi.core.db import get_by_id, parse_id
from minyi.core.errors import NotFound, ValidationFailed
from minyi.core.security import hash_token
from minyi.core.validation import choice_field, text_field
from minyi.messages.models import Message
from minyi.nlp.labels import APPEAL_KINDS, DOMAINS
from minyi.workflow import board_search, jurisdiction_board, states
from minyi.workflow.jurisdiction_board import JurisdictionBoardRow
from minyi.workflow.models import Case, CaseEvent, Rating, Reply

# Limits, documented in docs/limits.md.
SEARCH_MAX = 50
PER_PAGE = 20
COUNT_MAX = 10_000  # the board's `total` is exact up to here, "10,000+" beyond (counting stops)
PAGE_MAX = 500  # the deepest page shown (10,000 cases at PER_PAGE): beyond, a message to narrow the search

Order = tuple[ColumnElement[Any], ColumnElement[Any]]  # the board's order: newest first, then the larger id


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
    # The board of one jurisdiction's subtree (`/j/<slug>/board`; the route resolves the slug); None: every case.
    jurisdiction_id: int | None = None


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


def _board_query(session: Session, filters: BoardFilters, *, walk: bool = False) -> tuple[Select[Any], Order]:
    """The ids of the matching public cases and the board's order over them (newest first), not yet paged.

    Each word is a substring match served by an index of the masked text the public pages show, never the
    stored original (no digit-by-digit recovery of a masked phone number, no hit for a whole ID number); its
    SQL depends on the database and on `walk`, a page walking the date index (`minyi.workflow.board_search`).
    """
    found = board_search.phrases(filters.q)
    from_index = bool(found) and not walk and board_search.postgres(session)
    matches = board_search.index_matches(found) if from_index else None
    m: Any = matches.c if matches is not None else Message
    clauses: list[ColumnElement[bool]] = [m.is_public == true()]
    if filters.domain:
        clauses.append(m.domain == filters.domain)
    if filters.appeal_kind:
        clauses.append(m.appeal_kind == filters.appeal_kind)
    if filters.department_id:
        clauses.append(Case.department_id == filters.department_id)
    if filters.status:
        clauses.append(Case.status == filters.status)
    if found and matches is None:
        clauses.append(board_search.keyword_clause(session, found, walk=walk))
    ids = select(Case.id).join(matches if matches is not None else Message, m.id == Case.message_id)
    if filters.jurisdiction_id is not None:  # one range of its board's index, newest first (jurisdiction_board)
        held = JurisdictionBoardRow
        ids = ids.join(held, and_(held.case_id == Case.id, held.jurisdiction_id == filters.jurisdiction_id))
        return ids.where(*clauses), (held.created_at.desc(), held.case_id.desc())
    return ids.where(*clauses), (m.created_at.desc(), m.id.desc())


@dataclass
class Page:
    """One page of the board. `total` is exact up to COUNT_MAX and `capped` beyond; `pages` stops at PAGE_MAX."""

    items: list[Case]
    total: int
    page: int
    per_page: int = PER_PAGE
    capped: bool = False
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = min(PAGE_MAX, max(1, -(-self.total // self.per_page)))

    @property
    def total_text(self) -> str:
        """The total as shown: "1,234", or "10,000+" when counting stopped."""
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"

    @property
    def page_max(self) -> int:
        """The deepest page that may be shown (PAGE_MAX)."""
        return PAGE_MAX

    @property
    def beyond(self) -> bool:
        """A page past PAGE_MAX: not read; the page asks to narrow the search."""
        return self.page > PAGE_MAX

    @property
    def more_than_pages(self) -> bool:
        """Some matching cases lie past the last page that may be shown."""
        return self.capped or self.total > self.pages * self.per_page


def list_public_cases(
    session: Session, *, filters: BoardFilters, per_page: int = PER_PAGE, counted: bool = True
) -> Page:
    """The public board: public messages, newest first, filtered and paginated.

    Neither the count nor a page walks every public message: the count stops at COUNT_MAX + 1 (a LIMIT inside
    it), a page's ids are cut first (on `ix_messages_public_created`, or from the search index) and only then
    read with their messages, and a page past PAGE_MAX is not read at all. `counted=False` (the newest few, as
    on the home page): nothing is counted, `total` is the number of items read.
    """
    keyword = bool(board_search.phrases(filters.q))
    held = filters.jurisdiction_id
    # A jurisdiction's search walks its own rows when it holds at most COUNT_MAX public cases: bounded by its
    # size, where the search index would read every match of a common word across the whole platform.
    small = keyword and held is not None and jurisdiction_board.holds_at_most(session, held, COUNT_MAX)
    planned = keyword or held is not None  # a jurisdiction's statements too: never a scan of `cases`
    count = 0
    if counted:
        ids, _order = _board_query(session, filters, walk=small)
        with board_search.plan(session, walk=small) if planned else nullcontext():
            count = session.scalar(select(func.count()).select_from(ids.limit(COUNT_MAX + 1).subquery())) or 0
    items: list[Case] = []
    if filters.page <= PAGE_MAX:
        walk = small or (keyword and board_search.walks(session, capped=count > COUNT_MAX, page=filters.page))
        ids, order = _board_query(session, filters, walk=walk)
        page_ids = ids.order_by(*order).offset((filters.page - 1) * per_page).limit(per_page)
        page = select(Case).join(Case.message).options(contains_eager(Case.message)).where(Case.id.in_(page_ids))
        with board_search.plan(session, walk=walk) if planned else nullcontext():
            items = list(session.scalars(page.order_by(Message.created_at.desc(), Message.id.desc())).unique())
    total = min(count, COUNT_MAX) if counted else len(items)
    return Page(items=items, total=total, page=filters.page, per_page=per_page, capped=count > COUNT_MAX)


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


def withheld_reason(session: Session, case: Case) -> str:
    """The reason given when the case's message was kept off the board after review (审核后公开), for the citizen."""
    return (
        session.scalar(
            select(CaseEvent.reason)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "withhold")
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
        or ""
    )
