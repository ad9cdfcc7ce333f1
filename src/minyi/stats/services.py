"""Public statistics for a period: GROUP BY queries over the per-case facts (`case_facts`), one per table.

The facts are kept up to date with the event log in the transaction that appends each event
(`minyi.stats.models`), so a page never folds the log. Finished reports are cached per process, keyed by
the newest event id and department id: the log is append-only, so an unchanged version means unchanged
figures.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today, utcnow
from minyi.core.errors import NotFound, ValidationFailed
from minyi.departments.models import Department
from minyi.jurisdictions import services as jurisdictions
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import within
from minyi.messages.channels import CHANNELS, channel_name
from minyi.nlp.labels import APPEAL_KINDS, UNDECIDED_KIND_NAME
from minyi.stats.aggregates import Scope, Tally, merged, rolled, tallies
from minyi.stats.facts import NO_PLACE, PRIVATE_PLACE
from minyi.stats.figures import CaseFacts, Figures, buckets
from minyi.stats.models import CaseFactsRow
from minyi.stats.models import CaseFactsRow as F
from minyi.stats.ranking import Ranking, rank_children
from minyi.workflow.models import CaseEvent

GRANULARITIES = {"month": "按月", "week": "按周"}
EARLIEST = date(2000, 1, 1)
MAX_WEEKS = 160  # about three years of weekly points
TOP_PLACES = 15
NO_DEPARTMENT, NO_DOMAIN, OTHER_PLACES = "未分派", "未分类", "其他地点"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class StatsQuery:
    """A validated request: the period (China dates, inclusive), the trend's granularity, a department."""

    start: date
    end: date
    granularity: str = "month"
    department_id: int | None = None
    requested_end: date | None = None  # the asked end when it lay in the future (figures stop today)
    # The jurisdiction whose subtree is counted (issue 17): its path, "" for the root (every case).
    scope: str = ""

    def within(self, scope: str) -> StatsQuery:
        """The same query for the cases of one jurisdiction's subtree (`jurisdictions.services.scope_path`)."""
        return replace(self, scope=scope)

    def scope_clause(self) -> tuple[ColumnElement[bool], ...]:
        """The WHERE clause on `case_facts` keeping the subtree's cases (none for the root)."""
        clause = within(F.jurisdiction_id, self.scope)
        return () if clause is None else (clause,)


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


def read_facts(
    session: Session, *, start: date, end: date, where: Iterable[ColumnElement[bool]] = ()
) -> list[CaseFacts]:
    """The stored facts of the cases received in [start, end] (China dates), optionally filtered further."""
    rows = session.scalars(
        select(CaseFactsRow)
        .where(CaseFactsRow.received_on >= start, CaseFactsRow.received_on <= end, *where)
        .order_by(CaseFactsRow.case_id)
    )
    return [row.to_facts() for row in rows]


