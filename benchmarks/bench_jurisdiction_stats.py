"""A jurisdiction's /j/{slug}/stats against the root's /stats, on the same data in the same process.

For each `--cases N` a fresh database (SQLite in a temporary folder, or `--database-url`) gets the synthetic city of
`bench_stats.py` (N cases over 2019, 300 departments, their facts written by the production hook), then a tree in
levels: the root as the province, 14 cities of 8 districts each; 85% of the cases are placed in a district, 12% in a
city, 3% stay at the root (`cases.jurisdiction_id` in bulk, then `case_facts` copied from it with the statement of
migration 0030's backfill); departments are spread over the districts. Then, without cache, `--repeat` times each:

- root: `GET /stats?from=2019-01-01&to=2019-12-31` (every case);
- city: `GET /j/city-1/stats?…` (its subtree, ~7% of the cases, plus 通报 of its 8 districts);
- district: `GET /j/city-1-d1/stats?…` (~1% of the cases).

Prints the medians and the ratio of each to the root's, and checks that the city's figures equal the sum of its 通报
rows and its own cases, and that the 14 cities plus the root's own cases add up to the root's figures.

    .venv/bin/python benchmarks/bench_jurisdiction_stats.py [--cases 100000] [--repeat 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stats import _drop_all, build_city  # the same synthetic city as /stats' benchmark

CITIES, DISTRICTS = 14, 8
PERIOD = "from=2019-01-01&to=2019-12-31"
PAGES = {"root": f"/stats?{PERIOD}", "city": f"/j/city-1/stats?{PERIOD}", "district": f"/j/city-1-d1/stats?{PERIOD}"}
BATCH = 5_000


def build_tree(url: str, cases: int, seed: int = 17) -> float:
    """The province's cities and districts, the cases and departments placed in them; returns the seconds taken."""
    from sqlalchemy import bindparam, text, update

    from minyi.core.db import make_engine, make_session_factory, table_of, transaction
    from minyi.departments.models import Department
    from minyi.jurisdictions import services as jurisdictions
    from minyi.workflow.models import Case

    started = time.perf_counter()
    rng = random.Random(seed)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        root = jurisdictions.root(session)
        cities, districts = [], []
        for c in range(1, CITIES + 1):
            city = jurisdictions.create_jurisdiction(
                session, name=f"第{c}市", level="city", parent_id=root.id, slug=f"city-{c}"
            )
            cities.append(city.id)
            for d in range(1, DISTRICTS + 1):
                made = jurisdictions.create_jurisdiction(
                    session, name=f"第{c}市{d}区", level="district", parent_id=city.id, slug=f"city-{c}-d{d}"
                )
                districts.append(made.id)
        dept = table_of(Department)
        moves = [{"key": i, "value": districts[(i - 1) % len(districts)]} for i in range(1, 301)]
        session.connection().execute(
            update(dept).where(dept.c.id == bindparam("key")).values(jurisdiction_id=bindparam("value")), moves
        )
    table = table_of(Case)
    placed = update(table).where(table.c.id == bindparam("key")).values(jurisdiction_id=bindparam("value"))
    for first in range(1, cases + 1, BATCH):
        rows = []
        for i in range(first, min(first + BATCH, cases + 1)):
            draw = rng.random()
            if draw < 0.85:
                rows.append({"key": i, "value": rng.choice(districts)})
            elif draw < 0.97:
                rows.append({"key": i, "value": rng.choice(cities)})
        with transaction(factory) as session:
            session.connection().execute(placed, rows)
    with transaction(factory) as session:  # the facts take their case's jurisdiction (migration 0030's backfill)
        session.execute(
            text(
                "UPDATE case_facts SET jurisdiction_id = (SELECT cases.jurisdiction_id FROM cases"
                " WHERE cases.id = case_facts.case_id)"
                " WHERE case_id IN (SELECT id FROM cases WHERE jurisdiction_id IS NOT NULL)"
            )
        )
    return time.perf_counter() - started


def check(url: str) -> bool:
    """The city's figures are its 通报 rows plus its own cases; the root's, its cities' plus its own."""
    from sqlalchemy import select

    from minyi.core.clock import china_today
    from minyi.core.db import make_engine, make_session_factory
    from minyi.jurisdictions.models import Jurisdiction
    from minyi.jurisdictions.services import root
    from minyi.stats.aggregates import COUNTS
    from minyi.stats.ranking import rank_children
    from minyi.stats.services import StatsQuery, build_report

    start, end, today = date(2019, 1, 1), date(2019, 12, 31), china_today()
    with make_session_factory(make_engine(url))() as session:
        city = session.scalar(select(Jurisdiction).where(Jurisdiction.slug == "city-1"))
        assert city is not None
        ok = True
        for parent, scope in ((city, city.path), (root(session), "")):
            ranking = rank_children(session, parent=parent, start=start, end=end, today=today)
            whole = build_report(session, query=StatsQuery(start, end).within(scope), today=today).overall
            rows = [r.figures for r in ranking.rows] + ([ranking.own.figures] if ranking.own else [])
            ok &= all(sum(getattr(f, n) for f in rows) == getattr(whole, n) for n in COUNTS)
            ok &= ranking.total == whole
        return ok


def time_pages(url: str, repeat: int) -> dict[str, float]:
    """Median milliseconds of each page through the app, without cache."""
    from fastapi.testclient import TestClient

    from minyi.core.db import make_engine, make_session_factory
    from minyi.core.settings import Settings
    from minyi.web.app import create_app

    settings = Settings(
        data_dir=Path(tempfile.gettempdir()),
        database_url=url,
        secret_key="bench",  # noqa: S106 - a throwaway app
        run_scheduler=False,
        run_analysis=False,
        stats_cache=0,
        public_page_ttl=0,  # /stats would be served from the page cache, /j/{slug}/stats never is
    )
    times: dict[str, list[float]] = {name: [] for name in PAGES}
    app = create_app(settings, make_session_factory(make_engine(url)), start_background=False)
    with TestClient(app) as client:
        for page in PAGES.values():  # warm
            assert client.get(page).status_code == 200, page
        for _ in range(repeat):
            for name, page in PAGES.items():  # alternately, so that the machine's load falls on each alike
                started = time.perf_counter()
                assert client.get(page).status_code == 200
                times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    """Build, check, time and print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite (emptied after each size)")
    args = parser.parse_args()
    backend = (args.database_url or "sqlite").split(":")[0]
    for n in args.cases:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{Path(tmp) / 'levels.sqlite3'}"
            built = build_city(url, n) + build_tree(url, n)
            same = check(url)
            ms = time_pages(url, args.repeat)
            print(f"{n:,} cases ({backend}), generated in {built:.0f} s; median of {args.repeat}, no cache:")
            for name, page in PAGES.items():
                print(f"  {name:<8} {ms[name]:>7.0f} ms  {ms[name] / ms['root']:>5.2f}x the root's  {page}")
            print(f"  the rankings add up to their parents: {'yes' if same else 'NO'}")
            if args.database_url:
                _drop_all(args.database_url)


if __name__ == "__main__":
    main()
