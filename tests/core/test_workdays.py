"""Working-day arithmetic on China's official calendar, including make-up workdays and the horizon."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from minyi.core import workdays
from minyi.core.workdays import add_workdays, is_workday, workdays_between


def test_national_day_week_is_skipped_and_make_up_saturday_counts() -> None:
    # 2026: Oct 1–7 are holidays; Sunday Sep 20 and Saturday Oct 10 are make-up workdays.
    assert not is_workday(date(2026, 10, 5))  # a Monday inside the holiday
    assert is_workday(date(2026, 9, 20))  # a Sunday that is a workday
    assert is_workday(date(2026, 10, 10))  # a Saturday that is a workday
    # Sep 30 (Wed) + 3 working days: Oct 8 (Thu), Oct 9 (Fri), Oct 10 (Sat, make-up).
    assert add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_spring_festival_holiday_is_skipped() -> None:
    # 2026 Spring Festival: Feb 15–23 off, Saturday Feb 28 and Sunday Feb 14 are make-up workdays.
    assert not is_workday(date(2026, 2, 17))
    assert is_workday(date(2026, 2, 14))
    assert add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_thirteen_working_days_across_a_normal_fortnight() -> None:
    assert add_workdays(date(2026, 11, 2), 13) == date(2026, 11, 19)
    assert workdays_between(date(2026, 11, 2), date(2026, 11, 19)) == 13
    assert workdays_between(date(2026, 11, 19), date(2026, 11, 2)) == -13


def test_zero_days_is_the_same_day_and_negative_is_refused() -> None:
    assert add_workdays(date(2026, 11, 25), 0) == date(2026, 11, 25)
    with pytest.raises(ValueError, match="days"):
        add_workdays(date(2026, 11, 25), -1)


def test_past_the_calendar_horizon_falls_back_to_weekdays_with_a_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workdays, "_warned_years", set())
    workdays.is_workday.cache_clear()  # days asked by an earlier test would answer from the cache, unwarned
    with caplog.at_level(logging.WARNING, logger="minyi.core.workdays"):
        # 2027 is not announced yet: Fri Dec 31 2027 + 1 working day = Mon Jan 3 2028, no crash.
        assert add_workdays(date(2027, 12, 31), 1) == date(2028, 1, 3)
        assert add_workdays(date(2026, 12, 30), 3) == date(2027, 1, 4)
    warned = [r.getMessage() for r in caplog.records if "no data for" in r.getMessage()]
    assert any("2027" in m for m in warned)
    assert any("2028" in m for m in warned)
