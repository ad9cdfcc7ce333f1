"""在线访谈 at volume: the public session page and the live feed, against the naive way, in one process on one data set.

A fresh SQLite database (migrated) gets `--sessions` sessions and `--questions` questions spread over them (one
session, the "big" one, holds a tenth of them), nine in ten approved, every third answered, each question with its
events, written with Core inserts. Then, after a warm-up, the median of `--repeat` runs of:

- the public page (page 1 and page 50 of the big session): `minyi.interviews.views.interview_page` on
  `ix_interview_questions_queue`, against the same call after that index is dropped;
- one second of the live feed with `--clients` streams open on the big session while 20 new events arrive: ours,
  one shared poll (`InterviewFeed.poll`) and each stream reading the buffer, against the naive way, each stream
  querying the events after its own position (`views.events_after`).

    .venv/bin/python benchmarks/bench_interviews.py [--sessions 200] [--questions 1000000] [--clients 500]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from minyi.core.db import make_engine, make_session_factory, table_of
from minyi.core.migrate import upgrade
from minyi.interviews import views
from minyi.interviews.feed import LOOKBACK, InterviewFeed
from minyi.interviews.models import Interview, InterviewAnswer, InterviewEvent, InterviewQuestion

BATCH = 20_000
START = datetime(2026, 1, 5, 2, tzinfo=UTC)


def _fill(factory: Any, sessions: int, questions: int) -> None:
    with factory() as s, s.begin():
        s.execute(
            insert(table_of(Interview)),
            [{"id": i, "title": f"访谈{i}", "summary": "", "leader": "局长", "guests": "", "departments": "",
              "starts_at": START + timedelta(days=i), "ends_at": START + timedelta(days=i, hours=2),
              "status": "ended", "created_at": START} for i in range(1, sessions + 1)],
        )  # fmt: skip
    event_id = answer_id = 0
    for low in range(1, questions + 1, BATCH):
        qs, answers, events = [], [], []
        for n in range(low, min(low + BATCH, questions + 1)):
            session_id = 1 if n % 10 == 0 else 1 + n % sessions
            state = "approved" if n % 10 else "pending"
            qs.append({"id": n, "interview_id": session_id, "body": f"问题{n}：路灯不亮怎么办？", "asker": "",
                       "client_hash": f"c{n % 5000}", "state": state, "position": n, "reason": "",
                       "merged_count": 0, "answer_count": int(n % 3 == 0), "created_at": START})  # fmt: skip
            for kind in ("asked", "approved", "answered")[: 1 + (state == "approved") + (n % 3 == 0)]:
                event_id += 1
                events.append({"id": event_id, "interview_id": session_id, "question_id": n, "kind": kind,
                               "actor_label": "", "data": {}, "created_at": START})  # fmt: skip
            if n % 3 == 0:
                answer_id += 1
                answers.append({"id": answer_id, "question_id": n, "body": "已安排维修。", "guest": "局长",
                                "created_at": START})  # fmt: skip
        with factory() as s, s.begin():
            s.execute(insert(table_of(InterviewQuestion)), qs)
            s.execute(insert(table_of(InterviewEvent)), events)
            if answers:
                s.execute(insert(table_of(InterviewAnswer)), answers)


def _median(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = run()  # warm-up
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def _new_events(factory: Any, count: int) -> None:
    with factory() as s, s.begin():
        top = s.scalar(select(func.max(InterviewQuestion.id))) or 0
        s.execute(
            insert(table_of(InterviewEvent)),
            [{"interview_id": 1, "question_id": top - 10 * k, "kind": "answered", "actor_label": "", "data": {},
              "created_at": START} for k in range(count)],
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--questions", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        began = time.perf_counter()
        _fill(factory, args.sessions, args.questions)
        print(
            f"{args.questions:,} questions in {args.sessions} sessions written in {time.perf_counter() - began:.1f} s"
        )

        def page(number: int) -> Callable[[], Any]:
            def run() -> Any:
                with factory() as s:
                    view = views.interview_page(s, s.get_one(Interview, 1), page=number)
                    return [q["id"] for q in view.questions]

            return run

        for number in (1, 50):
            ours, shown = _median(page(number), args.repeat)
            with engine.begin() as conn:
                conn.execute(text("DROP INDEX ix_interview_questions_queue"))
            naive, same = _median(page(number), args.repeat)
            with engine.begin() as conn:
                columns = "interview_id, state, position, id"
                conn.execute(text(f"CREATE INDEX ix_interview_questions_queue ON interview_questions ({columns})"))
            print(f"public page {number}: ours {ours * 1000:.2f} ms, without the index {naive * 1000:.2f} ms, "
                  f"ratio {naive / ours:.1f}x, same rows: {shown == same}")  # fmt: skip

        feed = InterviewFeed(factory)
        with factory() as s:
            position = s.scalar(select(func.max(InterviewEvent.id))) or 0

        def shared() -> int:
            feed._newest = position
            feed._seen.clear()
            feed._seen.extend(range(position - LOOKBACK, position + 1))  # what a running poller has already seen
            items = feed.poll()
            feed.deliver(items)
            cursor = feed.arrivals - len(items)
            return sum(len(feed.items_since(cursor, 1)[1]) for _ in range(args.clients))

        def naive_way() -> int:
            total = 0
            for _ in range(args.clients):
                with factory() as s:
                    total += len(views.events_after(s, interview_id=1, after=position))
            return total

        _new_events(factory, 20)
        ours, delivered = _median(shared, args.repeat)
        naive, naive_delivered = _median(naive_way, args.repeat)
        print(f"live feed, {args.clients} streams, 20 new events: ours {ours * 1000:.1f} ms (1 poll), "
              f"naive {naive * 1000:.1f} ms ({args.clients} queries), ratio {naive / ours:.1f}x, "
              f"items delivered {delivered} vs {naive_delivered}")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
