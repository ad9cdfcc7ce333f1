"""The production queue on PostgreSQL (huey's SQL storage with psycopg 3): run by `make test-postgres`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minyi.core.settings import Settings
from minyi.jobs.tasks import Jobs

URL = os.environ.get("MINYI_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="needs MINYI_TEST_DATABASE_URL (PostgreSQL)")


def test_the_queue_on_postgresql_keeps_priorities_and_hands_each_task_to_one_worker(tmp_path: Path) -> None:
    pytest.importorskip("peewee")
    jobs_url = "postgresql://" + URL.split("://", 1)[1]
    settings = Settings(data_dir=tmp_path, database_url=URL, secret_key="k", jobs_url=jobs_url)
    web, worker_a, worker_b = Jobs(settings), Jobs(settings), Jobs(settings)
    assert "SKIP LOCKED" in (web.huey.storage.for_update or "")  # concurrent dequeues never take the same row
    try:
        web.huey.enqueue(web.scheduled_tasks["hot_issues"].s())
        web.analyse(7)
        first, second = worker_a.huey.dequeue(), worker_b.huey.dequeue()
        assert first is not None and first.name == "analyse" and first.args == (7,)  # a new message goes first
        assert second is not None and second.name == "scheduled_hot_issues"
        assert worker_a.huey.dequeue() is None and web.huey.pending_count() == 0
    finally:
        web.huey.storage.drop_tables()  # the queue's tables are huey's, not in minyi's schema
