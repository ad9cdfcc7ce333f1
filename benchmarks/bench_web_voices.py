"""网络民意 counted at 1,000,000 web items: the counts as shipped against GROUP BYs over the period's items.

A fresh SQLite database (migrated) gets `--items` web items (default 1,000,000) heard over the past year from 20
sources, each with a domain, an appeal kind and one of 480 places, 5% of them repeats; the daily counts are then built
by migration 0021's own statement (timed: what the migration costs at that volume). Then, in the same process and on
the same data, each period (today, 7 days, 30 days, 92 days) is counted `--repeat` times each way:

- ours: `minyi.collect.voices.count_voices` — sums of the daily aggregate `web_voice_days`;
- columns: one GROUP BY per dimension over the period's first voices by the columns copied at store time, on the
  indexes of migration 0021 as the planner chooses them (the design without the aggregate);
- JSON: the same GROUP BYs over `json_extract(analysis, ...)` (the schema before migration 0021).

All three must give the same figures (checked). Also timed once: the surge search (`find_surges`, with 10 keywords)
and a page of the list filtered by a place. Prints the median time of each way and the ratios.

    .venv/bin/python benchmarks/bench_web_voices.py [--items 1000000] [--repeat 5] [--database-url sqlite:///...]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, literal_column, select, text
from sqlalchemy.orm import Session

from minyi.collect.models import WebItem, WebSource
from minyi.collect.surges import SurgeRules, find_surges
from minyi.collect.views import list_web_items, parse_web_list
from minyi.collect.voices import Period, VoiceCounts, count_voices, parse_period
from minyi.core.db import make_engine, make_session_factory
from minyi.core.migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src" / "minyi" / "migrations" / "versions"))
migration = importlib.import_module("0021_web_voices")  # the migration's statements, run at the benchmark's volume

# a city's streets, communities and estates (480), and items whose text names none
PLACES = [
    "",
    *(
        f"{a}{b}{s}"
        for a in "东西南北中春秋新光明和平"
        for b in "一二三四五六七八九十"
        for s in ("路", "街道", "社区", "小区")
    ),
]
DOMAINS = ["城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "卫生计生", "商贸旅游", ""]
KINDS = ["help", "complaint", "suggestion", "inquiry", "praise", ""]
BATCH = 20_000
NOW = datetime.now(UTC).replace(microsecond=0)  # the newest item: heard now


def fill(engine: Engine, items: int, seed: int = 15) -> None:
    """`items` web items over the past year (the newest at NOW), in batches of one transaction each."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        conn.execute(
            insert(WebSource),
            [{"name": f"来源{i}", "kind": "feed", "url": f"http://127.0.0.{i}/rss.xml", "place": "", "weight": 1,
              "schedule_minutes": 60, "keywords": "", "max_pages": 100, "active": True, "created_at": NOW,
              "last_status": "", "items_last_run": 0, "errors_last_run": 0, "last_error": ""} for i in range(1, 21)],
        )  # fmt: skip
    made = 0
    while made < items:
        rows = []
        for n in range(made + 1, min(items, made + BATCH) + 1):
            place, domain, kind = rng.choice(PLACES), rng.choice(DOMAINS), rng.choice(KINDS)
            body = f"{place}{domain}第{n}条：{'井盖松动' if n % 7 else '积水严重'}，希望尽快处理。"
            analysis = {
                "domain": domain,
                "appeal_kind": kind,
                "urgent": n % 50 == 0,
                "places": [place] if place else [],
            }
            rows.append(
                {"source_id": rng.randint(1, 20), "url": f"http://127.0.0.1/i/{n}", "canonical_url": f"http://127.0.0.1/i/{n}",
                 "kind": "article", "title": body[:20], "text": body, "clean_text": body,
                 "fetched_at": NOW - timedelta(seconds=int(365 * 86400 * (1 - n / items))),
                 "content_hash": hashlib.sha256(body.encode()).hexdigest(),
                 "duplicate_of_id": n - 1 if n > 1 and rng.random() < 0.05 else None,
                 "analysis": analysis, "urgent": analysis["urgent"], "domain": domain, "appeal_kind": kind,
                 "place": place}
            )  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(WebItem), rows)
        made += len(rows)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


JSON_COLUMNS = {
    "place": "COALESCE(json_extract(analysis, '$.places[0]'), '')",
    "domain": "COALESCE(json_extract(analysis, '$.domain'), '')",
    "kind": "COALESCE(json_extract(analysis, '$.appeal_kind'), '')",
    "source": "source_id",
}


COLUMNS = {"place": "place", "domain": "domain", "kind": "appeal_kind", "source": "source_id"}


def build_days(engine: Engine) -> float:
    """The daily counts of every item, by migration 0021's statements; seconds taken."""
    start = time.perf_counter()
    with engine.begin() as conn:
        day = migration.CHINA_DAY["sqlite"]
        for dimension, value in migration.DIMENSIONS.items():
            conn.execute(
                text(
                    "INSERT INTO web_voice_days (dimension, day, value, voices)"  # noqa: S608 - fixed SQL
                    f" SELECT '{dimension}', {day}, {value}, count(*) FROM web_items WHERE duplicate_of_id IS NULL"
                    f" GROUP BY {day if dimension == 'all' else f'{day}, {value}'}"
                )
            )
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - start


