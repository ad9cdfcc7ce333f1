"""`minyi import`: historical messages, with their replies, votes and categories, as cases with events.

A file is read and every row checked before anything is written; then its rows are written in
batches of `batch_size` (multi-row INSERTs), all inside the caller's one transaction per file, so a
file is imported whole or not at all. Each row is keyed by (source, external id): importing a file
again writes nothing. The decisions (which events, which department, which times) are in docs/import.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, to_china, utcnow
from minyi.core.security import hash_token
from minyi.core.workdays import add_workdays
from minyi.departments.models import Department
from minyi.ingest.models import ImportRecord
from minyi.messages.models import Message
from minyi.nlp.departments import extract_department
from minyi.nlp.io import MessageFileError, read_messages
from minyi.nlp.labels import APPEAL_KINDS, DOMAINS
from minyi.nlp.places import PlaceExtractor
from minyi.workflow import states
from minyi.workflow.config import deadline_days, get_setting
from minyi.workflow.models import Case, CaseEvent, Reply

SOURCE_MAX, ID_MAX, USER_MAX, TITLE_MAX, TEXT_MAX = 100, 64, 64, 200, 100_000
FALLBACK_DEPARTMENT = "历史导入（答复未注明部门）"
ACTOR_LABEL = "历史数据导入"
DEFAULT_APPEAL_KIND = "complaint"
# The path a replied historical message takes, checked against the state machine in tests/ingest.
REPLIED_CHAIN = ("submit", "assign", "accept", "reply")
CLOSED_CHAIN = (*REPLIED_CHAIN, "auto_close")
_PLACES = PlaceExtractor(levels=("city", "district")).fit([])


@dataclass(frozen=True)
class RowProblem:
    """A bad row: where (row number, column) and why."""

    row: int  # 1-based data row (0: the file itself)
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = "file" if self.row == 0 else f"row {self.row}"
        return f"{where}{f', column {self.column!r}' if self.column else ''}: {self.reason}"


@dataclass(frozen=True)
class ImportRow:
    """A checked row, ready to write."""

    row: int
    external_id: str
    user: str
    title: str
    body: str
    time: datetime  # UTC
    category: str | None
    reply: str | None
    reply_time: datetime | None  # UTC
    likes: int
    dislikes: int


@dataclass
class FileReport:
    """What importing one file did."""

    path: str
    source: str
    rows: int = 0
    imported: int = 0
    replied: int = 0
    already_present: int = 0
    duplicates: int = 0
    skipped_bad: int = 0
    departments_created: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    unreadable: bool = False  # the file could not be parsed: nothing imported, whatever the options
    written: bool = False


def _local_time(text: str) -> datetime:
    """`YYYY-MM-DD HH:MM:SS` in China's time (as the shared data writes it) -> UTC."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA_TZ).astimezone(UTC)


def _text(raw: dict[str, Any], column: str, limit: int, problems: list[RowProblem], row: int) -> str:
    value = str(raw.get(column) or "")
    if "\x00" in value:
        problems.append(RowProblem(row, column, "contains a NUL character"))
    if len(value) > limit:
        problems.append(RowProblem(row, column, f"too long: {len(value)} characters (at most {limit})"))
    return value


def _times(raw: dict[str, Any], n: int, now: datetime, problems: list[RowProblem]) -> tuple[datetime | None, ...]:
    sent = _local_time(raw["time"]) if raw.get("time") else None
    if sent is None:
        problems.append(RowProblem(n, "time", "missing: a historical message needs its time"))
    elif sent > now:
        problems.append(RowProblem(n, "time", f"in the future: {raw['time']}"))
    answered = _local_time(raw["reply_time"]) if raw.get("reply_time") else None
    if raw.get("reply") and answered is None:
        problems.append(RowProblem(n, "reply_time", "missing: a reply needs its time"))
    if answered is not None and not raw.get("reply"):
        problems.append(RowProblem(n, "reply", "empty, but reply_time is given"))
    if answered is not None and answered > now:
        problems.append(RowProblem(n, "reply_time", f"in the future: {raw['reply_time']}"))
    if answered is not None and sent is not None and answered < sent:
        problems.append(RowProblem(n, "reply_time", f"before the message time ({raw['reply_time']} < {raw['time']})"))
    return sent, answered


