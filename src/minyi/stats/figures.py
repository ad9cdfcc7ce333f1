"""The figures of a set of cases: counts, rates, working days to reply. Pure Python, no database.

Every definition is written out in docs/statistics.md; this module is its executable form.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from minyi.core.clock import to_china
from minyi.core.workdays import is_workday
from minyi.messages.channels import WEBSITE
from minyi.workflow import states
from minyi.workflow.deadlines import is_overdue

SATISFIED_LEVELS = frozenset({"satisfied", "basically"})
ADOPTING_DECISIONS = frozenset({"adopted", "partly"})  # 采纳, 部分采纳 (minyi.suggestions.decisions.ADOPTING)
PRAISE_KIND = "praise"  # 表扬 (minyi.nlp.labels.APPEAL_KINDS)


class WorkdayCounter:
    """`workdays_between` in O(1): a prefix count of working days over the dates seen so far (thread-safe)."""

    def __init__(self) -> None:
        # (ordinal of the first date covered, prefix) where prefix[i] = working days in (first, first + i].
        # Readers take one snapshot of the tuple; writers replace it or append to its list under the lock.
        self._table: tuple[int, list[int]] | None = None
        self._lock = threading.Lock()

    def _covered(self, low: int, high: int) -> tuple[int, list[int]]:
        with self._lock:
            table = self._table
            if table is None or low < table[0]:
                old_high = table[0] + len(table[1]) - 1 if table else high
                if table is not None:  # grow downwards by at least a year: a rebuild stays rare
                    low = min(low, table[0] - 366)
                table = (low, [0])
                self._grow(table, max(high, old_high))
                self._table = table
            else:
                self._grow(table, high)
            return table

    @staticmethod
    def _grow(table: tuple[int, list[int]], high: int) -> None:
        origin, prefix = table
        while origin + len(prefix) - 1 < high:
            day = date.fromordinal(origin + len(prefix))
            prefix.append(prefix[-1] + (1 if is_workday(day) else 0))

    def between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start (as core.workdays)."""
        low, high = min(start, end).toordinal(), max(start, end).toordinal()
        table = self._table
        if table is None or low < table[0] or high > table[0] + len(table[1]) - 1:
            table = self._covered(low, high)
        origin, prefix = table
        count = prefix[high - origin] - prefix[low - origin]
        return count if end >= start else -count


WORKDAYS = WorkdayCounter()


@dataclass(slots=True)
class CaseFacts:
    """What the event log says about one case (folded from its events in order)."""

    case_id: int
    received_at: datetime
    domain: str | None = None
    appeal_kind: str = ""
    place: str = ""
    is_public: bool = True
    place_label: str = ""  # the place as the public sees it (`facts.place_label`)
    channel: str = WEBSITE  # 受理渠道: the `submit` event's (absent in older events: 网站)
    status: str = states.SUBMITTED
    department_id: int | None = None
    jurisdiction_id: int | None = None  # the case's jurisdiction as it stands (NULL: the root; issue 17)
    deadline: date | None = None  # the first round's deadline in force (until the first reply)
    first_reply_at: datetime | None = None
    deadline_at_reply: date | None = None
    extensions: int = 0
    escalations: int = 0
    reopened: bool = False
    rating: str | None = None  # the latest rating's level
    adoption: str | None = None  # 吸纳: the decision of the `adopt` event (a suggestion's, once)
    # 回访 (minyi.callbacks): attempted at least once, reached at least once, and the latest reached one's answers
    called_back: bool = False
    callback_reached: bool = False
    callback_resolved: str | None = None  # "yes" | "no"
    callback_satisfaction: str | None = None  # satisfied | basically | unsatisfied
    # Derived once by `settle()` after the events are folded (figures_of reads them many times).
    received_on: date = date.min  # the day the message arrived, in China
    replied_on: date | None = None  # the day of the first reply, in China
    reply_days: int | None = None  # working days from received_on to replied_on

    def settle(self, counter: WorkdayCounter | None = None) -> CaseFacts:
        """Compute the China dates and the working days to the first reply."""
        self.received_on = to_china(self.received_at).date()
        if self.first_reply_at is not None:
            self.replied_on = to_china(self.first_reply_at).date()
            self.reply_days = (counter or WORKDAYS).between(self.received_on, self.replied_on)
        return self


