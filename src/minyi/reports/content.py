"""What a period report holds: its period, key figures, hot issues and reply examples (plain data, no queries).

`services.py` fills a `PeriodReport`, `examples.py` picks its `ReplyExample`s, `render.py` prints it: the two
helpers import this module, never `services.py`, so the imports run one way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from minyi.core.clock import china_today
from minyi.core.errors import ValidationFailed
from minyi.scorecard.score import Ranking
from minyi.stats.figures import Figures
from minyi.stats.services import EARLIEST, GroupRow

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
RATES = frozenset(
    {
        "reply_rate", "on_time_rate", "satisfaction_rate", "reopen_rate", "adoption_rate",
        "callback_reached_rate", "callback_resolved_rate", "callback_satisfaction_rate",
    }
)  # fmt: skip


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
    scorecard: Ranking | None = None  # 考核 (minyi.scorecard): the period's department ranking
    jurisdiction_id: int = 1  # whose cases (issue 17): the jurisdiction's subtree; 1, the root: every case
    jurisdiction_name: str = ""  # shown before the title ("" for the root)

    @property
    def title(self) -> str:
        """The period's title, after the jurisdiction's name when it is not the root."""
        return f"{self.jurisdiction_name} {self.period.title}" if self.jurisdiction_name else self.period.title

    @property
    def empty(self) -> bool:
        """No message arrived in the period."""
        return self.overall.received == 0
