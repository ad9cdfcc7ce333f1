"""The hot issues of any period (`/hot?from=&to=`), grouped by a worker, never in a request.

Grouping is too slow for a request (measured on the 10,333 shared messages: a month of ~500 messages 0.2 s, a
quarter of ~1,100 messages 0.4 s, a year of ~5,500 messages 3.7 s, all of them 6.4 s, on a shared machine), and
a city writes 100,000 messages a month. So a period asked for the first time is stored as "pending", a worker
groups its public messages (`compute_period`, queued by the web after commit, also caught up by the periodic
`hot_issues` task), and later views read the stored result. A period is a span of China dates of at most
`MAX_SPAN_DAYS`; its result is asked for again when the period's public messages change (its `stamp`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minyi.core.clock import china_days_utc, china_today, utcnow
from minyi.core.errors import ValidationFailed
from minyi.hot.models import HotPeriod
from minyi.hot.voices import Voices, count_voices, is_hot, is_web
from minyi.messages.models import Message

MAX_SPAN_DAYS = 366
EARLIEST = date(2000, 1, 1)
TOP = 20
KEEP_PERIODS = 500  # periods kept; the ones asked for least recently go first
REQUEUE_AFTER = timedelta(minutes=10)  # a pending period not done by then is queued again
PENDING, DONE = "pending", "done"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Period:
    """China dates `first` to `last`, both included."""

    first: date
    last: date

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[first 00:00, the day after last 00:00) in China, as aware datetimes."""
        return china_days_utc(self.first, self.last)


def _date(raw: Any, *, field: str, label: str) -> date:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise ValidationFailed(f"请填写{label}（YYYY-MM-DD）", field=field)
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{label}格式不正确：应为 YYYY-MM-DD，例如 2019-11-30", field=field) from None


def parse_period(first: Any, last: Any, *, today: date | None = None) -> Period:
    """Check `from` and `to` (YYYY-MM-DD, from ≤ to, a bounded span); every problem is a clear Chinese error."""
    start = _date(first, field="from", label="开始日期")
    end = _date(last, field="to", label="结束日期")
    today = today or china_today()
    if start < EARLIEST:
        raise ValidationFailed(f"开始日期不能早于 {EARLIEST.isoformat()}", field="from")
    if start > today:
        raise ValidationFailed(f"开始日期不能晚于今天（{today.isoformat()}）", field="from")
    if start > end:
        raise ValidationFailed("开始日期不能晚于结束日期", field="from")
    if (end - start).days + 1 > MAX_SPAN_DAYS:
        raise ValidationFailed(f"时间段最长 {MAX_SPAN_DAYS} 天，请缩短时间段", field="to")
    return Period(start, min(end, today))


@dataclass(frozen=True)
class PeriodIssue:
    """One stored hot issue of a period (the same fields as `HotIssue`)."""

    rank: int
    score: float
    description: str
    explanation: str
    start: datetime
    end: datetime
    case_ids: list[int]
    board_voices: int = 0  # 留言 and 网络 voices (minyi.hot.voices); a period grouped before them counts its cases
    web_voices: int = 0

    @property
    def channels(self) -> tuple[int, int]:
        """(留言, 网络) voices."""
        return (self.board_voices, self.web_voices) if self.board_voices or self.web_voices else (len(self.case_ids), 0)

    @classmethod
    def of(cls, item: dict[str, Any]) -> PeriodIssue:
        """From the JSON stored in `HotPeriod.issues`."""
        return cls(
            rank=int(item["rank"]),
            score=float(item["score"]),
            description=str(item["description"]),
            explanation=str(item["explanation"]),
            start=datetime.fromisoformat(item["start"]),
            end=datetime.fromisoformat(item["end"]),
            case_ids=[int(i) for i in item["case_ids"]],
            board_voices=int(item.get("board", 0)),
            web_voices=int(item.get("web", 0)),
        )


@dataclass(frozen=True)
class PeriodView:
    """What `/hot?from=&to=` shows: the stored period and whether a worker must (re)group it."""

    period: Period
    row: HotPeriod
    queue: bool  # True: the caller queues `compute_period(row.id)` once its transaction commits

    @property
    def issues(self) -> list[PeriodIssue]:
        """The stored hot issues, by rank."""
        return [PeriodIssue.of(item) for item in self.row.issues or []]

    @property
    def ready(self) -> bool:
        """A grouping is stored (perhaps of an older state of the period, while the new one is computed)."""
        return self.row.computed_at is not None


def _stamp(session: Session, period: Period) -> str:
    """What the period's public messages look like now (count and newest id; served by messages.created_at)."""
    start, end = period.utc_bounds()
    count, newest = session.execute(
        select(func.count(Message.id), func.max(Message.id)).where(
            Message.is_public.is_(True), Message.created_at >= start, Message.created_at < end
        )
    ).one()
    return f"{count}:{newest or 0}"


def _row(session: Session, period: Period) -> HotPeriod | None:
    return session.scalar(
        select(HotPeriod).where(HotPeriod.first_day == period.first, HotPeriod.last_day == period.last)
    )


