"""The 回访 list's queries at volume: its indexes (migration 0024) against the same queries without them.

A fresh SQLite database (a temporary folder, every migration) gets `--rows` call-back tasks (default 1,000,000:
90% already called back, the rest due, over 300 departments, help and complaint, a few unresolved) written
straight into `callback_tasks` (the list's own table; foreign keys off for the fill, no cases behind them). Then,
in the same process and on the same rows, each page's two queries (the count stopped at 10,001 and one page of 20,
`minyi.callbacks.services.page_query`) run `--repeat` times with the indexes, then again after dropping them (the
naive baseline: a scan of the table and a sort). Prints the median time of each way and their ratio.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_callbacks.py [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from minyi.callbacks.models import CallbackTask
from minyi.callbacks.services import ROWS_MAX, _where, page_query, parse_callback_filters
from minyi.core.db import make_engine
from minyi.core.migrate import upgrade

INDEXES = (
    "ix_callback_tasks_state_closed",
    "ix_callback_tasks_state_department_closed",
    "ix_callback_tasks_state_kind_closed",
    "ix_callback_tasks_state_result_closed",
)
PAGES = {
    "due, first page": {},
    "due, page 500": {"page": "500"},
    "one department": {"department_id": "7"},
    "help only": {"appeal_kind": "help"},
    "回访未解决": {"state": "done", "result": "unresolved"},
}


def fill(path: Path, rows: int) -> None:
    """The rows written with sqlite3 itself (foreign keys off: no cases behind them), 50,000 a transaction."""
    rng, start = random.Random(24), datetime(2025, 1, 1, tzinfo=UTC)
    columns = ("case_id", "state", "appeal_kind", "department_id", "closed_at", "rounds", "attempts", "result",
               "last_attempt_at", "updated_at")  # fmt: skip
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO callback_tasks ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - constant names
    stamp = "%Y-%m-%d %H:%M:%S.%f"  # as `core.db.UTCDateTime` stores a time on SQLite
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys=OFF")
    for low in range(0, rows, 50_000):
        batch = []
        for case_id in range(low + 1, min(rows, low + 50_000) + 1):
            done = rng.random() < 0.9
            result = rng.choice(["resolved"] * 9 + ["unresolved", "reopened"]) if done else ""
            closed = (start + timedelta(minutes=case_id // 2)).strftime(stamp)
            kind, department = rng.choice(["help", "complaint"]), rng.randrange(1, 301)
            state = "done" if done else "due"
            batch.append((case_id, state, kind, department, closed, 1, rng.randrange(0, 3), result, None, closed))
        connection.executemany(sql, batch)
        connection.commit()
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


def timed(session: Session, params: dict[str, str], repeat: int) -> tuple[float, int]:
    filters = parse_callback_filters(params)
    counted = select(CallbackTask.case_id).where(*_where(filters)).limit(ROWS_MAX + 1).subquery()
    times, total = [], 0
    for _ in range(repeat + 1):  # the first run warms the cache
        began = time.perf_counter()
        total = session.scalar(select(func.count()).select_from(counted)) or 0
        session.scalars(page_query(filters)).all()
        times.append(time.perf_counter() - began)
    return statistics.median(times[1:]), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "callbacks.sqlite3"
        url = f"sqlite:///{path}"
        upgrade(url)
        began = time.perf_counter()
        fill(path, args.rows)
        print(f"{args.rows:,} call-back tasks written in {time.perf_counter() - began:.1f} s")
        engine = make_engine(url)
        with Session(engine) as session:
            ours = {name: timed(session, params, args.repeat) for name, params in PAGES.items()}
            for name in INDEXES:
                session.execute(text(f"DROP INDEX {name}"))
            session.commit()
            naive = {name: timed(session, params, args.repeat) for name, params in PAGES.items()}
        engine.dispose()
    print(f"{'page':<18} {'indexed ms':>11} {'no index ms':>12} {'ratio':>7}  total")
    for name in PAGES:
        (fast, total), (slow, _t) = ours[name], naive[name]
        shown = f"{ROWS_MAX:,}+" if total > ROWS_MAX else f"{total:,}"
        print(f"{name:<18} {fast * 1000:>11.1f} {slow * 1000:>12.1f} {slow / fast:>7.1f}  {shown}")


if __name__ == "__main__":
    main()
