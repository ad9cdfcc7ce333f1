"""Public statistics for a period: read the event log once, fold it per case, aggregate in one pass.

Two queries per period, whatever the number of cases: the cases received in the period (their `submit`
event) with their message's public attributes, and those cases' events in order. The folded facts are
cached per process (and so are finished reports), keyed by the newest event id: the log is append-only,
so an unchanged newest id means unchanged figures.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.clock import china_days_utc, china_today
from minyi.core.errors import NotFound, ValidationFailed
from minyi.departments.models import Department
from minyi.messages.models import Message
from minyi.nlp.display import public_display
from minyi.nlp.labels import APPEAL_KINDS
from minyi.stats.figures import CaseFacts, Figures, buckets, figures_of, month_key, week_key
from minyi.workflow.events import (
    ApproveExtensionPayload,
    AssignPayload,
    EscalatePayload,
    EventKind,
    RatePayload,
    ReopenPayload,
    ReplyPayload,
    ReturnPayload,
    SubmitPayload,
    TransferPayload,
    deadline_after,
    payload_of,
)
from minyi.workflow.models import Case, CaseEvent

GRANULARITIES = {"month": "按月", "week": "按周"}
EARLIEST = date(2000, 1, 1)
MAX_WEEKS = 160  # about three years of weekly points
TOP_PLACES = 15
NO_DEPARTMENT, NO_DOMAIN, NO_PLACE, PRIVATE_PLACE, OTHER_PLACES = "未分派", "未分类", "未填写", "未公开", "其他地点"
FOLDED_KINDS = tuple(
    k.value
    for k in (
        EventKind.SUBMIT,
        EventKind.ASSIGN,
        EventKind.TRANSFER,
        EventKind.ACCEPT,
        EventKind.RETURN,
        EventKind.APPROVE_EXTENSION,
        EventKind.REPLY,
        EventKind.RATE,
        EventKind.AUTO_CLOSE,
        EventKind.REOPEN,
        EventKind.ESCALATE,
        EventKind.REJECT,
        EventKind.MERGE,
    )
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class StatsQuery:
    """A validated request: the period (China dates, inclusive), the trend's granularity, a department."""

    start: date
    end: date
    granularity: str = "month"
    department_id: int | None = None
    requested_end: date | None = None  # the asked end when it lay in the future (figures stop today)


def _parse_date(raw: Any, *, field: str, label: str) -> date | None:
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{label}格式不正确：应为 YYYY-MM-DD，例如 2024-01-31"
        raise ValidationFailed(msg, field=field) from None


def default_start(today: date) -> date:
    """The first day of the month eleven months ago: twelve whole months up to today."""
    months = today.year * 12 + today.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1)


def parse_query(params: Mapping[str, Any], *, today: date | None = None) -> StatsQuery:
    """Check `from`, `to`, `by` and `department_id`; every problem is a clear Chinese error."""
    today = today or china_today()
    end = _parse_date(params.get("to"), field="to", label="结束日期") or today
    # Without `from`: the twelve months up to `to` (not up to today, which could lie after an earlier `to`).
    start = _parse_date(params.get("from"), field="from", label="开始日期") or max(
        default_start(min(end, today)), EARLIEST
    )
    if start > today:
        raise ValidationFailed(f"所选时间段尚未开始（今天是 {today.isoformat()}），还没有数据", field="from")
    if start > end:
        raise ValidationFailed("开始日期不能晚于结束日期", field="from")
    if start < EARLIEST:
        raise ValidationFailed(f"开始日期不能早于 {EARLIEST.isoformat()}", field="from")
    granularity = params.get("by") or "month"
    if granularity not in GRANULARITIES:
        raise ValidationFailed("统计粒度只能是 month（按月）或 week（按周）", field="by")
    requested_end = end if end > today else None
    end = min(end, today)
    if granularity == "week" and (end - start).days > MAX_WEEKS * 7:
        raise ValidationFailed(f"按周统计时，时间范围不能超过 {MAX_WEEKS} 周；请缩短时间范围或按月统计", field="by")
    raw_dept = params.get("department_id")
    department_id = None
    if raw_dept not in (None, ""):
        text = str(raw_dept).strip()
        if not text.isdigit() or len(text) > 9:
            raise ValidationFailed("部门参数无效", field="department_id")
        department_id = int(text)
    return StatsQuery(
        start=start, end=end, granularity=granularity, department_id=department_id, requested_end=requested_end
    )


