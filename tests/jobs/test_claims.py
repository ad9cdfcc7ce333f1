"""The claim of (task, period): the first insert wins, a failed run gives it back, old claims are pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Barrier, Thread

from sqlalchemy import select

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.jobs import claims
from minyi.jobs.models import TaskClaim


def test_periods_are_the_same_on_every_machine() -> None:
    moment = datetime(2026, 12, 4, 21, 37, 12, tzinfo=UTC)
    assert claims.period_of(moment, 300) == "2026-12-04T21:35:00Z"
    assert claims.period_of(moment + timedelta(minutes=2), 300) == "2026-12-04T21:35:00Z"
    assert claims.period_of(moment + timedelta(minutes=3), 300) == "2026-12-04T21:40:00Z"
    assert claims.period_of(moment, 86400) == "2026-12-04T00:00:00Z"
    assert claims.period_of(moment, 0) == "2026-12-04T21:37:12Z"  # a nonsense length is one second, not a crash


def test_of_many_racing_claims_exactly_one_wins_and_a_release_reopens_the_period(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    start, won = Barrier(8), []

    def racer() -> None:
        start.wait()
        won.append(claims.claim(factory, task="hot_issues", period="2026-12-04T00:00:00Z"))

    threads = [Thread(target=racer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]
    assert claims.claim(factory, task="reports", period="2026-12-04T00:00:00Z")  # another task: its own claim
    claims.release(factory, task="hot_issues", period="2026-12-04T00:00:00Z")
    assert claims.claim(factory, task="hot_issues", period="2026-12-04T00:00:00Z")  # the retry may run it
    claims.finish(factory, task="hot_issues", period="2026-12-04T00:00:00Z")
    with transaction(factory) as session:
        row = session.get(TaskClaim, ("hot_issues", "2026-12-04T00:00:00Z"))
        assert row is not None and row.finished_at is not None
        assert claims.prune(session, now=datetime.now(UTC) + claims.CLAIMS_KEPT + timedelta(days=1)) == 2
        assert session.scalars(select(TaskClaim)).all() == []
