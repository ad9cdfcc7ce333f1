"""Working-day arithmetic on China's official calendar, with a weekend fallback past its horizon.

The `chinese_calendar` package knows the holidays and make-up workdays (调休) only for the years the
State Council has announced. Past that horizon we count plain Monday–Friday and log a warning once
per year, instead of crashing: a deadline that lands in an unannounced year is still a deadline.
"""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


@functools.lru_cache(maxsize=8192)  # deadlines on every line of a list ask for the same few hundred days
def is_workday(day: date) -> bool:
    """True when `day` is an official working day in China (weekends fallback past the horizon)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "holiday calendar has no data for %s: counting plain weekdays (upgrade chinese-calendar)",
                day.year,
            )
        return day.weekday() < 5


def add_workdays(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    if days < 0:
        msg = "days must be >= 0"
        raise ValueError(msg)
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_workday(current):
            remaining -= 1
    return current


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -workdays_between(end, start)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_workday(current):
            count += 1
    return count