def row_counts(session: Session, period: Period, columns: dict[str, str]) -> dict[str, dict[Any, int]]:
    """A baseline: the period's first voices grouped by `columns` (SQL expressions), one GROUP BY each."""
    low, high = period.bounds
    where = (WebItem.duplicate_of_id.is_(None), WebItem.fetched_at >= low, WebItem.fetched_at < high)
    figures: dict[str, dict[Any, int]] = {"total": {"": session.scalar(select(func.count()).where(*where)) or 0}}
    for name, sql in columns.items():
        column = literal_column(sql)
        query = select(column, func.count()).select_from(WebItem).where(*where).group_by(column)
        figures[name] = {k: n for k, n in session.execute(query)}
    return figures


def as_figures(counts: VoiceCounts) -> dict[str, dict[Any, int]]:
    def plain(key: str) -> str:
        return "" if key == "未识别" else key

    return {
        "place": {plain(c.key): c.count for c in counts.by_place},
        "domain": {plain(c.key): c.count for c in counts.by_domain},
        "kind": {plain(c.key): c.count for c in counts.by_kind},
        "source": {int(c.key): c.count for c in counts.by_source},
        "total": {"": counts.total},
    }


def median_seconds(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    fn()  # warm-up: the pages of the index in the cache, as on a server that has been up a while
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def plan(session: Session, period: Period) -> str:
    low, high = (WebItem.fetched_at.type.process_bind_param(b, None) for b in period.bounds)  # as stored
    sql = (
        "EXPLAIN QUERY PLAN SELECT place, count(*) FROM web_items WHERE duplicate_of_id IS NULL"
        " AND fetched_at >= :low AND fetched_at < :high GROUP BY place"
    )
    return " | ".join(str(r[-1]) for r in session.execute(text(sql), {"low": low, "high": high}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="", help="a database already filled by an earlier run")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-web-voices-")
    url = args.database_url or f"sqlite:///{Path(folder) / 'voices.sqlite3'}"
    engine = make_engine(url)
    if not args.database_url:
        upgrade(url)
        start = time.perf_counter()
        fill(engine, args.items)
        print(f"filled {args.items:,} web items in {time.perf_counter() - start:.0f} s ({url})")
        print(f"daily counts built (migration 0021's statements) in {build_days(engine):.1f} s")
    factory = make_session_factory(engine)
    today = NOW.date()
    with factory() as session:
        total = session.scalar(select(func.count()).select_from(WebItem))
        print(f"web items: {total:,}\n")
        head = ("period", "voices", "ours ms", "columns ms", "JSON ms", "vs columns", "vs JSON")
        print("{:<7} {:>8} {:>8} {:>10} {:>8} {:>10} {:>8}  same".format(*head))
        for params in ({"period": "today"}, {"period": "7d"}, {"period": "30d"},
                       {"from": (today - timedelta(days=91)).isoformat(), "to": today.isoformat()}):  # fmt: skip
            period = parse_period(params, today=today)
            ours_s, counts = median_seconds(lambda p=period: count_voices(session, p, top=1000), args.repeat)
            cols_s, by_columns = median_seconds(lambda p=period: row_counts(session, p, COLUMNS), args.repeat)
            json_s, by_json = median_seconds(lambda p=period: row_counts(session, p, JSON_COLUMNS), args.repeat)
            mine = as_figures(counts)  # type: ignore[arg-type]
            same = mine == {
                k: {(int(x) if k == "source" else x): n for x, n in v.items()} for k, v in by_columns.items()
            }  # type: ignore[union-attr]
            same = same and mine == by_json
            label = period.key if period.key != "range" else f"{period.days}d"
            print(
                f"{label:<7} {counts.total:>8,} {ours_s * 1000:>8.1f} {cols_s * 1000:>10.1f} {json_s * 1000:>8.1f} "  # type: ignore[union-attr]
                f"{cols_s / ours_s:>9.1f}x {json_s / ours_s:>7.1f}x  {same}"
            )
        print(
            f"\nplan of a GROUP BY by place over 30 days: {plan(session, parse_period({'period': '30d'}, today=today))}"
        )
        start = time.perf_counter()
        found = find_surges(session, keywords=PLACES[1:11], rules=SurgeRules(), now=NOW)
        took = (time.perf_counter() - start) * 1000
        print(f"surges: {len(found)} found in {took:.0f} ms (places, domains, 10 keywords)")
        query = parse_web_list({"period": "30d", "place": PLACES[3], "page": "2"})
        start = time.perf_counter()
        page = list_web_items(session, query)
        print(f"list page 2 of place {PLACES[3]} over 30 days: {len(page.rows)} rows of {page.total:,} in "
              f"{(time.perf_counter() - start) * 1000:.1f} ms")  # fmt: skip
    print(json.dumps({"items": args.items, "database": url}))


if __name__ == "__main__":
    main()
