"""What the public and staff read of suggestions: a case's decision with its commitments, the public 建言采纳
list, and each department's (or everyone's overdue) commitments — paged and ordered in SQL by their indexes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from minyi.core.db import parse_id
from minyi.core.errors import NotFound, ValidationFailed
from minyi.core.validation import choice_field
from minyi.suggestions.decisions import COMMITMENT_STATUSES, OPEN
from minyi.suggestions.models import Adoption, Commitment, CommitmentUpdate
from minyi.workflow.models import Case
from minyi.workflow.scope import case_ids_within
from minyi.workflow.views import COUNT_MAX

PER_PAGE = 20
PAGE_MAX = 500  # the deepest page read (10,000 rows), as the board
T = TypeVar("T")


@dataclass
class Listing(Generic[T]):
    """One page of a list: `total` exact up to COUNT_MAX and `capped` beyond; `pages` stops at PAGE_MAX."""

    items: list[T]
    total: int
    page: int
    per_page: int = PER_PAGE
    capped: bool = False

    @property
    def pages(self) -> int:
        """Pages that may be shown."""
        return min(PAGE_MAX, max(1, -(-self.total // self.per_page)))

    @property
    def total_text(self) -> str:
        """ "1,234", or "10,000+" when counting stopped."""
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"


@dataclass
class CommitmentView:
    """A commitment with its updates, oldest first."""

    commitment: Commitment
    updates: list[CommitmentUpdate] = field(default_factory=list)

    def overdue(self, today: date) -> bool:
        """Open and past its date."""
        return self.commitment.status == OPEN and self.commitment.due_on < today


@dataclass
class SuggestionView:
    """A decided suggestion: its decision and commitments."""

    adoption: Adoption
    commitments: list[CommitmentView]


def with_updates(session: Session, commitments: list[Commitment], *, latest_only: bool) -> list[CommitmentView]:
    """These commitments with their updates (all, or the newest of each), in one query."""
    views = {c.id: CommitmentView(c) for c in commitments}
    if not views:
        return []
    updates = select(CommitmentUpdate).where(CommitmentUpdate.commitment_id.in_(list(views)))
    if latest_only:
        newest = (
            select(func.max(CommitmentUpdate.id))
            .where(CommitmentUpdate.commitment_id.in_(list(views)))
            .group_by(CommitmentUpdate.commitment_id)
        )
        updates = select(CommitmentUpdate).where(CommitmentUpdate.id.in_(newest))
    for update in session.scalars(updates.order_by(CommitmentUpdate.created_at, CommitmentUpdate.id)):
        views[update.commitment_id].updates.append(update)
    return list(views.values())


def _commitments_of(session: Session, adoption_ids: list[int], *, latest_only: bool) -> dict[int, list[CommitmentView]]:
    """The commitments of these decisions (earliest date first) with their updates, in two queries."""
    found: dict[int, list[CommitmentView]] = defaultdict(list)
    if not adoption_ids:
        return found
    rows = session.scalars(
        select(Commitment).where(Commitment.adoption_id.in_(adoption_ids)).order_by(Commitment.due_on, Commitment.id)
    )
    for view in with_updates(session, list(rows), latest_only=latest_only):
        found[view.commitment.adoption_id].append(view)
    return found


def suggestion_of(session: Session, case_id: int) -> SuggestionView | None:
    """The decision on this case, with every commitment and update (None when undecided)."""
    adoption = session.scalar(select(Adoption).where(Adoption.case_id == case_id))
    if adoption is None:
        return None
    return SuggestionView(adoption, _commitments_of(session, [adoption.id], latest_only=False).get(adoption.id, []))


def public_suggestion(session: Session, case_id: Any) -> SuggestionView:
    """The decision on a public case; an undecided, private or unknown case is 'not found'."""
    key = parse_id(case_id)
    case = session.get(Case, key) if key is not None else None
    view = suggestion_of(session, case.id) if case is not None and case.message.is_public else None
    if view is None:
        raise NotFound("该办件没有公开的采纳决定")
    return view


@dataclass(frozen=True)
class AdoptedFilters:
    """Filters of the public 建言采纳 page, validated."""

    department_id: int | None = None
    status: str | None = None  # open | done
    page: int = 1


def _page_number(raw: Any) -> int:
    try:
        page = int(raw or 1)
    except (TypeError, ValueError):
        raise ValidationFailed("页码必须是正整数", field="page") from None
    if not 1 <= page <= 100000:
        raise ValidationFailed("页码必须是正整数", field="page")
    return page


def parse_adopted_filters(params: Mapping[str, Any]) -> AdoptedFilters:
    """`department_id`, `status` (open: 推进中, done: 已完成) and `page`; anything else is a clear 422."""
    dept = params.get("department_id") or None
    if dept is not None:
        dept = parse_id(dept)
        if dept is None:
            raise ValidationFailed("部门参数无效", field="department_id")
    status = choice_field(
        params.get("status") or None, field="status", label="状态", choices=COMMITMENT_STATUSES, required=False
    )
    return AdoptedFilters(department_id=dept, status=status, page=_page_number(params.get("page")))


def adopted_suggestions(
    session: Session, *, filters: AdoptedFilters, per_page: int = PER_PAGE
) -> Listing[SuggestionView]:
    """Adopted (采纳, 部分采纳) public suggestions, newest decision first, with their commitments and latest
    progress: the count (capped) and the page's ids read from one of the `ix_adoptions_*` indexes alone (the
    message's publicity is copied to `Adoption.public`), then the page's 20 rows and their commitments."""
    clauses: list[ColumnElement[bool]] = [Adoption.public == true(), Adoption.adopting == true()]
    if filters.department_id is not None:
        clauses.append(Adoption.department_id == filters.department_id)
    if filters.status:
        clauses.append(Adoption.status == filters.status)
    ids = select(Adoption.id).where(*clauses)
    count = session.scalar(select(func.count()).select_from(ids.limit(COUNT_MAX + 1).subquery())) or 0
    items: list[SuggestionView] = []
    if filters.page <= PAGE_MAX:
        page_ids = list(
            session.scalars(
                ids.order_by(Adoption.decided_at.desc(), Adoption.id.desc())
                .offset((filters.page - 1) * per_page)
                .limit(per_page)
            )
        )
        adoptions = {a.id: a for a in session.scalars(select(Adoption).where(Adoption.id.in_(page_ids)))}
        commitments = _commitments_of(session, page_ids, latest_only=True)
        items = [SuggestionView(adoptions[i], commitments.get(i, [])) for i in page_ids]
    return Listing(items, min(count, COUNT_MAX), filters.page, per_page, count > COUNT_MAX)


@dataclass(frozen=True)
class CommitmentFilters:
    """Staff filters of a commitment list: one department (a handler's own) or all, overdue only or all open."""

    department_id: int | None = None
    overdue: bool = False
    page: int = 1


def parse_commitment_filters(params: Mapping[str, Any], *, department_id: int | None) -> CommitmentFilters:
    """A handler's department is forced; others may pick one (`department_id`). `overdue=1`: past their date."""
    dept = department_id
    if dept is None and params.get("department_id"):
        dept = parse_id(params.get("department_id"))
        if dept is None:
            raise ValidationFailed("部门参数无效", field="department_id")
    overdue = params.get("overdue") or "0"
    if overdue not in {"0", "1"}:
        raise ValidationFailed("overdue 只能是 0 或 1", field="overdue")
    return CommitmentFilters(department_id=dept, overdue=overdue == "1", page=_page_number(params.get("page")))


def open_commitments(
    session: Session, *, filters: CommitmentFilters, today: date, per_page: int = PER_PAGE, scope: str = ""
) -> Listing[CommitmentView]:
    """Open commitments of the cases within `scope` (`minyi.workflow.scope`; or only the overdue ones: 逾期), the
    earliest date first, on `ix_commitments_status_due` / `ix_commitments_department_status_due`."""
    clauses: list[ColumnElement[bool]] = [Commitment.status == OPEN, *case_ids_within(Commitment.case_id, scope)]
    if filters.overdue:
        clauses.append(Commitment.due_on < today)
    if filters.department_id is not None:
        clauses.append(Commitment.department_id == filters.department_id)
    ids = select(Commitment.id).where(*clauses)
    count = session.scalar(select(func.count()).select_from(ids.limit(COUNT_MAX + 1).subquery())) or 0
    items: list[CommitmentView] = []
    if filters.page <= PAGE_MAX:
        page_ids = ids.order_by(Commitment.due_on, Commitment.id).offset((filters.page - 1) * per_page).limit(per_page)
        rows = session.scalars(
            select(Commitment).where(Commitment.id.in_(page_ids)).order_by(Commitment.due_on, Commitment.id)
        )
        items = with_updates(session, list(rows), latest_only=True)
    return Listing(items, min(count, COUNT_MAX), filters.page, per_page, count > COUNT_MAX)
