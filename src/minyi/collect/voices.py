"""New web voices (网络民意) counted over a period: by place, domain, appeal kind and source, in SQL.

A web voice is counted when it was heard: its `fetched_at` (always known, in UTC) on China's calendar, not the time
the page gave (`published`, often missing or wrong). Only first voices count (`duplicate_of_id IS NULL`: a repost or
the same page under another URL is one voice).

A period's counts read the daily aggregate `web_voice_days` (one row per China day, dimension and value, kept up to
date in the transaction that stores the items: `count_new_voices`), so a 30-day page sums some thousands of small
rows whatever the number of items; a period is at most `MAX_SPAN_DAYS` long. The values counted are the columns
`web_items.place`, `.domain`, `.appeal_kind` — copies of the analysis made when an item is stored (`voice_columns`),
which also filter the list (each on its index) and feed the surge search (minyi.collect.surges).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from minyi.collect.models import WebItem, WebSource, WebVoiceDay
from minyi.core.clock import china_days_utc, china_today, to_china
from minyi.core.errors import ValidationFailed
from minyi.nlp.labels import APPEAL_KINDS

__all__ = [
    "MAX_SPAN_DAYS",
    "PERIODS",
    "Period",
    "VoiceCount",
    "VoiceCounts",
    "VoiceFilters",
    "count_new_voices",
    "count_voices",
    "first_voices",
    "parse_period",
    "parse_voice_filters",
    "voice_columns",
]

TOP = 10
MAX_SPAN_DAYS = 92  # a quarter: the longest period counted in a request
PERIODS = {"today": ("今天", 1), "7d": ("7天", 7), "30d": ("30天", 30)}
DEFAULT_PERIOD = "7d"
NO_VALUE = "未识别"  # an item whose analysis named no place / domain / appeal kind


def voice_columns(analysis: Mapping[str, Any], source_place: str) -> dict[str, str]:
    """The analysis copied into the counted columns: domain, appeal kind, and the first place the text names (else
    the place the source speaks for)."""
    places = [str(p).strip() for p in analysis.get("places") or [] if str(p).strip()]
    return {
        "domain": str(analysis.get("domain") or "")[:32],
        "appeal_kind": str(analysis.get("appeal_kind") or "")[:32],
        "place": (places[0] if places else (source_place or "").strip())[:100],
    }


@dataclass(frozen=True)
class Period:
    """China days `start` to `end` inclusive; `key` is one of PERIODS or "range" (from/to given)."""

    key: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[first moment, moment after the last) in UTC-comparable aware datetimes."""
        return china_days_utc(self.start, self.end)

    def before(self) -> Period:
        """The period of the same length just before this one (for the change)."""
        return Period("range", self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def label(self) -> str:
        if self.key in PERIODS:
            return PERIODS[self.key][0]
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    def query(self) -> dict[str, str]:
        """The query parameters that give this period back."""
        if self.key in PERIODS:
            return {"period": self.key}
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _day(raw: Any, field: str) -> date | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("日期格式不正确：应为 YYYY-MM-DD", field=field) from None


def parse_period(params: Mapping[str, Any], *, today: date | None = None) -> Period:
    """`period=today|7d|30d` (default 7 days), or `from`/`to` (China days, at most MAX_SPAN_DAYS)."""
    today = today or china_today()
    start, end = _day(params.get("from"), "from"), _day(params.get("to"), "to")
    if start or end:
        start, end = start or (end or today) - timedelta(days=6), end or today
        if start > end:
            raise ValidationFailed("开始日期不能晚于结束日期", field="from")
        if (end - start).days + 1 > MAX_SPAN_DAYS:
            raise ValidationFailed(f"时间段最长 {MAX_SPAN_DAYS} 天", field="from")
        return Period("range", start, end)
    key = str(params.get("period") or DEFAULT_PERIOD)
    if key not in PERIODS:
        raise ValidationFailed("时间段只能是今天、7天或30天", field="period")
    return Period(key, today - timedelta(days=PERIODS[key][1] - 1), today)


@dataclass(frozen=True)
class VoiceFilters:
    """The list's filters by a counted value (each optional): place, domain, appeal kind."""

    place: str = ""
    domain: str = ""
    appeal_kind: str = ""

    def conditions(self) -> list[ColumnElement[bool]]:
        where = []
        for column, value in ((WebItem.place, self.place), (WebItem.domain, self.domain)):
            if value:
                where.append(column == ("" if value == NO_VALUE else value))
        if self.appeal_kind:
            where.append(WebItem.appeal_kind == ("" if self.appeal_kind == NO_VALUE else self.appeal_kind))
        return where

    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("place", self.place), ("domain", self.domain), ("kind", self.appeal_kind)) if v}

    def describe(self) -> list[str]:
        return [w for w in (self.place, self.domain, APPEAL_KINDS.get(self.appeal_kind, self.appeal_kind)) if w]