class StatsCache:
    """Finished reports (and the dashboard's aggregates) per query, per process (LRU, thread-safe).

    Each entry remembers the version it was built at: (newest event id, newest department id). The event log
    is append-only and every change to a case appends an event, so an unchanged version means unchanged
    figures (a department deactivated since shows with the next event). Under live traffic the version
    changes several times a second, so an entry of another version is still served while it is younger than
    `max_age` seconds, or than `BUILD_PACE` times its own build took when that is longer (a year of a million
    cases takes seconds to aggregate: rebuilds then cost a process at most 1/BUILD_PACE of a core per entry,
    whatever the volume); the page shows when its figures were computed. Past that, one request rebuilds it
    while the others of the process keep getting the previous one. `max_age` 0: never stale (and no pacing).
    Size 0 caches nothing.
    """

    BUILD_PACE = 30

    def __init__(self, size: int = 16, *, max_age: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.max_age = max_age
        self._clock = clock
        self._entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._building: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()

    @staticmethod
    def version(session: Session) -> tuple[Any, Any]:
        """What the cached values depend on, in one query."""
        row = session.execute(
            select(select(func.max(CaseEvent.id)).scalar_subquery(), select(func.max(Department.id)).scalar_subquery())
        ).one()
        return row[0], row[1]

    def get_or_build(self, key: tuple[Any, ...], build: Callable[[], Any], *, version: Any = None) -> Any:
        """The cached value of `key` if built at `version`, or young enough, or being rebuilt by another
        request; else build it (and keep it)."""
        if self.size <= 0:
            return build()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                fresh = entry.version == version or self._clock() - entry.built < entry.fresh_for
                if fresh or key in self._building:
                    self._entries.move_to_end(key)
                    return entry.value
            self._building.add(key)
        try:
            started = self._clock()
            value = build()
        finally:
            with self._lock:
                self._building.discard(key)
        with self._lock:
            took = self._clock() - started
            fresh_for = max(self.max_age, self.BUILD_PACE * took) if self.max_age > 0 else 0.0
            self._entries[key] = _Entry(version, started, fresh_for, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


@dataclass(frozen=True)
class _Entry:
    version: Any
    built: float  # the clock when its build began
    fresh_for: float  # seconds from `built` during which it is served whatever the version
    value: Any


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
    by_channel: list[GroupRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    computed_at: datetime = field(default_factory=utcnow)  # a cached report may be up to MINYI_STATS_MAX_AGE old


def _department_rows(groups: dict[Any, Tally], departments: list[Department]) -> list[GroupRow]:
    rows = [
        GroupRow(str(d.id), d.name, groups.get(d.id, Tally()).figures(), d.id)
        for d in departments
        if d.is_active or d.id in groups
    ]
    if None in groups:
        rows.append(GroupRow("", NO_DEPARTMENT, groups[None].figures()))
    rows.sort(key=lambda r: (-r.figures.received, r.label == NO_DEPARTMENT, r.label))
    return rows


def _trend_rows(groups: dict[Any, Tally], query: StatsQuery) -> list[GroupRow]:
    return [
        GroupRow(k, k, groups.get(k, Tally()).figures()) for k in buckets(query.start, query.end, query.granularity)
    ]


def _breakdown_rows(session: Session, scope: Scope, cube: dict[Any, Tally]) -> tuple[list[GroupRow], ...]:
    """By domain and appeal kind from the cube (point, domain, appeal kind, channel); by place, one more pass."""
    domains = rolled(cube, lambda k: k[1] or NO_DOMAIN)  # no domain and an empty one are both 未分类
    by_domain = sorted(
        (GroupRow(k, k, v.figures()) for k, v in domains.items()),
        key=lambda r: (r.key == NO_DOMAIN, -r.figures.received, r.key),
    )
    kinds = rolled(cube, lambda k: k[2] or "")  # "": the writer chose 不确定 and no coordinator has decided yet
    by_kind = [GroupRow(code, name, kinds.get(code, Tally()).figures()) for code, name in APPEAL_KINDS.items()]
    by_kind += [GroupRow(k, k or UNDECIDED_KIND_NAME, v.figures()) for k, v in kinds.items() if k not in APPEAL_KINDS]
    places = tallies(session, scope, F.place_label)
    special = {NO_PLACE, PRIVATE_PLACE}
    named = sorted(
        ((k, v) for k, v in places.items() if k not in special), key=lambda kv: (-kv[1].counts["received"], kv[0])
    )
    by_place = [GroupRow(k, k, v.figures()) for k, v in named[:TOP_PLACES]]
    if len(named) > TOP_PLACES:
        by_place.append(GroupRow(OTHER_PLACES, OTHER_PLACES, merged(v for _k, v in named[TOP_PLACES:]).figures()))
    by_place += [GroupRow(k, k, places[k].figures()) for k in (NO_PLACE, PRIVATE_PLACE) if k in places]
    return by_domain, by_kind, by_place


def _channel_rows(cube: dict[Any, Tally]) -> list[GroupRow]:
    """By channel (受理渠道) from the cube: every channel of the fixed list in its order, zeros included, then any
    other code."""
    groups = rolled(cube, lambda k: k[3])
    rows = [GroupRow(code, name, groups.get(code, Tally()).figures()) for code, name in CHANNELS.items()]
    return rows + [GroupRow(k, channel_name(k), v.figures()) for k, v in groups.items() if k not in CHANNELS]


def build_report(
    session: Session, *, query: StatsQuery, today: date | None = None, cache: StatsCache | None = None
) -> StatsReport:
    """The public statistics of a period, overall or for one department."""
    today = today or china_today()
    cache = cache or StatsCache(0)
    version = cache.version(session) if cache.size > 0 else None
    return cache.get_or_build(
        ("report", query, today), lambda: _build(session, query=query, today=today), version=version
    )


def _departments(session: Session, query: StatsQuery, groups: dict[Any, Tally]) -> list[Department]:
    """Every department, or for a jurisdiction those of its subtree and any other that holds some of its cases."""
    listed = select(Department).order_by(Department.name)
    clause = within(Department.jurisdiction_id, query.scope)
    if clause is not None:
        listed = listed.where(or_(clause, Department.id.in_([k for k in groups if k is not None])))
    return list(session.scalars(listed))


def _build(session: Session, *, query: StatsQuery, today: date) -> StatsReport:
    department_name = None
    if query.department_id is not None:
        match = session.get(Department, query.department_id)
        if match is None:
            raise NotFound("部门不存在")
        department_name = match.name
    scope = Scope(query.start, query.end, today, query.department_id, where=query.scope_clause())
    point = F.received_month if query.granularity == "month" else F.received_week
    cube = tallies(session, scope, point, F.domain, F.appeal_kind, F.channel)  # the small dimensions in one pass
    trend = rolled(cube, lambda k: k[0])
    overall = merged(trend.values()).figures()  # every case of the period falls in one of the trend's points
    by_domain, by_kind, by_place = _breakdown_rows(session, scope, cube)
    by_department = tallies(session, scope.all_departments(), F.department_id)
    notices = []
    if query.requested_end is not None:
        notices.append(f"结束日期 {query.requested_end.isoformat()} 晚于今天，统计截至今天（{today.isoformat()}）")
    if not overall.received:
        notices.append("所选时间段内没有留言")
    return StatsReport(
        query=query,
        today=today,
        overall=overall,
        department_name=department_name,
        departments=_department_rows(by_department, _departments(session, query, by_department)),
        trend=_trend_rows(trend, query),
        by_domain=by_domain,
        by_appeal_kind=by_kind,
        by_place=by_place,
        by_channel=_channel_rows(cube),
        notices=notices,
    )


@dataclass(frozen=True)
class PublicJurisdiction:
    """A jurisdiction as its public figures show it: itself, the chain above it, the active ones below it."""

    jurisdiction: Jurisdiction
    ancestors: list[Jurisdiction]
    children: list[Jurisdiction]

    @property
    def parent(self) -> Jurisdiction | None:
        """The jurisdiction right above (None for the root)."""
        return self.ancestors[-1] if self.ancestors else None


def public_jurisdiction(session: Session, *, slug: str) -> PublicJurisdiction:
    """The active jurisdiction at a public address (`/j/<slug>/…`); 404 for an unknown or inactive one."""
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.slug == str(slug)[:40]))
    if found is None or not found.is_active:
        raise NotFound("辖区不存在")
    below = [j for j in jurisdictions.children(session, found.id) if j.is_active]
    return PublicJurisdiction(found, jurisdictions.ancestors(session, found), below)


def cached_ranking(
    session: Session,
    *,
    parent: Jurisdiction,
    start: date,
    end: date,
    order: str,
    today: date | None = None,
    cache: StatsCache | None = None,
) -> Ranking:
    """通报 (`minyi.stats.ranking.rank_children`), cached as the reports are: keyed by the parent, the period and the
    order, at the version of the event log."""
    today = today or china_today()
    cache = cache or StatsCache(0)
    version = cache.version(session) if cache.size > 0 else None
    build = lambda: rank_children(session, parent=parent, start=start, end=end, today=today, order=order)  # noqa: E731
    return cache.get_or_build(("ranking", parent.id, start, end, order, today), build, version=version)
