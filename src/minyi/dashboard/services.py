"""The leaders' dashboard (上网看看) and the staff case list each of its items links to.

Figures come from `minyi.stats` (aggregates of its per-case facts) and the stored hot-issue snapshot; the lists
are plain queries on cases. Every item carries the filters of the case list that shows the cases behind it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from minyi.collect.surges import SurgeRow, current_surges
from minyi.collect.voices import VoiceCounts, count_voices, parse_period
from minyi.core.clock import china_days_utc, china_today, to_china
from minyi.core.errors import NotFound, PermissionDenied, ValidationFailed
from minyi.departments.models import Department
from minyi.hot.models import HotIssue
from minyi.hot.services import current_hot_issues
from minyi.jurisdictions import services as jurisdictions
from minyi.jurisdictions.models import Jurisdiction
from minyi.messages.models import Message
from minyi.nlp.labels import APPEAL_KINDS
from minyi.stats.aggregates import Scope, Tally, rolled, tallies
from minyi.stats.figures import month_key
from minyi.stats.models import CaseFactsRow
from minyi.stats.ranking import DEFAULT_RANK_BY, Ranking
from minyi.stats.services import EARLIEST, StatsCache, StatsQuery, build_report, cached_ranking
from minyi.workflow import states
from minyi.workflow.deadlines import overdue_clause
from minyi.workflow.models import Case
from minyi.workflow.scope import cases_within

TREND_MONTHS = 12
TOP = 10
WEB_TOP = 5  # places, domains and appeal kinds of web voices shown on the dashboard
LIST_LIMIT = 200
COMPLAINT = "complaint"
# Cases that still owe something: not closed, rejected or merged.
UNFINISHED = frozenset({states.SUBMITTED, states.ASSIGNED, states.IN_PROGRESS, states.RETURNED})
STATUS_GROUPS = {"open": "未办结", "urgent": "紧急未办结", "overdue": "超期未答复"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class TrendPoint:
    """One month of the trend: messages, complaints, satisfaction."""

    month: str
    start: date
    end: date
    received: int
    complaints: int
    satisfaction_rate: float | None
    rated: int


@dataclass(frozen=True)
class Count:
    """A label, a number and the case-list filters behind it."""

    label: str
    count: int
    filters: dict[str, Any]


@dataclass
class Dashboard:
    """Everything /staff/dashboard shows."""

    today: date
    week_start: date
    received_today: int
    received_week: int
    urgent: list[Case]
    urgent_total: int
    hot_issues: list[HotIssue]
    overdue: list[Count]
    trend: list[TrendPoint]
    places: list[Count]
    window: tuple[date, date]
    web: VoiceCounts  # 网络民意: new web voices of the last 7 days against the 7 before, the top of each dimension
    surges: list[SurgeRow]  # 网络民意激增 found in the last 24 hours
    notices: list[str] = field(default_factory=list)
    view: JurisdictionView | None = None  # whose figures (issue 17): a jurisdiction of the viewer's subtree
    ranking: Ranking | None = None  # 通报: its children ranked over the trend's window


@dataclass(frozen=True)
class JurisdictionView:
    """The jurisdiction a dashboard shows (its subtree's cases) and those the viewer may switch to."""

    jurisdiction: Jurisdiction
    scope: str  # `jurisdictions.services.scope_path` of it: "" for the root
    choices: list[Jurisdiction]  # the viewer's subtree, parents before children

    @property
    def is_root(self) -> bool:
        """Whether it is the whole installation."""
        return not self.scope


def jurisdiction_view(session: Session, *, viewer_path: str, raw: Any = None) -> JurisdictionView:
    """`?j=<id>`: a jurisdiction of the viewer's subtree (default: the viewer's own); 403 outside it."""
    text = str(raw or "").strip()
    if text and (not text.isdigit() or len(text) > 9):
        raise ValidationFailed("辖区参数无效", field="j")
    own_id = int(viewer_path.strip("/").split("/")[-1]) if viewer_path else jurisdictions.ROOT_ID
    chosen = session.get(Jurisdiction, int(text)) if text else session.get(Jurisdiction, own_id)
    if chosen is None:
        raise NotFound("辖区不存在")
    if not jurisdictions.in_scope(chosen.path, viewer_path):
        raise PermissionDenied("该辖区不在您的管辖范围内")
    choices = [j for j in jurisdictions.tree(session) if jurisdictions.in_scope(j.path, viewer_path)]
    return JurisdictionView(chosen, jurisdictions.scope_path(chosen), choices)


def _count_received(session: Session, start: date, end: date, scope: str = "") -> int:
    clause = jurisdictions.within(CaseFactsRow.jurisdiction_id, scope)
    if clause is not None:  # a jurisdiction's: its subtree's cases received on those days (the facts' index)
        counted = select(func.count()).select_from(CaseFactsRow)
        counted = counted.where(CaseFactsRow.received_on >= start, CaseFactsRow.received_on <= end, clause)
        return session.scalar(counted) or 0
    low, high = china_days_utc(start, end)
    return (
        session.scalar(select(func.count(Message.id)).where(Message.created_at >= low, Message.created_at < high)) or 0
    )


def _latest_day(session: Session, today: date) -> date:
    newest = session.scalar(select(func.max(Message.created_at)))
    return min(today, to_china(newest).date()) if newest else today


def _window(anchor: date) -> tuple[date, date]:
    months = anchor.year * 12 + anchor.month - 1 - (TREND_MONTHS - 1)
    return date(months // 12, months % 12 + 1, 1), anchor


def _month_end(start: date) -> date:
    return (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _trend(session: Session, window: tuple[date, date], today: date, scope: str = "") -> list[TrendPoint]:
    clause = jurisdictions.within(CaseFactsRow.jurisdiction_id, scope)
    where = () if clause is None else (clause,)
    cube = tallies(
        session, Scope(window[0], window[1], today, where=where), CaseFactsRow.received_month, CaseFactsRow.appeal_kind
    )
    months = rolled(cube, lambda k: k[0])  # aggregates of the per-case facts
    complaints = rolled({k: v for k, v in cube.items() if k[1] == COMPLAINT}, lambda k: k[0])
    points, day = [], window[0]
    while day <= window[1]:
        fig = months.get(month_key(day), Tally()).figures()
        points.append(
            TrendPoint(
                month=month_key(day),
                start=day,
                end=_month_end(day),
                received=fig.received,
                complaints=complaints.get(month_key(day), Tally()).figures().received,
                satisfaction_rate=fig.satisfaction_rate,
                rated=fig.rated,
            )
        )
        day = _month_end(day) + timedelta(days=1)
    return points


def _in_scope(scope: str) -> list[Any]:
    """The WHERE clause keeping the cases of a jurisdiction's subtree (none for the root)."""
    clause = jurisdictions.within(Case.jurisdiction_id, scope)
    return [] if clause is None else [clause]


def _overdue(session: Session, today: date, scope: str = "") -> list[Count]:
    rows = session.execute(
        select(Case.department_id, Department.name, func.count(Case.id))
        .outerjoin(Department, Department.id == Case.department_id)
        .where(overdue_clause(today), *_in_scope(scope))
        .group_by(Case.department_id, Department.name)
    ).all()
    counts = [
        Count(name or "未分派", n, {"status": "overdue", "department_id": dept_id or "none"})
        for dept_id, name, n in rows
    ]
    return sorted(counts, key=lambda c: (-c.count, c.label))[:TOP]


def _urgent_query() -> Select[Any]:
    """Urgent cases still owing something: `cases.urgent` (the analysis's flag, copied in the same flush) read on
    the work lists' index (status, urgent, …), with no join to the analyses."""
    return select(Case).where(Case.urgent.is_(True), Case.status.in_(list(UNFINISHED)))


def build_dashboard(
    session: Session,
    *,
    today: date | None = None,
    cache: StatsCache | None = None,
    view: JurisdictionView | None = None,
) -> Dashboard:
    """Today and this week, urgent open cases, hot issues, overdue by department, trends and places; the web voices
    of the last 7 days and the current surges (网络民意). With a `view`, the figures and lists of cases are those of
    its jurisdiction's subtree, and its children are ranked (通报)."""
    scope = view.scope if view else ""
    today = today or china_today()
    cache = cache or StatsCache(0)
    week_start = today - timedelta(days=today.weekday())
    anchor = _latest_day(session, today)
    window = _window(anchor)
    notices = []
    if anchor < today - timedelta(days=31):
        notices.append(f"最近一个月没有新留言：趋势和地点显示截至最后一条留言（{anchor.isoformat()}）的 12 个月。")
    counted = select(func.count(Case.id)).where(Case.urgent.is_(True), Case.status.in_(list(UNFINISHED)))
    urgent_total = session.scalar(counted.where(*_in_scope(scope))) or 0
    newest = _urgent_query().where(*_in_scope(scope)).order_by(Case.received_at.desc(), Case.id.desc()).limit(TOP)
    urgent = list(session.scalars(newest).unique())
    query = StatsQuery(start=window[0], end=window[1]).within(scope)
    stats = build_report(session, query=query, today=today, cache=cache)
    version = cache.version(session) if cache.size > 0 else None  # the aggregates: cached as the report is
    trend = cache.get_or_build(
        ("dashboard-trend", window, today, scope), lambda: _trend(session, window, today, scope), version=version
    )
    overdue = cache.get_or_build(
        ("dashboard-overdue", today, scope), lambda: _overdue(session, today, scope), version=version
    )
    ranking = None
    if view is not None:
        ranking = cached_ranking(
            session, parent=view.jurisdiction, start=window[0], end=window[1], order=DEFAULT_RANK_BY, cache=cache
        )
    places = [
        Count(
            row.label,
            row.figures.received,
            {"place": row.key, "from": window[0].isoformat(), "to": window[1].isoformat()},
        )
        for row in stats.by_place
        if row.key not in {"未填写", "未公开", "其他地点"}
    ][:TOP]
    return Dashboard(
        today=today,
        week_start=week_start,
        received_today=_count_received(session, today, today, scope),
        received_week=_count_received(session, week_start, today, scope),
        urgent=urgent,
        urgent_total=urgent_total,
        hot_issues=current_hot_issues(session)[:TOP],
        overdue=overdue,
        trend=trend,
        places=places,
        window=window,
        web=count_voices(session, parse_period({"period": "7d"}, today=today), top=WEB_TOP),
        surges=current_surges(session, limit=WEB_TOP),
        notices=notices,
        view=view,
        ranking=ranking,
    )


@dataclass(frozen=True)
class CaseFilters:
    """The staff case list's filters (every one optional)."""

    start: date | None = None
    end: date | None = None
    status: str = ""
    department_id: int | None = None
    unassigned: bool = False
    place: str = ""
    domain: str = ""
    appeal_kind: str = ""
    hot: int | None = None

    def describe(self) -> list[str]:
        """The filters in words, for the page's heading."""
        words = []
        if self.start or self.end:
            words.append(f"{self.start or '…'} 至 {self.end or '…'}")
        if self.status:
            words.append(STATUS_GROUPS[self.status])
        if self.unassigned:
            words.append("未分派")
        words += [w for w in (self.place, self.domain, APPEAL_KINDS.get(self.appeal_kind, "")) if w]
        if self.hot:
            words.append(f"热点问题第 {self.hot} 名")
        return words


def _date(raw: Any, name: str) -> date | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"日期格式不正确：应为 YYYY-MM-DD（{name}）", field=name) from None
    if day < EARLIEST:
        raise ValidationFailed(f"日期不能早于 {EARLIEST.isoformat()}", field=name)
    return day


def _small_int(raw: Any, name: str, label: str) -> int | None:
    text = str(raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise ValidationFailed(f"{label}参数无效", field=name)
    return int(text)


def parse_case_filters(params: Mapping[str, Any]) -> CaseFilters:
    """Check the case list's query parameters; each problem is a clear error."""
    status = str(params.get("status") or "")
    if status and status not in STATUS_GROUPS:
        raise ValidationFailed("状态参数只能是 open、urgent 或 overdue", field="status")
    appeal_kind = str(params.get("appeal_kind") or "")
    if appeal_kind and appeal_kind not in APPEAL_KINDS:
        raise ValidationFailed("诉求类型参数无效", field="appeal_kind")
    start, end = _date(params.get("from"), "from"), _date(params.get("to"), "to")
    if start and end and start > end:
        raise ValidationFailed("开始日期不能晚于结束日期", field="from")
    department = str(params.get("department_id") or "").strip()
    return CaseFilters(
        start=start,
        end=end,
        status=status,
        department_id=None if department == "none" else _small_int(department, "department_id", "部门"),
        unassigned=department == "none",
        place=str(params.get("place") or "")[:200],
        domain=str(params.get("domain") or "")[:32],
        appeal_kind=appeal_kind,
        hot=_small_int(params.get("hot"), "hot", "热点问题"),
    )


def _filtered(filters: CaseFilters, session: Session, today: date, scope: str) -> Select[Any]:
    query = select(Case).join(Message, Message.id == Case.message_id).where(*cases_within(scope))
    if filters.start or filters.end:
        low, high = china_days_utc(filters.start or EARLIEST, filters.end or today)
        query = query.where(Message.created_at >= low, Message.created_at < high)
    if filters.status == "open":
        query = query.where(Case.status.in_(list(UNFINISHED)))
    elif filters.status == "urgent":
        query = query.where(Case.urgent.is_(True), Case.status.in_(list(UNFINISHED)))
    elif filters.status == "overdue":
        query = query.where(overdue_clause(today))
    if filters.department_id is not None:
        query = query.where(Case.department_id == filters.department_id)
    elif filters.unassigned:
        query = query.where(Case.department_id.is_(None))
    if filters.place:
        query = query.where(func.trim(Message.place_text) == filters.place)
    if filters.domain:
        query = query.where(Message.domain == filters.domain)
    if filters.appeal_kind:
        query = query.where(Message.appeal_kind == filters.appeal_kind)
    if filters.hot is not None:
        issue = next((i for i in current_hot_issues(session) if i.rank == filters.hot), None)
        query = query.where(Case.id.in_([int(c) for c in (issue.case_ids if issue else [])]))
    return query


def list_cases(
    session: Session, *, filters: CaseFilters, today: date | None = None, scope: str = ""
) -> tuple[list[Case], int]:
    """The newest cases within `scope` (`minyi.workflow.scope`) matching the filters (at most LIST_LIMIT) and how
    many match in all."""
    today = today or china_today()
    query = _filtered(filters, session, today, scope)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    cases = list(session.scalars(query.order_by(Message.created_at.desc(), Case.id.desc()).limit(LIST_LIMIT)).unique())
    return cases, total