def _fold(fact: CaseFacts, kind: str, to_status: str | None, created_at: datetime, data: dict[str, Any]) -> None:
    """Apply one event (in log order) to a case's facts."""
    if to_status:
        fact.status = to_status
    payload = payload_of(kind, data)
    if fact.first_reply_at is None:  # the first round: its deadline in force is the one judged
        fact.deadline = deadline_after(payload, fact.deadline)
    if isinstance(payload, SubmitPayload):
        fact.received_at = created_at
    elif isinstance(payload, AssignPayload | TransferPayload):
        fact.department_id = payload.department_id
    elif isinstance(payload, ReturnPayload):
        fact.department_id = None
    elif isinstance(payload, ApproveExtensionPayload):
        fact.extensions += 1
    elif isinstance(payload, ReplyPayload) and fact.first_reply_at is None:
        fact.first_reply_at = created_at
        fact.deadline_at_reply = fact.deadline
    elif isinstance(payload, RatePayload):
        fact.rating = payload.level
    elif isinstance(payload, ReopenPayload):
        fact.reopened = True
    elif isinstance(payload, EscalatePayload):
        fact.escalations += 1


def load_facts(session: Session, *, start: date, end: date) -> list[CaseFacts]:
    """The facts of every case whose message arrived in [start, end] (China dates), from the event log."""
    low, high = china_days_utc(start, end)
    cohort = select(CaseEvent.case_id).where(
        CaseEvent.kind == EventKind.SUBMIT.value, CaseEvent.created_at >= low, CaseEvent.created_at < high
    )
    facts: dict[int, CaseFacts] = {}
    rows = session.execute(
        select(Case.id, Message.domain, Message.appeal_kind, Message.place_text, Message.is_public)
        .join(Message, Message.id == Case.message_id)
        .where(Case.id.in_(cohort))
    )
    for case_id, domain, kind, place, public in rows:
        facts[case_id] = CaseFacts(
            case_id=case_id, received_at=low, domain=domain, appeal_kind=kind, place=place or "", is_public=bool(public)
        )
    events = session.execute(
        select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.to_status, CaseEvent.created_at, CaseEvent.data)
        .where(CaseEvent.case_id.in_(cohort), CaseEvent.kind.in_(FOLDED_KINDS))
        .order_by(CaseEvent.case_id, CaseEvent.created_at, CaseEvent.id)
    )
    for case_id, kind, to_status, created_at, data in events:
        fact = facts.get(case_id)
        if fact is not None:
            _fold(fact, kind, to_status, created_at, data or {})
    return [fact.settle() for fact in facts.values()]


class StatsCache:
    """Folded facts per period and finished reports per query, valid while nothing changed (LRU, thread-safe).

    The version is (newest event id, newest department id): the event log is append-only and every
    change to a case appends an event, so an unchanged version means unchanged figures. (A department
    deactivated since shows with the next event.) Size 0 caches nothing.
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def version(session: Session) -> tuple[Any, Any]:
        """What the cached values depend on, in one query."""
        row = session.execute(
            select(select(func.max(CaseEvent.id)).scalar_subquery(), select(func.max(Department.id)).scalar_subquery())
        ).one()
        return row[0], row[1]

    def get_or_build(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """The cached value of `key`, or build and keep it."""
        if self.size <= 0:
            return build()
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = build()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


@dataclass(frozen=True)
class GroupRow:
    """One line of a table: a department, a month, a domain …"""

    key: str
    label: str
    figures: Figures
    department_id: int | None = None


@dataclass
class StatsReport:
    """Everything the statistics page shows."""

    query: StatsQuery
    today: date
    overall: Figures
    department_name: str | None
    departments: list[GroupRow]
    trend: list[GroupRow]
    by_domain: list[GroupRow]
    by_appeal_kind: list[GroupRow]
    by_place: list[GroupRow]
    notices: list[str] = field(default_factory=list)


def _grouped(facts: Iterable[CaseFacts], key: Callable[[CaseFacts], str]) -> dict[str, list[CaseFacts]]:
    groups: dict[str, list[CaseFacts]] = {}
    for fact in facts:
        groups.setdefault(key(fact), []).append(fact)
    return groups


def _place_labels(facts: list[CaseFacts]) -> Callable[[CaseFacts], str]:
    """A fact's place as shown in public: personal data masked (as on the board), private places hidden."""
    masked = {raw: public_display(raw.strip())[:40] for raw in {f.place for f in facts if f.is_public}}

    def label(fact: CaseFacts) -> str:
        if not fact.is_public:
            return PRIVATE_PLACE  # a private message's place is never shown, not even as a count's label
        return masked[fact.place] or NO_PLACE

    return label


