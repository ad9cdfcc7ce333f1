"""Once per period across all workers: a claim row keyed by (task, period), inserted by the one worker that runs it."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.clock import utcnow
from minyi.core.db import transaction
from minyi.jobs.models import TaskClaim

CLAIMS_KEPT = timedelta(days=14)  # older claims are only history; pruned by the worker


def worker_name() -> str:
    """host:pid of this process, written beside each claim it wins."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def period_of(moment: datetime, seconds: int) -> str:
    """The start of the period of `seconds` that `moment` falls in, UTC, as the claim's key (same on every machine)."""
    seconds = max(1, seconds)
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def claim(factory: sessionmaker[Session], *, task: str, period: str) -> bool:
    """True for the one caller whose row went in; False for every other (the primary key refuses them)."""
    try:
        with transaction(factory) as session:
            session.add(TaskClaim(task=task, period=period, worker=worker_name(), claimed_at=utcnow()))
    except IntegrityError:
        return False
    return True


def finish(factory: sessionmaker[Session], *, task: str, period: str) -> None:
    """Mark a claimed run as done."""
    with transaction(factory) as session:
        session.execute(
            update(TaskClaim).where(TaskClaim.task == task, TaskClaim.period == period).values(finished_at=utcnow())
        )


def release(factory: sessionmaker[Session], *, task: str, period: str) -> None:
    """Give a failed run's claim back, so that its retry (or another worker) may run the period."""
    with transaction(factory) as session:
        session.execute(delete(TaskClaim).where(TaskClaim.task == task, TaskClaim.period == period))


def prune(session: Session, *, now: datetime | None = None) -> int:
    """Delete claims older than CLAIMS_KEPT (their periods are long past); returns how many."""
    cutoff = (now or utcnow()) - CLAIMS_KEPT
    result = session.execute(delete(TaskClaim).where(TaskClaim.claimed_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
