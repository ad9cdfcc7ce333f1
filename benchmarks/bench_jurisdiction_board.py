"""A jurisdiction's public board: `jurisdiction_board` (migration 0031) against the plain subtree filter.

A fresh database (SQLite in a temporary folder, or `--database-url` naming an empty one, PostgreSQL included) gets
a province of 10 cities × 6 districts × 4 streets and `--cases` public messages with their cases (88% held by a
street, 10% by a district or a city, 2% by the root), texts from a small fixed vocabulary. Then, in the same
process and on the same data, each page of a city, a district and a street is read `--repeat` times after a
warm-up, each way:

- ours: `views.list_public_cases` with `jurisdiction_id` (one range of `ix_jurisdiction_board_newest`; a word
  searched along the jurisdiction's own rows when it holds at most 10,000 public cases);
- subtree: the same board with `cases.jurisdiction_id IN (the subtree's ids)` (`jurisdictions.services.within`)
  in place of the board table, ordered by the message's time: what one writes without the table.

Prints the median and slowest of each way, their ratio, the count each shows, and whether both pages show the same
cases in the same order.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_jurisdiction_board.py [--cases 50000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, contains_eager

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.jurisdictions import services as jurisdictions
from minyi.jurisdictions.models import Jurisdiction
from minyi.messages.models import Message
from minyi.workflow import board_search, views
from minyi.workflow.jurisdiction_board import rebuild_board
from minyi.workflow.models import Case

PLACES = ["幸福路小区", "长江大桥", "人民公园", "火车站广场", "城南中学", "滨江花园"]
TOPICS = [f"{a}{b}" for a in ("路灯", "噪音", "垃圾", "停车", "物业", "公交") for b in ("问题", "投诉", "求助", "建议")]
QUERIES: list[dict[str, str]] = [{}, {"page": "3"}, {"q": "路灯"}, {"q": "处理"}, {"q": "停车", "status": "closed"}]
BATCH = 5_000


def _tree(session: Session) -> list[Jurisdiction]:
    nodes: list[Jurisdiction] = []
    root = jurisdictions.root(session)
    for c in range(10):
        city = jurisdictions.create_jurisdiction(session, name=f"C{c}市", level="city", parent_id=root.id, slug=f"c{c}")
        nodes.append(city)
        for d in range(6):
            name, slug = f"C{c}D{d}区", f"c{c}-d{d}"
            district = jurisdictions.create_jurisdiction(
                session, name=name, level="district", parent_id=city.id, slug=slug
            )
            nodes.append(district)
            for s in range(4):
                nodes.append(
                    jurisdictions.create_jurisdiction(
                        session, name=f"{name}S{s}街道", level="street", parent_id=district.id, slug=f"{slug}-s{s}"
                    )
                )
    return nodes


def generate(database_url: str, cases: int) -> None:
    """The province and its cases (ids of messages and cases equal), then the boards rebuilt."""
    factory = make_session_factory(make_engine(database_url))
    rng = random.Random(17)
    now = datetime.now(UTC)
    with transaction(factory) as session:
        nodes = _tree(session)
        streets = [n.id for n in nodes if n.level == "street"]
        upper = [n.id for n in nodes if n.level != "street"]
    for start in range(0, cases, BATCH):
        messages, held = [], []
        for n in range(start + 1, min(cases, start + BATCH) + 1):
            place, topic = rng.choice(PLACES), rng.choice(TOPICS)
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
            body = f"{place}附近{topic}已经{rng.randint(2, 30)}天了，请有关部门尽快处理。"
            messages.append({"id": n, "title": f"{place}{topic}", "body": body, "appeal_kind": "complaint",
                             "place_text": place, "tracking_hash": f"b{n}", "created_at": created})  # fmt: skip
            draw = rng.random()
            where = None if draw < 0.02 else rng.choice(upper) if draw < 0.12 else rng.choice(streets)
            status = "closed" if n % 3 else "in_progress"
            held.append({"id": n, "message_id": n, "status": status, "received_at": created, "jurisdiction_id": where})
        with transaction(factory) as session:
            session.execute(insert(Message), messages)
            session.execute(insert(Case), held)
    with transaction(factory) as session:
        rebuild_board(session)


def subtree_board(session: Session, *, filters: views.BoardFilters, path: str) -> views.Page:
    """The board of a subtree without `jurisdiction_board`: the subtree's ids as a filter of `cases`."""
    ids = select(Case.id).join(Message, Message.id == Case.message_id)
    ids = ids.where(Message.is_public.is_(True), jurisdictions.within(Case.jurisdiction_id, path))  # type: ignore[arg-type]
    if filters.status:
        ids = ids.where(Case.status == filters.status)
    found = board_search.phrases(filters.q)
    if found:
        ids = ids.where(board_search.keyword_clause(session, found, walk=False))
    count = session.scalar(select(func.count()).select_from(ids.limit(views.COUNT_MAX + 1).subquery())) or 0
    page_ids = ids.order_by(Message.created_at.desc(), Message.id.desc())
    page_ids = page_ids.offset((filters.page - 1) * views.PER_PAGE).limit(views.PER_PAGE)
    page = select(Case).join(Case.message).options(contains_eager(Case.message)).where(Case.id.in_(page_ids))
    items = list(session.scalars(page.order_by(Message.created_at.desc(), Message.id.desc())).unique())
    return views.Page(items=items, total=min(count, views.COUNT_MAX), page=filters.page, capped=count > views.COUNT_MAX)


def _time(read: Callable[[], views.Page], repeat: int) -> tuple[list[float], views.Page]:
    page = read()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        page = read()
        times.append((time.perf_counter() - started) * 1000)
    return times, page


def measure(database_url: str, repeat: int) -> None:
    factory = make_session_factory(make_engine(database_url))
    print(f"{'jurisdiction':24} {'query':28} {'ours ms (max)':>15} {'subtree ms (max)':>17} {'ratio':>7}  total  same")
    with transaction(factory) as session:
        chosen = [
            session.scalar(select(Jurisdiction).where(Jurisdiction.slug == s)) for s in ("c0", "c0-d0", "c0-d0-s0")
        ]
        for place in chosen:
            assert place is not None
            for params in QUERIES:
                filters = views.parse_board_filters(params)
                filters.jurisdiction_id = place.id
                ours, mine = _time(lambda f=filters: views.list_public_cases(session, filters=f), repeat)
                plain = views.parse_board_filters(params)
                naive, theirs = _time(lambda f=plain, p=place.path: subtree_board(session, filters=f, path=p), repeat)
                same = [c.id for c in mine.items] == [c.id for c in theirs.items] and mine.total == theirs.total
                ratio = statistics.median(naive) / statistics.median(ours)
                label = f"{place.name} ({place.level_name})"
                print(
                    f"{label:24} {params!s:28} {statistics.median(ours):8.1f} ({max(ours):5.0f}) "
                    f"{statistics.median(naive):9.1f} ({max(naive):5.0f}) {ratio:6.1f}x  {mine.total_text:>6} {same}"
                )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database to fill (default: SQLite in a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="minyi-jboard-") as tmp:
        url: Any = args.database_url or f"sqlite:///{Path(tmp) / 'province.sqlite3'}"
        upgrade(url)
        started = time.perf_counter()
        generate(url, args.cases)
        print(f"{args.cases:,} cases generated in {time.perf_counter() - started:.0f} s; median of {args.repeat}")
        measure(url, args.repeat)


if __name__ == "__main__":
    main()