def check_row(n: int, raw: dict[str, Any], *, now: datetime) -> tuple[ImportRow | None, list[RowProblem]]:
    """Check one row (as read by minyi.nlp.io); the row, or the list of everything wrong with it."""
    problems: list[RowProblem] = []
    external_id = str(raw["id"]).strip()
    if len(external_id) > ID_MAX:
        problems.append(RowProblem(n, "id", f"too long: {len(external_id)} characters (at most {ID_MAX})"))
    title = _text(raw, "title", TITLE_MAX, problems, n)
    if not title.strip():
        problems.append(RowProblem(n, "title", "empty"))
    body = _text(raw, "body", TEXT_MAX, problems, n)
    reply = _text(raw, "reply", TEXT_MAX, problems, n).strip() or None
    user = _text(raw, "user", USER_MAX, problems, n)
    category = raw.get("category") or None
    if category is not None and category not in DOMAINS:
        problems.append(RowProblem(n, "category", f"unknown domain {category!r} (known: {', '.join(DOMAINS)})"))
    sent, answered = _times(raw, n, now, problems)
    if problems or sent is None:
        return None, problems
    return ImportRow(row=n, external_id=external_id, user=user.strip(), title=title, body=body, time=sent,
                     category=category, reply=reply, reply_time=answered if reply else None,
                     likes=int(raw.get("likes") or 0), dislikes=int(raw.get("dislikes") or 0)), []


