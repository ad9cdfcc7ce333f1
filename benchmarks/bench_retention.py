"""Retention of web items at a city's volume: minyi's `purge_expired` (batches of 2,000 by primary key, the items
linked to cases read first) against the naive way (every expired item loaded as an object, filtered in Python,
changed and committed in one transaction), on two copies of the same SQLite database.

    .venv/bin/python benchmarks/bench_retention.py [--items 200000] [--expired 0.5] [--cased 1000]

Prints each one's time, the longest time it held the write lock (one writing transaction: web requests and the
collector wait that long at most), and the ratios. Case links are arbitrary case ids written with foreign keys off
(no case rows are needed to measure the purge); which items are kept is the same for both.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, insert, select
from sqlalchemy.engine import Engine

from minyi.collect.models import WebItem, WebSource
from minyi.collect.retention import PURGED, linked_to_cases, purge_expired
from minyi.core.clock import utcnow
from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade

RETENTION_DAYS = 180
CHUNK = 10_000


def build(path: Path, *, items: int, expired: float, cased: int) -> None:
    """A database with one source and `items` web items, a share of them expired, `cased` of those taken up."""
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = create_engine(url)  # not make_engine: SQLite's foreign keys stay off while the rows are written
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(insert(WebSource).values(id=1, name="基准来源", kind="feed", url="http://127.0.0.1/rss.xml"))
        n_expired = int(items * expired)
        step = max(1, n_expired // max(1, cased))
        for start in range(0, items, CHUNK):
            rows = []
            for i in range(start, min(items, start + CHUNK)):
                old = i < n_expired
                body = f"第{i}条：春晖路积水三天了，希望有关部门尽快处理，联系我 139{i:08d}。"
                rows.append(
                    {
                        "source_id": 1,
                        "url": f"http://127.0.0.1/news/{i}.html",
                        "canonical_url": f"http://127.0.0.1/news/{i}.html",
                        "kind": "comment" if i % 3 else "article",
                        "parent_id": i - (i % 3) + 1 if i % 3 else None,
                        "title": None if i % 3 else f"春晖路积水{i}",
                        "text": body,
                        "clean_text": body,
                        "author": f"网友{i}",
                        "content_hash": f"{i:064d}",
                        "analysis": {"domain": "城乡建设", "appeal_kind": "help", "urgent": False, "places": []},
                        "urgent": False,
                        "fetched_at": now - timedelta(days=RETENTION_DAYS + 30 if old else 10),
                        "case_id": (i // step + 1) if old and i % step == 0 and i // step < cased else None,
                    }
                )
            conn.execute(insert(WebItem), rows)
    engine.dispose()


@contextmanager
def lock_times(engine: Engine) -> Iterator[list[float]]:
    """The duration of every writing transaction on the engine (one that ran an UPDATE or INSERT: on SQLite it holds
    the database's write lock until it commits; reading ones do not)."""
    spans: list[float] = []
    started: dict[int, float] = {}
    wrote: set[int] = set()

    def begin(conn: object) -> None:
        started[id(conn)] = time.perf_counter()

    def statement(conn: object, _cursor: object, sql: str, *_args: object) -> None:
        if sql.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            wrote.add(id(conn))

    def end(conn: object) -> None:
        began = started.pop(id(conn), None)
        if began is not None and id(conn) in wrote:
            spans.append(time.perf_counter() - began)
        wrote.discard(id(conn))

    listeners = (("begin", begin), ("before_cursor_execute", statement), ("commit", end), ("rollback", end))
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        yield spans
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)


def naive(path: Path) -> tuple[int, float, float]:
    engine = make_engine(f"sqlite:///{path}")
    factory = make_session_factory(engine)
    start = time.perf_counter()
    with lock_times(engine) as spans, transaction(factory) as session:
        kept = linked_to_cases(session)
        cutoff = utcnow() - timedelta(days=RETENTION_DAYS)
        done = 0
        for item in session.scalars(select(WebItem).where(WebItem.fetched_at < cutoff, WebItem.case_id.is_(None))):
            if item.id not in kept and item.text:
                for name, value in PURGED.items():
                    setattr(item, name, value)
                done += 1
    return done, time.perf_counter() - start, max(spans, default=0.0)


def ours(path: Path) -> tuple[int, float, float]:
    engine = make_engine(f"sqlite:///{path}")
    factory = make_session_factory(engine)
    start = time.perf_counter()
    with lock_times(engine) as spans:
        done = purge_expired(factory, retention_days=RETENTION_DAYS)
    return done, time.perf_counter() - start, max(spans, default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--expired", type=float, default=0.5, help="share of the items past the retention period")
    parser.add_argument("--cased", type=int, default=1000, help="expired items that became cases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "a.sqlite3", Path(tmp) / "b.sqlite3"
        start = time.perf_counter()
        build(first, items=args.items, expired=args.expired, cased=args.cased)
        shutil.copy(first, second)
        print(f"{args.items:,} web items ({args.expired:.0%} expired, {args.cased:,} of those cases), built in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        base_n, base_s, base_lock = naive(second)
        our_n, our_s, our_lock = ours(first)
        again = ours(first)
    print(f"{'':<10}{'purged':>10}{'time':>10}{'longest write lock':>22}")
    print(f"{'naive':<10}{base_n:>10,}{base_s:>9.2f}s{base_lock:>21.2f}s")
    print(f"{'minyi':<10}{our_n:>10,}{our_s:>9.2f}s{our_lock:>21.2f}s")
    print(f"ratio     time {base_s / our_s:.2f}x   longest lock {base_lock / max(our_lock, 1e-9):.1f}x shorter")
    print(f"a second run: {again[0]} purged in {again[1]:.2f} s (nothing left to do)")


if __name__ == "__main__":
    main()
