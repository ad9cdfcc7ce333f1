"""The deadline in force and "overdue": one definition, used by the work lists, reminders, 督办, the dashboard
and the statistics.

A deadline runs while a department owes an answer: a case is open (assigned or in progress), or, in the
statistics, its first round is not answered yet. It is **overdue** when it runs and today (China's date) is
after its deadline in force — the deadline day itself is still on time. The deadline in force changes only
by the events in `DEADLINE_EVENTS` (each logs the new deadline, or its clearing), so the event log alone
gives it back (`deadline_after`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_

from minyi.core.clock import china_today
from minyi.core.workdays import workdays_between
from minyi.workflow import states
from minyi.workflow.models import Case


def is_overdue(deadline: date | None, *, today: date, running: bool) -> bool:
    """The one definition: the deadline runs (an answer is owed) and today is after it."""
    return running and deadline is not None and today > deadline


def deadline_runs(status: str) -> bool:
    """A case's deadline runs while a department owes an answer (assigned or in progress)."""
    return status in states.OPEN_STATUSES


def case_is_overdue(case: Case, *, today: date) -> bool:
    """`is_overdue` for a case as it stands."""
    return is_overdue(case.deadline, today=today, running=deadline_runs(case.status))


def overdue_clause(today: date) -> ColumnElement[bool]:
    """`case_is_overdue` as SQL, for counting and listing in the database."""
    return and_(Case.status.in_(sorted(states.OPEN_STATUSES)), Case.deadline.is_not(None), Case.deadline < today)


def running_clause() -> ColumnElement[bool]:
    """Cases whose deadline runs, as SQL (reminders look ahead, 督办 looks back)."""
    return and_(Case.status.in_(sorted(states.OPEN_STATUSES)), Case.deadline.is_not(None))


@dataclass(frozen=True)
class DeadlineInfo:
    """How a case stands against its deadline."""

    deadline: date | None
    workdays_left: int | None
    overdue: bool
    near: bool

    @property
    def label(self) -> str:
        """Short Chinese text for lists."""
        if self.deadline is None or self.workdays_left is None:  # no deadline, or no longer running
            return ""
        if self.overdue:
            return f"已超期 {-self.workdays_left} 个工作日" if self.workdays_left else "已超期"
        if self.workdays_left == 0:
            return "今日到期"
        return f"剩 {self.workdays_left} 个工作日"


def deadline_info(case: Case, *, today: date | None = None, near_days: int = 1) -> DeadlineInfo:
    """Deadline status; only open cases (assigned, in progress) can be overdue."""
    if case.deadline is None or not deadline_runs(case.status):
        return DeadlineInfo(case.deadline, None, overdue=False, near=False)
    today = today or china_today()
    left = workdays_between(today, case.deadline)
    overdue = case_is_overdue(case, today=today)
    return DeadlineInfo(case.deadline, left, overdue=overdue, near=not overdue and left <= near_days)