class UnreadableFile(Exception):
    """The file cannot be parsed (minyi.nlp.io stops at the first such problem): nothing can be imported."""

    def __init__(self, problem: RowProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_file(path: Path, *, now: datetime | None = None) -> tuple[list[ImportRow], list[RowProblem], int, int]:
    """Read and check a whole file: (good rows, problems, rows read, identical duplicates skipped).

    Every row is checked and every problem listed; a file that cannot be parsed raises UnreadableFile.
    """
    now = now or utcnow()
    try:
        raw_rows = read_messages(path, unique_ids=False)
    except MessageFileError as exc:
        reason = exc.reason if exc.row == 0 else f"{exc.reason} (the file is not read past this row)"
        raise UnreadableFile(RowProblem(exc.row, exc.column, reason)) from None
    good: list[ImportRow] = []
    problems: list[RowProblem] = []
    first_seen: dict[str, tuple[int, dict[str, Any]]] = {}
    duplicates = 0
    for n, raw in enumerate(raw_rows, start=1):
        key = str(raw["id"]).strip()
        if key in first_seen:
            earlier, earlier_raw = first_seen[key]
            if earlier_raw == raw:
                duplicates += 1
                continue
            reason = f"duplicate id {key!r} with different content (first in row {earlier})"
            problems.append(RowProblem(n, "id", reason))
            continue
        first_seen[key] = (n, raw)
        row, row_problems = check_row(n, raw, now=now)
        problems += row_problems
        if row is not None:
            good.append(row)
    return good, problems, len(raw_rows), duplicates


def _place(title: str, body: str) -> str:
    """The district the message names (else its city), title first: `A2区`, `K7县`, `A市`; '' when none."""
    for text in (title, body[:300]):
        found = {p["level"]: p["name"] for p in reversed(_PLACES.extract(text))}  # the first of each level wins
        if found:
            return (found.get("district") or found["city"])[:200]
    return ""


def _departments(session: Session, rows: Sequence[ImportRow]) -> tuple[dict[str, int], dict[int, str], list[str]]:
    """The department of each replied row (by external id), creating missing ones (inactive) in one go."""
    wanted = {r.external_id: (extract_department(r.reply) or FALLBACK_DEPARTMENT)[:100] for r in rows if r.reply}
    names = set(wanted.values())
    existing = {d.name: d.id for d in session.scalars(select(Department).where(Department.name.in_(names)))}
    created = sorted(names - set(existing))
    if created:
        ids = _insert(session, Department, "name", [
            {"name": name, "parent_id": None, "domains": [], "keywords": [], "is_active": False, "created_at": utcnow()}
            for name in created])
        existing |= dict(zip(created, ids, strict=True))
    return {key: existing[name] for key, name in wanted.items()}, {v: k for k, v in existing.items()}, created


def _event(case_id: int, kind: str, before: str | None, after: str, at: datetime,
           data: dict[str, Any]) -> dict[str, Any]:
    return {"case_id": case_id, "kind": kind, "from_status": before, "to_status": after, "actor_id": None,
            "actor_label": ACTOR_LABEL, "reason": "", "is_public": states.ACTIONS[kind].public, "data": data,
            "created_at": at}


@dataclass(frozen=True)
class _Context:
    source: str
    appeal_kind: str
    deadline_days: int
    auto_close: timedelta
    now: datetime
    department_of: dict[str, int]
    department_names: dict[int, str]


@lru_cache(maxsize=8192)
def _deadline_from(day: date, days: int) -> date:
    return add_workdays(day, days)  # cached: the holiday calendar costs ~40 µs a day, and many rows share a day


def _deadline(sent: datetime, days: int) -> date:
    return _deadline_from(to_china(sent).date(), days)


def _insert(session: Session, model: type, key: str, rows: list[dict[str, Any]]) -> list[int]:
    """One multi-row INSERT, then the new ids read back by a column unique within the batch.

    Portable and fast: RETURNING with a guaranteed row order is not available for multi-row inserts on
    every database (SQLAlchemy falls back to one statement per row on SQLite).
    """
    if not rows:
        return []
    table = model.__table__
    session.execute(insert(table), rows)
    column, ids = table.c[key], {}
    values = [r[key] for r in rows]
    for start in range(0, len(values), 900):  # stay under every database's bound-parameter limit
        ids |= dict(session.execute(select(column, table.c.id).where(column.in_(values[start:start + 900]))).all())
    return [ids[value] for value in values]


def _write_batch(session: Session, rows: Sequence[ImportRow], ctx: _Context) -> int:
    """Write one batch: messages, cases, replies, events, import records; returns how many were replied."""
    message_ids = _insert(session, Message, "tracking_hash", [{
        "title": r.title, "body": r.body, "appeal_kind": ctx.appeal_kind, "domain": r.category,
        "place_text": _place(r.title, r.body), "is_public": True, "is_anonymous": False, "source": "import",
        "external_id": r.external_id, "submission_key": None, "client_hash": "", "created_at": r.time,
        "tracking_hash": hash_token(secrets.token_urlsafe(24)),  # nobody holds the link: history is not rated
    } for r in rows])
    cases: list[dict[str, Any]] = []
    for r, message_id in zip(rows, message_ids, strict=True):
        replied = r.reply_time is not None
        closed_at = r.reply_time + ctx.auto_close if replied and r.reply_time + ctx.auto_close <= ctx.now else None
        status = states.CLOSED if closed_at else states.REPLIED if replied else states.SUBMITTED
        cases.append({
            "message_id": message_id, "status": status, "department_id": ctx.department_of.get(r.external_id),
            "deadline": _deadline(r.time, ctx.deadline_days) if replied else None,
            "assigned_at": r.time if replied else None, "replied_at": r.reply_time, "closed_at": closed_at,
            "merged_into_id": None, "reopen_count": 0, "escalated": False, "public_reason": "", "supports": r.likes,
            "updated_at": closed_at or r.reply_time or r.time})
    case_ids = _insert(session, Case, "message_id", cases)
    replied_rows = [(r, c, case) for r, c, case in zip(rows, case_ids, cases, strict=True) if r.reply_time]
    reply_ids = _insert(session, Reply, "case_id", [  # one reply per new case
        {"case_id": c, "department_id": case["department_id"], "author_id": None, "body": r.reply,
         "created_at": r.reply_time} for r, c, case in replied_rows])
    replies = {c: reply_id for (_r, c, _case), reply_id in zip(replied_rows, reply_ids, strict=True)}
    events = [e for r, case_id, case in zip(rows, case_ids, cases, strict=True)
              for e in _events(r, case_id, case, replies.get(case_id), ctx)]
    session.execute(insert(CaseEvent.__table__), events)  # Core executemany: one statement for the batch
    session.execute(insert(ImportRecord.__table__), [
        {"source": ctx.source, "external_id": r.external_id, "message_id": m, "source_user": r.user[:USER_MAX],
         "imported_at": ctx.now} for r, m in zip(rows, message_ids, strict=True)])
    return len(replied_rows)


def _events(r: ImportRow, case_id: int, case: dict[str, Any], reply_id: int | None,
            ctx: _Context) -> list[dict[str, Any]]:
    """The event log of one historical case, at the historical times."""
    events = [_event(case_id, "submit", None, states.SUBMITTED, r.time,
                     {"source": "import", "file": ctx.source, "external_id": r.external_id, "likes": r.likes,
                      "dislikes": r.dislikes})]
    if r.reply_time is None:
        return events
    dept = case["department_id"]
    events += [
        _event(case_id, "assign", states.SUBMITTED, states.ASSIGNED, r.time,
               {"department_id": dept, "department": ctx.department_names.get(dept, ""),
                "deadline": case["deadline"].isoformat(), "imported": True}),
        _event(case_id, "accept", states.ASSIGNED, states.IN_PROGRESS, r.time, {}),
        _event(case_id, "reply", states.IN_PROGRESS, states.REPLIED, r.reply_time, {"reply_id": reply_id}),
    ]
    if case["closed_at"] is not None:
        events.append(_event(case_id, "auto_close", states.REPLIED, states.CLOSED, case["closed_at"],
                             {"after_days": ctx.auto_close.days, "imported": True}))
    return events


def _chunks(rows: Sequence[ImportRow], size: int) -> Iterator[Sequence[ImportRow]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def import_file(session: Session, *, path: str | Path, source: str | None = None,
                appeal_kind: str = DEFAULT_APPEAL_KIND, batch_size: int = 1000, skip_bad_rows: bool = False,
                progress: Callable[[int, int], None] | None = None, now: datetime | None = None) -> FileReport:
    """Import one file in the caller's transaction; nothing is written when a row is bad (unless skip_bad_rows).

    `progress(written, total)` is called after each batch.
    """
    path = Path(path)
    source = (source or path.stem).strip()
    report = FileReport(path=str(path), source=source)
    if not source or len(source) > SOURCE_MAX:
        report.problems.append(RowProblem(0, None, f"the source name must have 1 to {SOURCE_MAX} characters"))
        return report
    if appeal_kind not in APPEAL_KINDS:
        report.problems.append(RowProblem(0, None, f"unknown appeal kind {appeal_kind!r}"))
        return report
    now = now or utcnow()
    try:
        rows, report.problems, report.rows, report.duplicates = read_file(path, now=now)
    except UnreadableFile as exc:
        report.problems.append(exc.problem)
        report.unreadable = True
        return report
    if report.problems and not skip_bad_rows:
        return report
    report.skipped_bad = len({p.row for p in report.problems})
    present = set(session.scalars(select(ImportRecord.external_id).where(ImportRecord.source == source)))
    new = [r for r in rows if r.external_id not in present]
    report.already_present = len(rows) - len(new)
    department_of, names, report.departments_created = _departments(session, new)
    ctx = _Context(source=source, appeal_kind=appeal_kind, deadline_days=deadline_days(session, appeal_kind),
                   auto_close=timedelta(days=int(get_setting(session, "auto_close_days"))), now=now,
                   department_of=department_of, department_names=names)
    for chunk in _chunks(new, max(1, batch_size)):
        report.replied += _write_batch(session, chunk, ctx)
        report.imported += len(chunk)
        session.flush()
        if progress is not None:
            progress(report.imported, len(new))
    report.written = True
    return report
