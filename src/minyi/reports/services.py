"""Build the 民意 report of a week or a month from the data alone, and store it once per period.

Every figure comes from `minyi.stats` (the event log folded per case), so the report agrees with the
public statistics page for the same dates. Hot issues are computed for the period's own public messages
with `minyi.nlp.hot.rank_hot_issues` (the stored snapshot only covers "now").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from minyi.core.clock import china_today, utcnow
from minyi.core.errors import ValidationFailed
from minyi.messages.models import Message
from minyi.reports.models import StoredReport
from minyi.stats.figures import Figures
from minyi.stats.services import EARLIEST, GroupRow, StatsQuery, _utc_bounds, build_report
from minyi.workflow import states
from minyi.workflow.models import Case

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
TREND_POINTS = 6
TOP_HOT, TOP_LATE, TOP_PLACES, EXAMPLES = 10, 10, 10, 3
KEY_FIGURES = (("received", "收到留言"), ("replied", "已答复"), ("reply_rate", "回复率"),
               ("on_time_rate", "按时办结率"), ("avg_days", "平均答复用时（工作日）"),
               ("satisfaction_rate", "满意率"), ("reopen_rate", "重办率"), ("overdue_open", "超期未答复"))
RATES = frozenset({"reply_rate", "on_time_rate", "satisfaction_rate", "reopen_rate"})


@dataclass(frozen=True)
class Period:
    """A month (`2019-11`) or an ISO week (`2019-W45`, Monday to Sunday), in China's calendar."""

    key: str
    kind: str  # month | week
    start: date
    end: date

    @property
    def title(self) -> str:
        """`2019年11月民意月报` / `2019年第45周民意周报`."""
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月民意月报"
        year, week, _ = self.start.isocalendar()
        return f"{year}年第{week}周民意周报"

    def previous(self) -> Period:
        """The period just before (same kind)."""
        return period_containing(self.start - timedelta(days=1), self.kind)

    def shifted_back(self, count: int) -> Period:
        """The period `count` periods before this one."""
        period = self
        for _ in range(count):
            period = period.previous()
        return period


def period_containing(day: date, kind: str) -> Period:
    """The month or ISO week that contains `day`."""
    if kind == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return Period(f"{start.year:04d}-{start.month:02d}", "month", start, end)
    start = day - timedelta(days=day.weekday())
    year, week, _ = start.isocalendar()
    return Period(f"{year:04d}-W{week:02d}", "week", start, start + timedelta(days=6))


def parse_period(raw: Any, *, today: date | None = None) -> Period:
    """`YYYY-MM` or `YYYY-Www`; every problem is a clear Chinese error (the CLI shows it as is)."""
    today = today or china_today()
    text = str(raw or "").strip()
    if not text:
        raise ValidationFailed("请指定报告周期：月报如 2019-11，周报如 2019-W45", field="period")
    if len(text) > 16:
        raise ValidationFailed("报告周期格式不正确：月报如 2019-11，周报如 2019-W45", field="period")
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValidationFailed(f"月份不正确：{text}（应为 01 到 12）", field="period")
        period = period_containing(date(year, month, 1), "month")
    elif match := _WEEK.match(text.upper()):
        year, week = int(match[1]), int(match[2])
        try:
            period = period_containing(date.fromisocalendar(year, week, 1), "week")
        except ValueError:
            raise ValidationFailed(f"周次不正确：{text}（{year} 年没有第 {week} 周）", field="period") from None
    else:
        raise ValidationFailed(f"报告周期格式不正确：{text}（月报如 2019-11，周报如 2019-W45）", field="period")
    if period.start < EARLIEST:
        raise ValidationFailed(f"报告周期不能早于 {EARLIEST.year} 年", field="period")
    if period.start > today:
        msg = f"报告周期 {period.key} 尚未开始（今天是 {today.isoformat()}），还没有数据"
        raise ValidationFailed(msg, field="period")
    return period


@dataclass(frozen=True)
class KeyFigure:
    """One key figure, its value the period before and the change."""

    key: str
    label: str
    value: float | int | None
    previous: float | int | None

    @property
    def change(self) -> float | None:
        """The difference (percentage points for rates); None when either side is undefined."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class HotItem:
    """A hot issue of the period."""

    rank: int
    description: str
    messages: int
    people: int
    supports: int
    start: date
    end: date
    case_ids: list[int]


@dataclass(frozen=True)
class ReplyExample:
    """A reply shown as a good or a weak example, with why."""

    case_id: int
    title: str
    department: str
    reply: str
    days: int | None
    on_time: bool | None
    rating: str | None
    reasons: list[str]


@dataclass
class PeriodReport:
    """Everything the printed report and its workbook show."""

    period: Period
    previous: Period
    today: date
    generated_at: str
    overall: Figures
    previous_overall: Figures
    key_figures: list[KeyFigure]
    trend: list[GroupRow]
    late_departments: list[GroupRow]
    departments: list[GroupRow]
    by_domain: list[GroupRow]
    by_place: list[GroupRow]
    hot_issues: list[HotItem]
    best_replies: list[ReplyExample]
    weakest_replies: list[ReplyExample]
    reply_method: str
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No message arrived in the period."""
        return self.overall.received == 0