def view_period(session: Session, *, period: Period) -> PeriodView:
    """The stored hot issues of `period`; asks a worker to group it when new, changed or long pending."""
    row, now = _row(session, period), utcnow()
    if row is None:
        try:
            with session.begin_nested():  # another request may store the same period at the same moment
                row = HotPeriod(first_day=period.first, last_day=period.last, status=PENDING, requested_at=now)
                session.add(row)
        except IntegrityError:
            row = _row(session, period)
            if row is None:  # pragma: no cover - the other insert rolled back
                raise
            return PeriodView(period, row, queue=False)
        return PeriodView(period, row, queue=True)
    stale = row.status == DONE and row.stamp != _stamp(session, period)
    forgotten = row.status == PENDING and row.requested_at < now - REQUEUE_AFTER
    if stale or forgotten or row.requested_at < now - timedelta(hours=1):
        row.requested_at = now  # kept while it is asked for (see prune_periods)
    if stale or forgotten:
        row.status = PENDING
    return PeriodView(period, row, queue=stale or forgotten)


def _issue(rank: int, issue: Any, voices: Voices) -> dict[str, Any]:
    return {
        "rank": rank,
        "score": float(issue.score),
        "description": issue.description[:200],
        "explanation": issue.explanation,
        "start": issue.start.isoformat(),
        "end": issue.end.isoformat(),
        "messages": len(voices.case_ids),
        "case_ids": voices.case_ids,
        "board": voices.board,
        "web": voices.web,
        "web_item_ids": voices.web_item_ids,
    }


@dataclass(frozen=True)
class PeriodRecords:
    """One period's public cases, read in a reading transaction for a worker to group outside any."""

    period_id: int
    period: Period
    stamp: str  # what the period's public messages looked like when read
    records: list[dict[str, Any]]
    as_of: datetime  # when they were read: stored as `computed_at`, the grouping's version


def read_period(session: Session, *, period_id: int) -> PeriodRecords | None:
    """The period's public cases as `rank_hot_issues` reads them (reads only); None for a period since pruned."""
    from minyi.hot.services import voice_records

    row = session.get(HotPeriod, period_id)
    if row is None:
        return None
    period = Period(row.first_day, row.last_day)
    start, end = period.utc_bounds()
    stamp, as_of = _stamp(session, period), utcnow()
    return PeriodRecords(period_id, period, stamp, voice_records(session, start=start, end=end), as_of)


def group_period(read: PeriodRecords) -> list[dict[str, Any]]:
    """The period's hot issues as stored (pure: run it outside any transaction)."""
    from minyi.hot.services import MIN_MEMBERS
    from minyi.nlp.hot import rank_hot_issues

    end = read.period.utc_bounds()[1]
    ranked = rank_hot_issues(read.records, now=min(end, read.as_of), top=TOP * 3) if read.records else []
    issues = [i for i in ranked if is_hot(i.members, min_members=MIN_MEMBERS)][:TOP]  # one voice is no hot issue
    counted = count_voices([i.members for i in issues], read.records)
    return [_issue(rank, i, v) for rank, (i, v) in enumerate(zip(issues, counted, strict=True), 1)]


def store_period(session: Session, read: PeriodRecords, issues: list[dict[str, Any]]) -> bool:
    """Store a period's grouping (a short writing transaction); False when the period is gone or a grouping from
    a later reading was stored meanwhile (that one is kept)."""
    row = session.scalar(select(HotPeriod).where(HotPeriod.id == read.period_id).with_for_update())
    if row is None or (row.computed_at is not None and row.computed_at > read.as_of):
        return False
    row.issues, row.status, row.stamp = issues, DONE, read.stamp
    row.messages, row.computed_at = sum(not is_web(r["id"]) for r in read.records), read.as_of
    session.flush()
    return True


def compute_period(session: Session, *, period_id: int) -> int:
    """Group one period's public messages into hot issues and store them; how many issues.

    One session here; the worker reads, groups and stores in separate steps (`minyi.jobs.runner.hot_period`)."""
    read = read_period(session, period_id=period_id)
    if read is None:
        return 0
    issues = group_period(read)
    store_period(session, read, issues)
    return len(issues)


def pending_period_ids(session: Session, *, waited: timedelta = timedelta(minutes=1), limit: int = 10) -> list[int]:
    """Periods waiting for a worker longer than `waited` (their queued task was lost), oldest request first."""
    query = (
        select(HotPeriod.id)
        .where(HotPeriod.status == PENDING, HotPeriod.requested_at < utcnow() - waited)
        .order_by(HotPeriod.requested_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def prune_periods(session: Session, *, keep: int = KEEP_PERIODS) -> int:
    """Forget the periods asked for least recently beyond the `keep` newest; how many were deleted."""
    stale = list(
        session.scalars(
            select(HotPeriod.id).order_by(HotPeriod.requested_at.desc(), HotPeriod.id.desc()).offset(keep).limit(10_000)
        )
    )
    if not stale:
        return 0
    result = session.execute(delete(HotPeriod).where(HotPeriod.id.in_(stale)))
    return int(getattr(result, "rowcount", 0) or 0)
