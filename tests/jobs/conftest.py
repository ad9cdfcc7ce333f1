"""Fixtures of the worker's tests: a live database shared by the worker and other processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.jobs.live import PG_URL, LiveDatabase, drop_postgres, live_database, postgres_template


@pytest.fixture(scope="session")
def live_template() -> Iterator[str | None]:
    """A migrated PostgreSQL database to copy per test (when the suite runs on PostgreSQL), else None."""
    if not PG_URL.startswith("postgresql"):
        yield None
        return
    name = postgres_template()
    yield name
    drop_postgres(name)


@pytest.fixture
def live(tmp_path: Path, live_template: str | None) -> Iterator[LiveDatabase]:
    """A fresh migrated database that commits for real (SQLite file, or PostgreSQL under `make test-postgres`)."""
    with live_database(tmp_path, live_template) as database:
        yield database
