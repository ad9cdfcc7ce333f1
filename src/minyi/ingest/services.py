"""`minyi import`: historical messages, with their replies, votes and categories, as cases with events.

A file is read and every row checked before anything is written; then its rows are written in
batches of `batch_size` (multi-row INSERTs), one transaction per batch, so that live submissions are
never blocked for the length of a file, and a batch is in or out. Each row is keyed by (source,
external id): importing a file again writes nothing, and a row whose message another file imported
first adds what that file lacked (`minyi.ingest.merge`). The decisions are in docs/import.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, utcnow
from minyi.core.db import begin_write
from minyi.ingest import merge
from minyi.ingest.history import (
    ACTOR_LABEL,
    CLOSED_CHAIN,
    FALLBACK_DEPARTMENT,
    REPLIED_CHAIN,
    USER_MAX,
    Context,
    ImportRow,
    department_of_reply,
    departments,
    place_of,
    write_new,
)
from minyi.nlp.io import MessageFileError, read_messages
from minyi.nlp.labels import APPEAL_KINDS, DOMAINS
from minyi.workflow.config import deadline_days, get_setting

__all__ = [
    "ACTOR_LABEL",
    "CLOSED_CHAIN",
    "FALLBACK_DEPARTMENT",
    "REPLIED_CHAIN",
    "FileReport",
    "ImportRow",
    "RowProblem",
    "check_row",
    "import_file",
    "read_file",
]

SOURCE_MAX, ID_MAX, TITLE_MAX, TEXT_MAX = 100, 64, 200, 100_000
# After each batch on SQLite, the lock is left free for as long as the batch held it, up to 0.1 s: a
# waiting writer polls the lock at most every 100 ms (SQLite's busy handler), so back-to-back batches
# would starve it for the whole file.
MAX_PAUSE_SECONDS = 0.1
DEFAULT_APPEAL_KIND = "complaint"
DEFAULT_BATCH_SIZE = 500  # rows per transaction: a live submission waits for one batch at most


@dataclass(frozen=True)
class RowProblem:
    """A bad row: where (row number, column) and why."""

    row: int  # 1-based data row (0: the file itself)
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = "file" if self.row == 0 else f"row {self.row}"
        return f"{where}{f', column {self.column!r}' if self.column else ''}: {self.reason}"


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
    replies_added: int = 0  # to cases imported before without them (another file of the same source)
    votes_added: int = 0
    domains_added: int = 0
    archived: int = 0  # unreplied and older than the archive age: 历史未办结
    queued_for_analysis: int = 0  # new messages handed to `analyse` (the worker's analyse_batch task)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[RowProblem] = field(default_factory=list)  # rows imported, but not everything they say was kept
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
    return ImportRow(
        row=n,
        external_id=external_id,
        user=user.strip(),
        title=title,
        body=body,
        time=sent,
        category=category,
        reply=reply,
        reply_time=answered if reply else None,
        likes=int(raw.get("likes") or 0),
        dislikes=int(raw.get("dislikes") or 0),
        place=place_of(title, body),
        department=department_of_reply(reply),
    ), []


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


def _chunks(rows: Sequence[ImportRow], size: int) -> Iterator[Sequence[ImportRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _write_batch(
    session: Session,
    rows: Sequence[ImportRow],
    *,
    source: str,
    appeal_kind: str,
    now: datetime,
    report: FileReport,
    archive_days: int = 0,
) -> list[int]:
    """One batch, in the session's (write) transaction: new rows written, existing cases completed; the ids of
    the new messages."""
    keys = sorted({r.external_id for r in rows} | {merge.other_message_key(r) for r in rows})
    new, existing, notes = merge.resolve(rows, merge.stored(session, source, keys))
    replying = [r for r, _key in new] + [r for r, s in existing if r.reply and s.status in merge.REPLYABLE]
    department_of, names, created = departments(session, replying)  # only where a reply will be written
    kinds = {appeal_kind} | {s.appeal_kind for _r, s in existing}
    ctx = Context(
        source=source,
        appeal_kind=appeal_kind,
        deadline_days={k: deadline_days(session, k) for k in kinds},
        auto_close=timedelta(days=int(get_setting(session, "auto_close_days"))),
        now=now,
        department_of=department_of,
        department_names=names,
        archive_days=archive_days,
    )
    if new:
        replied, message_ids = write_new(session, new, ctx)
        report.replied += replied
        report.archived += sum(ctx.archived(r) for r, _key in new)
    else:
        message_ids = []
    added = merge.add_to_existing(session, existing, ctx)
    report.imported += len(new)
    report.already_present += added.unchanged
    report.replies_added += added.replies
    report.votes_added += added.votes
    report.domains_added += added.domains
    report.notes += [RowProblem(*note) for note in (*notes, *added.notes)]
    report.departments_created = sorted(set(report.departments_created) | set(created))
    session.flush()
    return message_ids


def _refresh_planner_statistics(session: Session, batch_number: int) -> None:
    """PostgreSQL: ANALYZE the tables an import grows each time they have doubled (batches 1, 2, 4, 8 …).

    Autovacuum looks once a minute; until it does, a first import into near-empty tables is planned as if they
    were still empty, and the lookups of already imported rows turn into nested loops over every message
    (seconds per batch). ANALYZE also counts the rows of the running transaction."""
    if session.get_bind().dialect.name != "postgresql" or batch_number & (batch_number - 1):
        return
    session.execute(text("ANALYZE import_records, messages, cases, case_events"))
    session.commit()


def import_file(
    session: Session,
    *,
    path: str | Path,
    source: str | None = None,
    appeal_kind: str = DEFAULT_APPEAL_KIND,
    batch_size: int = DEFAULT_BATCH_SIZE,
    skip_bad_rows: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
    pause_between_batches: bool = True,
    archive_days: int = 0,
    analyse: Callable[[list[int]], None] | None = None,
) -> FileReport:
    """Import one file: every row checked first, then one write transaction per batch of `batch_size` rows.

    Nothing is written when a row is bad (unless skip_bad_rows). Each batch is committed (rolled back on
    a dry run) before the next begins, so live submissions wait for one batch at most, and a run cut
    short keeps whole batches: importing the file again completes it. `progress(done, total)` is
    called after each batch. Unreplied messages older than `archive_days` (0: none) are imported as 历史未办结.
    `analyse(message_ids)` is called after each batch commits with its new messages (the command queues them for
    the worker: `minyi.jobs.tasks.Jobs.analyse_batch`); whatever it misses, the worker's catch-up analyses.
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
    done = 0
    for number, chunk in enumerate(_chunks(rows, max(1, batch_size)), start=1):
        if not session.in_transaction():
            begin_write(session)
        started = time.monotonic()
        try:
            new_ids = _write_batch(
                session,
                chunk,
                source=source,
                appeal_kind=appeal_kind,
                now=now,
                report=report,
                archive_days=max(0, archive_days),
            )
        except BaseException:
            session.rollback()
            raise
        if dry_run:
            session.rollback()
        else:
            session.commit()
            _refresh_planner_statistics(session, number)
            if analyse is not None and new_ids:
                analyse(new_ids)  # after the commit: the worker reads committed messages
                report.queued_for_analysis += len(new_ids)
        if pause_between_batches and session.get_bind().dialect.name == "sqlite":
            time.sleep(min(MAX_PAUSE_SECONDS, time.monotonic() - started))
        done += len(chunk)
        if progress is not None:
            progress(done, len(rows))
    report.written = True
    return report
