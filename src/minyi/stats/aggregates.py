"""The figures of a period as GROUP BY queries over `case_facts`: one query per table of the page.

Each query returns, per group and per number of working days to the first reply, the additive counts of
`figures.figures_of`; a `Tally` adds them up and keeps the days as a histogram, so that groups can be merged
(other places, 未分类) and the mean and the nearest-rank 90th percentile come out exactly as from the cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from minyi.stats.figures import (
    ADOPTING_DECISIONS,
    PRAISE_KIND,
    SATISFIED_LEVELS,
    Figures,
    percentile_of_counts,
)
from minyi.stats.models import CaseFactsRow as F
from minyi.workflow import states

COUNTS = (
    "received", "rejected", "merged", "archived", "assigned", "replied", "due", "on_time", "overdue_open",
    "rated", "satisfied", "reopened", "extensions", "extended_cases", "escalated", "decided", "adopted", "praised",
    "callbacks", "callback_reached", "callback_resolved", "callback_satisfied",
)  # fmt: skip


@dataclass
class Tally:
    """The additive form of `Figures`: counts, and how many replies took each number of working days."""

    counts: Counter[str] = field(default_factory=Counter)
    days: Counter[int] = field(default_factory=Counter)

    def add(self, other: Tally) -> Tally:
        """Merge another group into this one (returns self)."""
        self.counts.update(other.counts)
        self.days.update(other.days)
        return self

    def figures(self) -> Figures:
        """The figures of the group, equal to `figures_of` over its cases."""
        replies = sum(self.days.values())
        avg = sum(d * n for d, n in self.days.items()) / replies if replies else None
        return Figures(
            **{name: int(self.counts[name]) for name in COUNTS},
            avg_days=avg,
            p90_days=percentile_of_counts(self.days, 90),
        )


def _sum(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _columns(today: date) -> list[ColumnElement[Any]]:
    """`figures_of`'s counts as SQL aggregates, in `COUNTS` order."""
    replied = F.first_reply_at.is_not(None)
    overdue_open = and_(not_(replied), F.deadline.is_not(None), F.deadline < today)
    judged = and_(replied, F.deadline_at_reply.is_not(None))
    return [
        func.count(),
        _sum(F.status == states.REJECTED),
        _sum(F.status == states.MERGED),
        _sum(F.status == states.ARCHIVED),
        _sum(F.department_id.is_not(None)),
        _sum(replied),
        _sum(or_(judged, overdue_open)),
        _sum(and_(judged, F.replied_on <= F.deadline_at_reply)),
        _sum(overdue_open),
        _sum(F.rating.is_not(None)),
        _sum(F.rating.in_(sorted(SATISFIED_LEVELS))),
        _sum(and_(replied, F.reopened.is_(True))),
        func.coalesce(func.sum(F.extensions), 0),
        _sum(F.extensions > 0),
        _sum(F.escalations > 0),
        _sum(F.adoption.is_not(None)),
        _sum(F.adoption.in_(sorted(ADOPTING_DECISIONS))),
        _sum(F.appeal_kind == PRAISE_KIND),
        _sum(F.called_back.is_(True)),
        _sum(F.callback_reached.is_(True)),
        _sum(and_(F.callback_reached.is_(True), F.callback_resolved == "yes")),
        _sum(and_(F.callback_reached.is_(True), F.callback_satisfaction.in_(sorted(SATISFIED_LEVELS)))),
    ]


@dataclass(frozen=True)
class Scope:
    """Which cases: received in [start, end] (China dates), of one department or all; `today` for overdue."""

    start: date
    end: date
    today: date
    department_id: int | None = None
    where: tuple[ColumnElement[bool], ...] = ()

    def all_departments(self) -> Scope:
        """The same period for every department."""
        return replace(self, department_id=None)


def tallies(session: Session, scope: Scope, *keys: InstrumentedAttribute[Any]) -> dict[Any, Tally]:
    """The cases of `scope` grouped by `keys` (none: one group keyed None; several: keyed by tuples), in two
    queries: the counts, then the days to reply."""
    filters = [F.received_on >= scope.start, F.received_on <= scope.end, *scope.where]
    if scope.department_id is not None:
        filters.append(F.department_id == scope.department_id)
    width = max(len(keys), 1)
    columns: list[Any] = list(keys) or [literal(None)]

    def key_of(row: Any) -> Any:
        return tuple(row[:width]) if len(keys) > 1 else row[0]

    found: dict[Any, Tally] = {}
    for row in session.execute(select(*columns, *_columns(scope.today)).where(*filters).group_by(*keys)):
        found[key_of(row)] = Tally(Counter(dict(zip(COUNTS, (int(v or 0) for v in row[width:]), strict=True))))
    days = select(*columns, F.reply_days, func.count()).where(*filters, F.reply_days.is_not(None))
    for row in session.execute(days.group_by(*keys, F.reply_days)):
        found[key_of(row)].days[int(row[width])] = int(row[width + 1])
    return found


def rolled(groups: dict[Any, Tally], label: Callable[[Any], Any]) -> dict[Any, Tally]:
    """Groups merged under `label(key)`: one dimension of a several-key tally, or groups shown as one."""
    found: dict[Any, Tally] = {}
    for key, tally in groups.items():
        found.setdefault(label(key), Tally()).add(tally)
    return found


def merged(groups: Iterable[Tally]) -> Tally:
    """One tally of several groups."""
    total = Tally()
    for group in groups:
        total.add(group)
    return total