def parse_voice_filters(params: Mapping[str, Any]) -> VoiceFilters:
    """`place`, `domain`, `kind` (an appeal kind's code) from the query; each problem a clear error."""
    kind = str(params.get("kind") or "").strip()
    if kind and kind not in APPEAL_KINDS and kind != NO_VALUE:
        raise ValidationFailed("诉求类型参数无效", field="kind")
    place = str(params.get("place") or "").strip()
    domain = str(params.get("domain") or "").strip()
    if len(place) > 100 or len(domain) > 32:
        raise ValidationFailed("筛选值过长", field="place" if len(place) > 100 else "domain")
    return VoiceFilters(place=place, domain=domain, appeal_kind=kind)


def first_voices(low: datetime, high: datetime) -> list[ColumnElement[bool]]:
    """First voices heard in [low, high): the conditions the covering index `ix_web_items_voices` serves."""
    return [WebItem.duplicate_of_id.is_(None), WebItem.fetched_at >= low, WebItem.fetched_at < high]


@dataclass(frozen=True)
class VoiceCount:
    """A counted value: its query value (`key`), its words, how many voices."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class VoiceCounts:
    """A period's new web voices: in all, in the period before, and the top values of each dimension."""

    period: Period
    total: int
    previous: int
    by_place: list[VoiceCount]
    by_domain: list[VoiceCount]
    by_kind: list[VoiceCount]
    by_source: list[VoiceCount]

    @property
    def change(self) -> int:
        return self.total - self.previous

    @property
    def change_rate(self) -> float | None:
        return None if not self.previous else self.change / self.previous


def _values(item: WebItem) -> dict[str, str]:
    return {
        "all": "",
        "place": item.place,
        "domain": item.domain,
        "kind": item.appeal_kind,
        "source": str(item.source_id),
    }


def count_new_voices(session: Session, items: Sequence[WebItem]) -> int:
    """Add just-stored items to the daily aggregate (first voices only; in the storing transaction). Each row is
    incremented by an upsert, so concurrent runs of several sources add up; returns the voices counted."""
    counted: Counter[tuple[str, date, str]] = Counter()
    for item in items:
        if item.duplicate_of_id is None:
            day = to_china(item.fetched_at).date()
            counted.update((dimension, day, value or "") for dimension, value in _values(item).items())
    if not counted:
        return 0
    rows = [{"dimension": d, "day": day, "value": v[:100], "voices": n} for (d, day, v), n in sorted(counted.items())]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(WebVoiceDay)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["dimension", "day", "value"], set_={"voices": WebVoiceDay.voices + upsert.excluded.voices}
        ),
        rows,
    )
    return sum(1 for item in items if item.duplicate_of_id is None)


def _grouped(session: Session, dimension: str, period: Period, top: int | None) -> list[tuple[str, int]]:
    """(value, voices) of one dimension summed over the period's days, most first."""
    voices = func.sum(WebVoiceDay.voices)
    query = (
        select(WebVoiceDay.value, voices)
        .where(WebVoiceDay.dimension == dimension, WebVoiceDay.day >= period.start, WebVoiceDay.day <= period.end)
        .group_by(WebVoiceDay.value)
        .order_by(voices.desc(), WebVoiceDay.value)
        .limit(top)
    )
    return [(value, int(n or 0)) for value, n in session.execute(query)]


def _total(session: Session, period: Period) -> int:
    found = _grouped(session, "all", period, 1)
    return found[0][1] if found else 0


def count_voices(session: Session, period: Period, *, top: int = TOP) -> VoiceCounts:
    """The period's first web voices counted by place, domain, appeal kind and source (top `top` of each)."""
    sources = [(int(k), n) for k, n in _grouped(session, "source", period, top)]
    names: dict[int, str] = {
        k: v
        for k, v in session.execute(
            select(WebSource.id, WebSource.name).where(WebSource.id.in_([s for s, _ in sources]))
        )
    }
    return VoiceCounts(
        period=period,
        total=_total(session, period),
        previous=_total(session, period.before()),
        by_place=[VoiceCount(k or NO_VALUE, k or NO_VALUE, n) for k, n in _grouped(session, "place", period, top)],
        by_domain=[VoiceCount(k or NO_VALUE, k or NO_VALUE, n) for k, n in _grouped(session, "domain", period, top)],
        by_kind=[
            VoiceCount(k or NO_VALUE, APPEAL_KINDS.get(k, k) or NO_VALUE, n)
            for k, n in _grouped(session, "kind", period, top)
        ],
        by_source=[VoiceCount(str(k), names.get(k, str(k)), n) for k, n in sources],
    )