def _department_rows(facts: list[CaseFacts], departments: list[Department], today: date) -> list[GroupRow]:
    groups = _grouped(facts, lambda f: str(f.department_id or ""))
    rows = [
        GroupRow(str(d.id), d.name, figures_of(groups.get(str(d.id), []), today=today), d.id)
        for d in departments
        if d.is_active or str(d.id) in groups
    ]
    if "" in groups:
        rows.append(GroupRow("", NO_DEPARTMENT, figures_of(groups[""], today=today)))
    rows.sort(key=lambda r: (-r.figures.received, r.label == NO_DEPARTMENT, r.label))
    return rows


def _trend_rows(facts: list[CaseFacts], query: StatsQuery, today: date) -> list[GroupRow]:
    key_of = month_key if query.granularity == "month" else week_key
    groups = _grouped(facts, lambda f: key_of(f.received_on))
    return [
        GroupRow(k, k, figures_of(groups.get(k, []), today=today))
        for k in buckets(query.start, query.end, query.granularity)
    ]


def _breakdown_rows(facts: list[CaseFacts], today: date) -> tuple[list[GroupRow], ...]:
    domains = _grouped(facts, lambda f: f.domain or NO_DOMAIN)
    by_domain = sorted(
        (GroupRow(k, k, figures_of(v, today=today)) for k, v in domains.items()),
        key=lambda r: (r.key == NO_DOMAIN, -r.figures.received, r.key),
    )
    kinds = _grouped(facts, lambda f: f.appeal_kind)
    by_kind = [
        GroupRow(code, name, figures_of(kinds.get(code, []), today=today)) for code, name in APPEAL_KINDS.items()
    ]
    by_kind += [GroupRow(k, k, figures_of(v, today=today)) for k, v in kinds.items() if k not in APPEAL_KINDS]
    places = _grouped(facts, _place_labels(facts))
    special = {NO_PLACE, PRIVATE_PLACE}
    named = sorted(((k, v) for k, v in places.items() if k not in special), key=lambda kv: (-len(kv[1]), kv[0]))
    by_place = [GroupRow(k, k, figures_of(v, today=today)) for k, v in named[:TOP_PLACES]]
    rest = [f for _k, v in named[TOP_PLACES:] for f in v]
    if rest:
        by_place.append(GroupRow(OTHER_PLACES, OTHER_PLACES, figures_of(rest, today=today)))
    by_place += [GroupRow(k, k, figures_of(places[k], today=today)) for k in (NO_PLACE, PRIVATE_PLACE) if k in places]
    return by_domain, by_kind, by_place


def build_report(
    session: Session, *, query: StatsQuery, today: date | None = None, cache: StatsCache | None = None
) -> StatsReport:
    """The public statistics of a period, overall or for one department."""
    today = today or china_today()
    cache = cache or StatsCache(0)
    version = cache.version(session) if cache.size > 0 else None
    return cache.get_or_build(
        ("report", query, today, version),
        lambda: _build(session, query=query, today=today, cache=cache, version=version),
    )


def _build(session: Session, *, query: StatsQuery, today: date, cache: StatsCache, version: Any) -> StatsReport:
    departments = list(session.scalars(select(Department).order_by(Department.name)))
    department_name = None
    if query.department_id is not None:
        match = next((d for d in departments if d.id == query.department_id), None)
        if match is None:
            raise NotFound("部门不存在")
        department_name = match.name
    facts = cache.get_or_build(
        ("facts", query.start, query.end, version), lambda: load_facts(session, start=query.start, end=query.end)
    )
    scoped = facts if query.department_id is None else [f for f in facts if f.department_id == query.department_id]
    by_domain, by_kind, by_place = _breakdown_rows(scoped, today)
    notices = []
    if query.requested_end is not None:
        notices.append(f"结束日期 {query.requested_end.isoformat()} 晚于今天，统计截至今天（{today.isoformat()}）")
    if not scoped:
        notices.append("所选时间段内没有留言")
    return StatsReport(
        query=query,
        today=today,
        overall=figures_of(scoped, today=today),
        department_name=department_name,
        departments=_department_rows(facts, departments, today),
        trend=_trend_rows(scoped, query, today),
        by_domain=by_domain,
        by_appeal_kind=by_kind,
        by_place=by_place,
        notices=notices,
    )
