"""Time: stored in UTC, shown and counted in China's time (Asia/Shanghai)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")
_frozen: ContextVar[datetime | None] = ContextVar("minyi_frozen_now", default=None)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (or the moment set by `travel`)."""
    return _frozen.get() or datetime.now(UTC)


@contextmanager
def travel(moment: datetime) -> Iterator[None]:
    """Let `utcnow()` return `moment` inside the block (demo histories, imports, tests)."""
    token = _frozen.set(as_utc(moment))
    try:
        yield
    finally:
        _frozen.reset(token)


def as_utc(moment: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_china(moment: datetime) -> datetime:
    """The same instant in Asia/Shanghai."""
    return as_utc(moment).astimezone(CHINA_TZ)


def china_today(now: datetime | None = None) -> date:
    """Today's date in China."""
    return to_china(now or utcnow()).date()


def format_china(moment: datetime | None) -> str:
    """`YYYY-MM-DD HH:MM` in China's time, '' for None."""
    return "" if moment is None else to_china(moment).strftime("%Y-%m-%d %H:%M")


def china_days_utc(start: date, end: date) -> tuple[datetime, datetime]:
    """The days `start` to `end` (inclusive) in China as [start 00:00, the day after end 00:00), aware datetimes."""
    return (datetime.combine(start, time(), CHINA_TZ), datetime.combine(end + timedelta(days=1), time(), CHINA_TZ))
