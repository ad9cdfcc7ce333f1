"""考核: what the scorecard adds to /stats, and its repeated-complaint count against a naive recount in Python.

For each `--cases N` a fresh SQLite database gets the synthetic city of `bench_stats.py` (N cases over 2019, 300
departments, the facts written by the production hook), one complaint in ten of it flagged 重复投诉. Then, in the
same process and on the same data, `--repeat` times each:

- the statistics of 2019 (`stats.services._build`, no cache): what the page computes anyway;
- the scorecard on top of them (`scorecard.services.scorecard`: repeats GROUP BY, knowledge-base upkeep, scoring);
- its repeat count (`repeat_counts`: one GROUP BY over the period's facts joined to the flags) against the naive
  way (every flag and the period's facts loaded, counted in Python), checked to agree.

Prints the medians and the ratios.

    .venv/bin/python benchmarks/bench_scorecard.py [--cases 10000 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stats import QUERY, build_city


def flag_repeats(url: str, share: float = 0.1) -> int:
    """Flag `share` of the complaints as repeated (bulk insert, as the worker's flags look)."""
    from sqlalchemy import insert, select

    from minyi.callbacks.models import RepeatFlag
    from minyi.core.db import make_engine, make_session_factory, table_of, transaction
    from minyi.messages.models import Message
    from minyi.workflow.models import Case

    rng = random.Random(16)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        complaints = session.scalars(
            select(Case.id).join(Message, Message.id == Case.message_id).where(Message.appeal_kind == "complaint")
        ).all()
        flagged = [c for c in complaints if rng.random() < share]
        now = datetime(2020, 1, 1, tzinfo=UTC)
        rows = [{"case_id": c, "matched_by": "phone", "earlier": 1, "flagged_at": now} for c in flagged]
        if rows:
            session.execute(insert(table_of(RepeatFlag)), rows)
    return len(flagged)


def naive_repeats(session: Any) -> dict[int, tuple[int, int]]:
    """Every flag and the period's facts into Python, then counted."""
    from sqlalchemy import select

    from minyi.callbacks.models import RepeatFlag
    from minyi.stats.models import CaseFactsRow as F

    flagged = set(session.scalars(select(RepeatFlag.case_id)))
    rows = session.execute(
        select(F.case_id, F.department_id, F.appeal_kind).where(F.received_on >= QUERY[0], F.received_on <= QUERY[1])
    )
    repeats: Counter[int] = Counter()
    complaints: Counter[int] = Counter()
    for case_id, dept, kind in rows:
        if dept is None:
            continue
        repeats[dept] += case_id in flagged
        complaints[dept] += case_id in flagged or kind == "complaint"
    return {d: (repeats[d], complaints[d]) for d in complaints}


def median_ms(work: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def measure(url: str, repeat: int) -> dict[str, Any]:
    from minyi.core.clock import china_today
    from minyi.core.db import make_engine, make_session_factory, transaction
    from minyi.scorecard.services import repeat_counts, scorecard
    from minyi.stats import services
    from minyi.stats.services import StatsQuery

    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        query, today = StatsQuery(*QUERY), china_today()
        stats_ms, report = median_ms(lambda: services._build(session, query=query, today=today), repeat)
        card_ms, ranking = median_ms(
            lambda: scorecard(session, departments=report.departments, start=QUERY[0], end=QUERY[1]), repeat
        )
        sql_ms, ours = median_ms(lambda: repeat_counts(session, start=QUERY[0], end=QUERY[1]), repeat)
        naive_ms, naive = median_ms(lambda: naive_repeats(session), repeat)
    return {
        "stats_ms": stats_ms,
        "card_ms": card_ms,
        "ranked": len(ranking.ranked),
        "sql_ms": sql_ms,
        "naive_ms": naive_ms,
        "same": {d: v for d, v in naive.items() if v[1]} == {d: v for d, v in ours.items() if v[1]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("MINYI_DATA_DIR", tempfile.gettempdir())
    print("| cases | flagged | statistics | + scorecard | share | repeats: GROUP BY | naive | ratio | same |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for n in args.cases:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'scorecard.sqlite3'}"
            build_city(url, n)
            flagged = flag_repeats(url)
            m = measure(url, args.repeat)
        print(
            f"| {n:,} | {flagged:,} | {m['stats_ms']:,.0f} ms | {m['card_ms']:,.0f} ms | "
            f"{m['card_ms'] / m['stats_ms']:.0%} | {m['sql_ms']:,.0f} ms | {m['naive_ms']:,.0f} ms | "
            f"{m['naive_ms'] / m['sql_ms']:.1f}× | {'yes' if m['same'] else 'NO'} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
