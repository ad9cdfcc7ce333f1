"""What the workers share in the database: periodic-task claims and the tasks that failed for good."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime

FAILED_STATUSES = {"failed": "失败", "retried": "已重试"}


class TaskClaim(Base):
    """One run of a periodic task in one period: the first worker to insert the row runs the task.

    Every worker's scheduler enqueues every periodic task; the primary key (task, period) lets exactly one
    of them through. A run that fails deletes its claim, so that the retry (or another worker) may run it.
    """

    __tablename__ = "task_claims"
    __table_args__ = (Index("ix_task_claims_claimed_at", "claimed_at"),)

    task: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)  # the period's start, UTC, ISO
    worker: Mapped[str] = mapped_column(String(128))  # host:pid of the worker that runs it
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class FailedTask(Base):
    """A task that still failed after its last retry, listed on the admin page (/staff/admin/tasks)."""

    __tablename__ = "failed_tasks"
    __table_args__ = (Index("ix_failed_tasks_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task: Mapped[str] = mapped_column(String(200))  # the engine's task name, e.g. minyi.jobs.tasks.analyse
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="failed")
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retried_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