def _query(period: Period, today: date, start: date | None = None) -> StatsQuery:
    return StatsQuery(start=start or period.start, end=min(period.end, today), granularity=period.kind)


def _value(figures: Figures, key: str) -> float | int | None:
    return getattr(figures, key)


def _late(row: GroupRow) -> int:
    """Cases of the row answered after their deadline or still unanswered past it."""
    return row.figures.due - row.figures.on_time


def _hot_issues(session: Session, period: Period) -> list[HotItem]:
    """The period's hot issues, from its public messages (cases rejected are left out, as on /hot)."""
    from minyi.nlp.hot import rank_hot_issues

    low, high = _utc_bounds(period.start, period.end)
    rows = session.execute(select(Case.id, Message.title, Message.body, Message.place_text, Message.created_at,
                                  Message.client_hash, Case.supports)
                           .join(Message, Message.id == Case.message_id)
                           .where(Message.is_public.is_(True), Message.created_at >= low, Message.created_at < high,
                                  Case.status.not_in([states.REJECTED]))).all()
    records = [{"id": r.id, "title": r.title, "body": r.body or "", "place": r.place_text, "time": r.created_at,
                "user": r.client_hash or None, "supports": r.supports} for r in rows]
    ranked = rank_hot_issues(records, now=high, top=TOP_HOT * 3) if records else []
    issues = [i for i in ranked if len(i.members) >= 2][:TOP_HOT]  # one lone message is not a hot issue
    return [HotItem(rank=n, description=i.description[:200], messages=len(i.members), people=i.people,
                    supports=i.supports, start=i.start.date(), end=i.end.date(),
                    case_ids=[int(m) for m in i.members]) for n, i in enumerate(issues, 1)]


def build_period_report(session: Session, *, period: Period, today: date | None = None) -> PeriodReport:
    """The report of one period: key figures against the period before, trend, hot, late, reply examples."""
    from minyi.reports.examples import reply_examples

    today = today or china_today()
    previous = period.previous()
    current = build_report(session, query=_query(period, today), today=today)
    before = build_report(session, query=_query(previous, today), today=today)
    trend_start = period.shifted_back(TREND_POINTS - 1).start
    trend = build_report(session, query=_query(period, today, start=max(trend_start, EARLIEST)), today=today).trend
    key_figures = [KeyFigure(k, label, _value(current.overall, k), _value(before.overall, k))
                   for k, label in KEY_FIGURES]
    late = sorted((r for r in current.departments if _late(r) > 0), key=lambda r: (-_late(r), r.label))[:TOP_LATE]
    best, weakest, method = reply_examples(session, period=period, count=EXAMPLES)
    notices = []
    if period.end > today:
        notices.append(f"本期尚未结束：数据截至 {today.isoformat()}")
    if current.overall.received == 0:
        notices.append(f"{period.key} 期间没有收到留言：本期各项数字为 0，比率无法计算（显示为“—”）。")
    return PeriodReport(period=period, previous=previous, today=today,
                        generated_at=utcnow().strftime("%Y-%m-%d %H:%M UTC"), overall=current.overall,
                        previous_overall=before.overall, key_figures=key_figures, trend=trend,
                        late_departments=late, departments=[r for r in current.departments if r.figures.received],
                        by_domain=current.by_domain,
                        by_place=[r for r in current.by_place if r.key not in {"未填写", "未公开"}][:TOP_PLACES],
                        hot_issues=_hot_issues(session, period), best_replies=best, weakest_replies=weakest,
                        reply_method=method, notices=notices)


def store_report(session: Session, *, period: Period, today: date | None = None, replace: bool = False,
                 report: PeriodReport | None = None) -> StoredReport:
    """Build, render and keep the report of a period (once: an existing one is returned unless `replace`)."""
    from minyi.reports.render import render_html, render_xlsx

    stored = session.scalar(select(StoredReport).where(StoredReport.period == period.key))
    if stored is not None and not replace:
        return stored
    report = report or build_period_report(session, period=period, today=today)
    summary = {k.key: k.value for k in report.key_figures} | {"hot_issues": len(report.hot_issues)}
    if stored is None:
        stored = StoredReport(period=period.key, kind=period.kind, title=period.title, html="", xlsx=b"")
        session.add(stored)
    stored.html, stored.xlsx, stored.summary = render_html(report), render_xlsx(report), summary
    stored.created_at = utcnow()
    session.flush()
    return stored


def generate_due_reports(session: Session, *, today: date | None = None) -> list[str]:
    """The scheduled task: the last complete month's and week's reports, each once (idempotent)."""
    today = today or china_today()
    made = []
    for kind in ("month", "week"):
        period = period_containing(today, kind).previous()
        if session.scalar(select(StoredReport.id).where(StoredReport.period == period.key)) is None:
            store_report(session, period=period, today=today)
            made.append(period.key)
    return made


def list_reports(session: Session) -> list[StoredReport]:
    """Every stored report, newest period first (without loading the documents twice)."""
    query = select(StoredReport).options(defer(StoredReport.html), defer(StoredReport.xlsx))
    return list(session.scalars(query.order_by(StoredReport.kind, StoredReport.period.desc())))


def stored_report(session: Session, *, period: Any) -> StoredReport | None:
    """The stored report of a period key, or None."""
    key = str(period or "")[:16]
    return session.scalar(select(StoredReport).where(StoredReport.period == key))

