"""Retries with backoff on the real engine (a huey consumer's threads in this process), then the failure recorded."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.jobs.models import FailedTask
from minyi.jobs.tasks import LIVE_PRIORITY, Jobs


def _jobs(tmp_path: Path) -> Jobs:
    url = f"sqlite:///{tmp_path / 'minyi.sqlite3'}"
    upgrade(url)
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="k")
    return Jobs(settings, make_session_factory(make_engine(url)))


def test_a_failing_task_is_retried_with_growing_delays_then_listed_as_failed(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path)
    attempts: list[float] = []

    @jobs.huey.task(retries=2, retry_delay=1, retry_backoff=2, name="always_fails")
    def always_fails(city: str) -> None:
        attempts.append(time.monotonic())
        msg = f"SMTP server of {city} refused the connection"
        raise ConnectionError(msg)

    consumer = jobs.huey.create_consumer(workers=1, periodic=False, scheduler_interval=1, max_delay=0.2)
    consumer._set_signal_handlers = lambda: None
    consumer.start()
    try:
        always_fails("长沙")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _failed(jobs):
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    assert len(attempts) == 3  # the first attempt and two retries
    first_gap, second_gap = attempts[1] - attempts[0], attempts[2] - attempts[1]
    assert first_gap >= 1 and second_gap >= 2  # the delay doubles (backoff 2)
    [row] = _failed(jobs)
    assert row.task.endswith(".always_fails") and row.args == ["长沙"] and row.attempts == 3
    assert "SMTP server of 长沙 refused the connection" in row.error and row.status == "failed"


def _failed(jobs: Jobs) -> list[FailedTask]:
    with transaction(jobs.factory, write=False) as session:
        return list(session.scalars(select(FailedTask)))


def test_a_new_message_goes_before_the_periodic_tasks_already_queued(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path)
    jobs.huey.enqueue(jobs.scheduled_tasks["analysis_catch_up"].s())
    jobs.huey.enqueue(jobs.scheduled_tasks["hot_issues"].s())
    jobs.analyse(42)
    first = jobs.huey.dequeue()
    assert first is not None and first.name == "analyse" and first.args == (42,) and first.priority == LIVE_PRIORITY
