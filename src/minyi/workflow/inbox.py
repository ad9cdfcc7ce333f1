"""Staff work lists at any volume: triage (coordinator), a department's cases, deadlines and complaints
(supervisor) — filtered, searched, ordered and paged in the database.

Every list is ordered urgent first, then nearest deadline, then oldest message (`ORDER`), in SQL, and served by
the indexes of migration 0011 (`Case.urgent` is a copy of the analysis, kept in the same transaction, so that
the order needs no join). `total` is exact up to `ROWS_MAX` and "10,000+" beyond: counting stops there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select, text, true
from sqlalchemy.orm import Session, contains_eager

from minyi.accounts.models import Role
from minyi.core.clock import china_today
from minyi.core.workdays import workdays_between
from minyi.departments.models import Department
from minyi.jurisdictions.services import within
from minyi.messages.models import Message, MessageAnalysis, MessageContact
from minyi.messages.search import query_phrases
from minyi.workflow import states
from minyi.workflow.config import get_setting
from minyi.workflow.deadlines import DeadlineInfo, deadline_info, overdue_clause, running_clause
from minyi.workflow.events import EventKind, ReturnPayload
from minyi.workflow.list_filters import ALL_STATUSES, ROWS_MAX, ListFilters
from minyi.workflow.models import Case, CaseEvent, ExtensionRequest

LIST_NAMES = {
    "triage": "待受理留言",
    "department": "本部门办件",
    "deadlines": "超期与临期办件",
    "complaints": "不满意与重办",
}
LIST_ROLES = {
    "triage": frozenset({Role.COORDINATOR, Role.ADMIN}),
    "department": frozenset({Role.HANDLER}),
    "deadlines": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "complaints": frozenset({Role.SUPERVISOR, Role.ADMIN}),
}
ORDER = (Case.urgent.desc(), Case.deadline.asc().nulls_last(), Case.received_at.asc(), Case.id.asc())
_TRIAGE = (states.SUBMITTED, states.RETURNED)
_DEPARTMENT = (states.ASSIGNED, states.IN_PROGRESS, states.REPLIED)


@dataclass
class InboxRow:
    """A case in a work list, with its deadline and analysis (and, when a department returned it, why)."""

    case: Case
    deadline: DeadlineInfo
    analysis: MessageAnalysis | None
    returned: ReturnNote | None = None


@dataclass(frozen=True)
class ReturnNote:
    """The latest 退回 of a case still waiting to be assigned again: who returned it, why, and the department it
    asked for (建议改派给), if any — what the coordinator assigns to next."""

    from_department_id: int | None
    from_department: str
    reason: str
    suggested_department_id: int | None
    suggested_department: str | None


def return_notes(session: Session, cases: list[Case]) -> dict[int, ReturnNote]:
    """The latest return of each case of `cases` that is 已退回 now (two queries for a page)."""
    ids = [c.id for c in cases if c.status == states.RETURNED]
    if not ids:
        return {}
    events = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id.in_(ids), CaseEvent.kind == EventKind.RETURN.value)
        .order_by(CaseEvent.id.desc())
    )
    found: dict[int, CaseEvent] = {}
    for event in events:
        found.setdefault(event.case_id, event)
    payloads = {case_id: event.payload for case_id, event in found.items()}
    returned_by = {p.department_id for p in payloads.values() if isinstance(p, ReturnPayload) and p.department_id}
    names: dict[int, str] = {
        i: name
        for i, name in session.execute(select(Department.id, Department.name).where(Department.id.in_(returned_by)))
    }
    notes = {}
    for case_id, payload in payloads.items():
        assert isinstance(payload, ReturnPayload)
        notes[case_id] = ReturnNote(
            from_department_id=payload.department_id,
            from_department=names.get(payload.department_id, "") if payload.department_id else "",
            reason=found[case_id].reason,
            suggested_department_id=payload.suggested_department_id,
            suggested_department=payload.suggested_department,
        )
    return notes


@dataclass
class WorkList:
    """One page of a list and how many match (exact up to ROWS_MAX, `capped` beyond)."""

    name: str
    rows: list[InboxRow]
    total: int
    capped: bool
    filters: ListFilters
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.filters.per_page))

    @property
    def total_text(self) -> str:
        """The total as shown: "1,234", or "10,000+" when counting stopped."""
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"


def default_list(role: Role) -> str:
    """The list a role opens first: its own work."""
    return {Role.HANDLER: "department", Role.SUPERVISOR: "deadlines"}.get(role, "triage")


def near_until(today: date, near_days: int) -> date:
    """The last day whose deadline is "near" (at most `near_days` working days left; `deadline_info`'s rule)."""
    day = today
    while workdays_between(today, day + timedelta(days=1)) <= near_days and day < today + timedelta(days=60):
        day += timedelta(days=1)
    return day


def _scope(session: Session, name: str, filters: ListFilters, department_id: int | None) -> list[ColumnElement[bool]]:
    """The cases a list holds before any filter."""
    if name == "department":
        return [Case.department_id == department_id, *([] if filters.status else [Case.status.in_(_DEPARTMENT)])]
    if name == "deadlines":
        limit = near_until(china_today(), int(get_setting(session, "near_deadline_workdays")))
        return [running_clause(), Case.deadline <= limit]
    if name == "complaints":  # two indexes on cases, one BitmapOr
        return [or_(Case.rated_unsatisfied == true(), Case.reopen_count > 0)]
    return [] if filters.status else [Case.status.in_(_TRIAGE)]


def _keyword(session: Session, column: str, phrases: list[str]) -> ColumnElement[bool]:
    """Messages whose `column` (search_grams or place_grams) holds every phrase, through the index."""
    if session.get_bind().dialect.name == "postgresql":
        vector = func.to_tsvector(literal_column("'simple'::regconfig"), getattr(Message, column))
        simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
        return and_(*[vector.op("@@")(func.phraseto_tsquery(simple, p)) for p in phrases])
    match = " AND ".join(f'{column} : "{p}"' for p in phrases)  # phrases hold letters, digits and spaces only
    matches = text(f"messages_fts MATCH :match_{column}").bindparams(**{f"match_{column}": match})
    hits: Select[Any] = select(literal_column("rowid")).select_from(text("messages_fts")).where(matches)
    return Message.id.in_(hits)


def _search(session: Session, filters: ListFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.number is not None:
        clauses.append(Case.id == filters.number)
    if filters.phone:
        digits = "".join(ch for ch in filters.phone if ch.isdigit())
        phones = select(MessageContact.message_id).where(MessageContact.phone.in_({filters.phone, digits}))
        clauses.append(Message.id.in_(phones))
    for column, value in (("search_grams", filters.q), ("place_grams", filters.place)):
        phrases = [p for term in value.split()[:5] for p in query_phrases(term)]
        if phrases:
            clauses.append(_keyword(session, column, phrases))
    return clauses


def _filters(filters: ListFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.domain:
        clauses.append(Message.domain == filters.domain)
    if filters.appeal_kind:
        clauses.append(Message.appeal_kind == filters.appeal_kind)
    if filters.channel:
        clauses.append(Message.channel == filters.channel)
    if filters.department_id is not None:
        clauses.append(Case.department_id == filters.department_id)
    if filters.status and filters.status != ALL_STATUSES:
        clauses.append(Case.status == filters.status)
    if filters.overdue:
        clauses.append(overdue_clause(china_today()))
    if filters.unsatisfied:
        clauses.append(Case.rated_unsatisfied == true())
    if filters.reopened:
        clauses.append(Case.reopen_count > 0)
    if filters.review:
        clauses.append(Message.review == "pending")
    return clauses


def _where(
    session: Session, name: str, filters: ListFilters, department_id: int | None, scope: str
) -> list[ColumnElement[bool]]:
    if name not in LIST_NAMES:
        msg = f"unknown work list {name!r}"
        raise ValueError(msg)
    subtree = within(Case.jurisdiction_id, scope)  # the viewer's jurisdiction and those below (None: the root's)
    clauses = [*_scope(session, name, filters, department_id), *_filters(filters), *_search(session, filters)]
    return clauses if subtree is None else [subtree, *clauses]


def _reads_messages(filters: ListFilters) -> bool:
    return (
        bool(filters.phone or filters.q or filters.place or filters.domain or filters.appeal_kind or filters.channel)
        or filters.review
    )


def _matching_ids(
    session: Session, name: str, filters: ListFilters, department_id: int | None, scope: str
) -> Select[Any]:
    """The ids of the matching cases, from `cases` alone unless a filter reads the message's own fields."""
    ids = select(Case.id).where(*_where(session, name, filters, department_id, scope))
    return ids.join(Message, Message.id == Case.message_id) if _reads_messages(filters) else ids


def list_query(
    session: Session, *, name: str, filters: ListFilters, department_id: int | None = None, scope: str = ""
) -> Select[Any]:
    """The cases of list `name` matching `filters`, in the lists' order (not yet paged)."""
    where = _where(session, name, filters, department_id, scope)
    return select(Case).join(Case.message).options(contains_eager(Case.message)).where(*where).order_by(*ORDER)


def count_cases(
    session: Session, *, name: str, filters: ListFilters, department_id: int | None = None, scope: str = ""
) -> int:
    """Matching cases, counted up to ROWS_MAX + 1 only (a LIMIT inside the count), on the cases' indexes."""
    ids = _matching_ids(session, name, filters, department_id, scope).limit(ROWS_MAX + 1).subquery()
    return session.scalar(select(func.count()).select_from(ids)) or 0


def page_cases(
    session: Session, *, name: str, filters: ListFilters, department_id: int | None = None, scope: str = ""
) -> list[Case]:
    """One page: its ids ordered and cut in `cases` first (ORDER uses only its columns), then those rows read
    with their messages — so that a page never joins every matching message to sort them."""
    ids = _matching_ids(session, name, filters, department_id, scope).order_by(*ORDER)
    ids = ids.offset((filters.page - 1) * filters.per_page).limit(filters.per_page)
    page = select(Case).join(Case.message).options(contains_eager(Case.message)).where(Case.id.in_(ids))
    return list(session.scalars(page.order_by(*ORDER)).unique())


def _rows(session: Session, cases: list[Case]) -> list[InboxRow]:
    ids = [c.message_id for c in cases]
    analyses = (
        {a.message_id: a for a in session.scalars(select(MessageAnalysis).where(MessageAnalysis.message_id.in_(ids)))}
        if ids
        else {}
    )
    near_days = int(get_setting(session, "near_deadline_workdays"))
    today = china_today()
    notes = return_notes(session, cases)
    return [
        InboxRow(c, deadline_info(c, today=today, near_days=near_days), analyses.get(c.message_id), notes.get(c.id))
        for c in cases
    ]


def work_list(
    session: Session, *, name: str, filters: ListFilters, department_id: int | None = None, scope: str = ""
) -> WorkList:
    """One page of a work list (`LIST_NAMES`); `department_id` is the handler's own department for "department"."""
    count = count_cases(session, name=name, filters=filters, department_id=department_id, scope=scope)
    cases = page_cases(session, name=name, filters=filters, department_id=department_id, scope=scope)
    return WorkList(
        name=name, rows=_rows(session, cases), total=min(count, ROWS_MAX), capped=count > ROWS_MAX, filters=filters
    )


def export_cases(
    session: Session, *, name: str, filters: ListFilters, department_id: int | None = None, scope: str = ""
) -> list[InboxRow]:
    """The whole filtered list for a 台账, in the list's order, up to ROWS_MAX rows."""
    query = list_query(session, name=name, filters=filters, department_id=department_id, scope=scope)
    return _rows(session, list(session.scalars(query.limit(ROWS_MAX)).unique()))


def pending_extension_rows(session: Session, *, scope: str = "") -> list[tuple[ExtensionRequest, Case]]:
    """Extension requests waiting for a decision within `scope`, each with its case (title, department, current
    deadline)."""
    subtree = within(Case.jurisdiction_id, scope)
    rows = session.execute(
        select(ExtensionRequest, Case)
        .join(Case, Case.id == ExtensionRequest.case_id)
        .where(ExtensionRequest.status == "pending", *([] if subtree is None else [subtree]))
        .order_by(ExtensionRequest.created_at)
    )
    return [(request, case) for request, case in rows]


def pending_extensions(session: Session) -> list[ExtensionRequest]:
    """Extension requests waiting for a decision."""
    return list(
        session.scalars(
            select(ExtensionRequest).where(ExtensionRequest.status == "pending").order_by(ExtensionRequest.created_at)
        )
    )
