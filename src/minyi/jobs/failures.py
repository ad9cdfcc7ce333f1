"""Tasks that failed after their last retry: recorded by the worker, listed and retried by the admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.core.db import get_by_id, parse_id
from minyi.core.errors import InvalidTransition, NotFound
from minyi.jobs.models import FailedTask

PER_PAGE = 50
ERROR_CHARS = 4000


def record_failure(session: Session, *, task: str, args: Any, kwargs: Any, attempts: int, error: str) -> FailedTask:
    """Store one task that failed for good (its arguments kept so that it can be run again)."""
    row = FailedTask(
        task=task[:200],
        args=list(args or ()),
        kwargs=dict(kwargs or {}),
        attempts=attempts,
        error=error[-ERROR_CHARS:],
        status="failed",
        failed_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class FailedPage:
    """One page of failed tasks, newest first."""

    rows: list[FailedTask]
    total: int
    page: int
    pages: int


def count_failed(session: Session) -> int:
    """How many tasks failed for good and were not retried yet (a count on the (status, id) index)."""
    return session.scalar(select(func.count(FailedTask.id)).where(FailedTask.status == "failed")) or 0


def failed_tasks(session: Session, *, page: Any = 1, per_page: int = PER_PAGE, status: str = "failed") -> FailedPage:
    """Failed tasks of a status, newest first, one page (ordered and paged in SQL on the (status, id) index)."""
    total = session.scalar(select(func.count(FailedTask.id)).where(FailedTask.status == status)) or 0
    pages = max(1, -(-total // per_page))
    page = min(parse_id(page) or 1, pages)  # any text from the query string: the nearest page that exists
    rows = session.scalars(
        select(FailedTask)
        .where(FailedTask.status == status)
        .order_by(FailedTask.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return FailedPage(rows=list(rows), total=total, page=page, pages=pages)


def mark_retried(session: Session, *, failed_id: Any, user_id: int) -> FailedTask:
    """The admin asked for a failed task to run again: it is marked, the caller enqueues it after the commit."""
    row = get_by_id(session, FailedTask, failed_id)
    if row is None:
        raise NotFound("任务不存在")
    if row.status != "failed":
        raise InvalidTransition("该任务已重新排队")
    row.status, row.retried_at, row.retried_by = "retried", utcnow(), user_id
    session.flush()
    return row