def percentile(values: list[int], pct: float) -> int | None:
    """Nearest-rank percentile: the smallest value with at least `pct`% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def percentile_of_counts(counts: Mapping[int, int], pct: float) -> int | None:
    """`percentile` of the values given as {value: how many times}, without listing them."""
    total = sum(counts.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(pct / 100 * total)), 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return None  # unreachable: seen reaches total >= rank


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when whole is 0 (shown as "—", never a division by zero)."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """The public record of a set of cases."""

    received: int = 0
    rejected: int = 0
    merged: int = 0
    archived: int = 0  # 历史未办结: imported history nobody answered (minyi.ingest), not answerable any more
    assigned: int = 0
    replied: int = 0
    due: int = 0
    on_time: int = 0
    overdue_open: int = 0
    rated: int = 0
    satisfied: int = 0
    reopened: int = 0
    extensions: int = 0
    extended_cases: int = 0
    escalated: int = 0
    decided: int = 0  # 吸纳: suggestions with an adoption decision
    adopted: int = 0  # … whose decision is 采纳 or 部分采纳
    praised: int = 0  # 表扬: messages of the appeal kind praise
    callbacks: int = 0  # 回访件数
    callback_reached: int = 0  # 回访联系上
    callback_resolved: int = 0  # 回访已解决
    callback_satisfied: int = 0  # 回访满意及基本满意
    avg_days: float | None = None
    p90_days: int | None = None

    @property
    def answerable(self) -> int:
        """Received minus rejected, merged and archived: the messages that owe a reply of their own."""
        return self.received - self.rejected - self.merged - self.archived

    @property
    def reply_rate(self) -> float | None:
        """回复率."""
        return ratio(self.replied, self.answerable)

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率."""
        return ratio(self.on_time, self.due)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 = (satisfied + basically satisfied) / rated."""
        return ratio(self.satisfied, self.rated)

    @property
    def dissatisfied(self) -> int:
        """不满意: rated cases whose last rating is 不满意 (the one level that is not 满意 or 基本满意)."""
        return self.rated - self.satisfied

    @property
    def reopen_rate(self) -> float | None:
        """重办率 = reopened / replied."""
        return ratio(self.reopened, self.replied)

    @property
    def adoption_rate(self) -> float | None:
        """采纳率 = (采纳 + 部分采纳) / decided suggestions."""
        return ratio(self.adopted, self.decided)

    @property
    def callback_reached_rate(self) -> float | None:
        """回访联系率 = reached / called back."""
        return ratio(self.callback_reached, self.callbacks)

    @property
    def callback_resolved_rate(self) -> float | None:
        """回访解决率 = resolved / reached."""
        return ratio(self.callback_resolved, self.callback_reached)

    @property
    def callback_satisfaction_rate(self) -> float | None:
        """回访满意率 = (satisfied + basically satisfied) / reached."""
        return ratio(self.callback_satisfied, self.callback_reached)

    def as_dict(self) -> dict[str, float | int | None]:
        """Counts and rates, for JSON and downloads."""
        counts = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return counts | {
            "answerable": self.answerable,
            "reply_rate": self.reply_rate,
            "on_time_rate": self.on_time_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "reopen_rate": self.reopen_rate,
            "adoption_rate": self.adoption_rate,
            "callback_reached_rate": self.callback_reached_rate,
            "callback_resolved_rate": self.callback_resolved_rate,
            "callback_satisfaction_rate": self.callback_satisfaction_rate,
        }


def figures_of(facts: Iterable[CaseFacts], *, today: date) -> Figures:
    """Aggregate the facts of some (settled) cases in one pass."""
    n = dict.fromkeys(
        (
            "received",
            "rejected",
            "merged",
            "archived",
            "assigned",
            "replied",
            "due",
            "on_time",
            "overdue_open",
            "rated",
            "satisfied",
            "reopened",
            "extensions",
            "extended_cases",
            "escalated",
            "decided",
            "adopted",
            "praised",
            "callbacks",
            "callback_reached",
            "callback_resolved",
            "callback_satisfied",
        ),
        0,
    )
    days: list[int] = []
    for fact in facts:
        n["received"] += 1
        n["rejected"] += fact.status == states.REJECTED
        n["merged"] += fact.status == states.MERGED
        n["archived"] += fact.status == states.ARCHIVED
        n["assigned"] += fact.department_id is not None
        n["extensions"] += fact.extensions
        n["extended_cases"] += fact.extensions > 0
        n["escalated"] += fact.escalations > 0
        n["decided"] += fact.adoption is not None
        n["adopted"] += fact.adoption in ADOPTING_DECISIONS
        n["praised"] += fact.appeal_kind == PRAISE_KIND
        if fact.replied_on is not None:
            n["replied"] += 1
            n["reopened"] += fact.reopened
            days.append(fact.reply_days or 0)
            if fact.deadline_at_reply is not None:
                n["due"] += 1
                n["on_time"] += fact.replied_on <= fact.deadline_at_reply
        elif is_overdue(fact.deadline, today=today, running=True):  # unanswered: the first round's deadline runs
            n["due"] += 1
            n["overdue_open"] += 1
        if fact.rating is not None:
            n["rated"] += 1
            n["satisfied"] += fact.rating in SATISFIED_LEVELS
        n["callbacks"] += fact.called_back
        if fact.callback_reached:
            n["callback_reached"] += 1
            n["callback_resolved"] += fact.callback_resolved == "yes"
            n["callback_satisfied"] += fact.callback_satisfaction in SATISFIED_LEVELS
    avg = sum(days) / len(days) if days else None
    return Figures(**n, avg_days=avg, p90_days=percentile(days, 90))


def month_key(day: date) -> str:
    """`2024-05`."""
    return f"{day.year:04d}-{day.month:02d}"


def week_key(day: date) -> str:
    """The ISO week, `2024-W19` (weeks start on Monday)."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def buckets(start: date, end: date, granularity: str) -> list[str]:
    """Every month or ISO week touching [start, end], in order (empty ones too)."""
    keys: list[str] = []
    key_of = month_key if granularity == "month" else week_key
    day = start
    step = timedelta(days=1 if granularity == "month" else 7)
    while day <= end:
        key = key_of(day)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += step
    last = key_of(end)
    if keys[-1] != last:
        keys.append(last)
    return keys
