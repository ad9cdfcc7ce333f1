"""The live server of the reliability suite (see live.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.live import Server, running_server

SUBMIT_RATE_LIMIT = 40  # per client and hour: each citizen below stays under it, all of them together do not
CITIZEN_SUBMISSIONS = SUBMIT_RATE_LIMIT - 10


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`minyi serve` on a fresh migrated database with the demo data (SQLite, or PostgreSQL in test-postgres)."""
    with running_server(tmp_path_factory.mktemp("live"), submit_rate_limit=SUBMIT_RATE_LIMIT) as live:
        yield live
