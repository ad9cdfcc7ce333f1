"""建言采纳 and the commitment lists at volume: with migration 0023's indexes against the same queries without them.

A fresh SQLite database (migrated) gets `--cases N` cases over a year, a fifth of them decided suggestions (a third
of those private; half adopted, each with one or two commitments due within four months before to eight after
today, each with a progress update), written with Core inserts. Then, in the same process and on the same data,
each list is read `--repeat` times after a warm-up:

- ours: `minyi.suggestions.views` as shipped, on `ix_adoptions_*` and `ix_commitments_*`;
- without: the same calls after those indexes are dropped (what the lists would cost without the migration's
  indexes: a scan and a sort of the whole table per page).

Prints the median of each way, their ratio, and whether both show the same rows in the same order.

    .venv/bin/python benchmarks/bench_adopted.py [--cases 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from minyi.core.db import make_engine, make_session_factory, table_of
from minyi.core.migrate import upgrade
from minyi.departments.models import Department
from minyi.messages.models import Message
from minyi.suggestions import views
from minyi.suggestions.models import Adoption, Commitment, CommitmentUpdate
from minyi.workflow.models import Case

DEPARTMENTS = 40
BATCH = 5000
TODAY = date(2026, 12, 5)
INDEXES = (
    "ix_adoptions_public",
    "ix_adoptions_public_status",
    "ix_adoptions_department",
    "ix_commitments_status_due",
    "ix_commitments_department_status_due",
)


def _city(session: Session, cases: int, rng: random.Random) -> None:
    """`cases` public cases over a year; every fifth a decided suggestion (half adopted, with commitments)."""
    session.execute(insert(table_of(Department)), [{"name": f"部门{d}", "is_active": True} for d in range(DEPARTMENTS)])
    start = datetime(2025, 12, 1, tzinfo=UTC)
    ids = {"adoption": 0, "commitment": 0}
    for low in range(1, cases + 1, BATCH):
        messages, rows, adoptions, commitments, updates = [], [], [], [], []
        for n in range(low, min(low + BATCH, cases + 1)):
            at = start + timedelta(minutes=n * 525_600 // cases)
            dept = 1 + n % DEPARTMENTS
            kind = "suggestion" if n % 5 == 0 else "complaint"
            messages.append(
                {"id": n, "title": f"留言{n}", "body": "建议增设公交站台", "appeal_kind": kind,
                 "is_public": n % 15 != 0, "tracking_hash": f"h{n}", "created_at": at, "public_search_text": "",
                 "search_grams": "", "place_grams": "", "public_search_grams": ""}
            )  # fmt: skip
            rows.append({"id": n, "message_id": n, "status": "closed", "department_id": dept, "received_at": at})
            if kind != "suggestion":
                continue
            ids["adoption"] += 1
            adopting = rng.random() < 0.5
            decided = at + timedelta(days=10)
            adoptions.append(
                {"id": ids["adoption"], "case_id": n, "department_id": dept, "adopting": adopting,
                 "public": n % 15 != 0,
                 "decision": "adopted" if adopting else "not_adopted", "reason": "经研究决定",
                 "status": "open" if adopting and rng.random() < 0.6 else "done", "decided_at": decided}
            )  # fmt: skip
            for _ in range(rng.choice((1, 2)) if adopting else 0):
                ids["commitment"] += 1
                due = TODAY + timedelta(days=rng.randrange(-120, 240))
                status = "done" if rng.random() < 0.4 else "open"
                commitments.append(
                    {"id": ids["commitment"], "adoption_id": ids["adoption"], "case_id": n, "department_id": dept,
                     "what": "增设站台一处", "due_on": due, "status": status, "percent": 50, "created_at": decided}
                )  # fmt: skip
                updates.append(
                    {"commitment_id": ids["commitment"], "body": "正在施工", "percent": 50, "done": False,
                     "created_at": decided + timedelta(days=3)}
                )  # fmt: skip
        for model, batch in (
            (Message, messages), (Case, rows), (Adoption, adoptions), (Commitment, commitments),
            (CommitmentUpdate, updates),
        ):  # fmt: skip
            if batch:
                session.execute(insert(table_of(model)), batch)
        session.commit()


def _lists() -> dict[str, Callable[[Session], list[Any]]]:
    def adopted(**kw: Any) -> Callable[[Session], list[Any]]:
        return lambda s: [v.adoption.id for v in views.adopted_suggestions(s, filters=views.AdoptedFilters(**kw)).items]

    def commitments(**kw: Any) -> Callable[[Session], list[Any]]:
        filters = views.CommitmentFilters(**kw)
        return lambda s: [v.commitment.id for v in views.open_commitments(s, filters=filters, today=TODAY).items]

    return {
        "/adopted": adopted(),
        "/adopted?status=open": adopted(status="open"),
        "/adopted?department_id=7": adopted(department_id=7),
        "/adopted?page=200": adopted(page=200),
        "commitments overdue (supervisor)": commitments(overdue=True),
        "commitments of one department": commitments(department_id=7),
    }


def _time(session: Session, read: Callable[[Session], list[Any]], repeat: int) -> tuple[float, list[Any]]:
    shown = read(session)  # warm-up
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        shown = read(session)
        times.append(time.perf_counter() - began)
        session.expunge_all()
    return statistics.median(times), shown


def main() -> None:
    """Generate, read each list both ways, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'adopted.sqlite3'}"
        upgrade(url)
        factory = make_session_factory(make_engine(url))
        began = time.perf_counter()
        with factory() as session:
            _city(session, args.cases, random.Random(20261205))
            tables = ("cases", "adoptions", "commitments")
            counts = {t: session.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}  # noqa: S608 - constants
        print(f"{args.cases:,} cases: {counts} written in {time.perf_counter() - began:.1f} s")
        ours: dict[str, tuple[float, list[Any]]] = {}
        with factory() as session:
            session.execute(text("ANALYZE"))
            ours = {name: _time(session, read, args.repeat) for name, read in _lists().items()}
            for index in INDEXES:
                session.execute(text(f"DROP INDEX {index}"))
            session.commit()
            session.execute(text("ANALYZE"))
            without = {name: _time(session, read, args.repeat) for name, read in _lists().items()}
        print(f"{'list':36} {'ours ms':>9} {'without ms':>11} {'ratio':>7}  same rows")
        for name, (took, shown) in ours.items():
            base, base_shown = without[name]
            print(f"{name:36} {took * 1000:9.2f} {base * 1000:11.2f} {base / took:7.1f}  {shown == base_shown}")


if __name__ == "__main__":
    main()
