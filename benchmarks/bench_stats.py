"""/stats read from the per-case facts against a fold of the event log per request, at 10,000 and 100,000 cases.

For each `--cases N` a fresh database (SQLite in a temporary folder, or `--database-url`, e.g. an empty
PostgreSQL database) gets a synthetic city: N cases over 2019, about 300 departments, 2-9 events each
(submit, assign, accept, reply, rating, reopen, 督办, extensions), written in bulk through a session so that
`case_facts` is filled by the same hook as in production. Then, in the same process and on the same data,
`GET /stats?from=2019-01-01&to=2019-12-31` goes through the app (no cache) `--repeat` times each way:

- facts: the page as shipped, GROUP BY queries over `case_facts`;
- fold: the same page built as before, the period's log folded in Python per request (two queries and a pass).

Prints the median and slowest time of each, their ratio, and whether both pages show the same figures.
`--load` instead runs the old load test: 20 clients against a real uvicorn process, facts vs fold.

    .venv/bin/python benchmarks/bench_stats.py [--cases 10000 100000] [--repeat 5] [--database-url URL]
    .venv/bin/python benchmarks/bench_stats.py --load [--clients 20] [--seconds 15] [--cases 10000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PAGE = "/stats?from=2019-01-01&to=2019-12-31"
QUERY = (date(2019, 1, 1), date(2019, 12, 31))
DEPARTMENTS = 300
BATCH = 5_000
DOMAINS = ("城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "卫生计生", "商贸旅游", None)
KINDS = ("complaint", "help", "inquiry", "suggestion", "confusion", "misconception", "praise")
PLACES = ("", *(f"{road}路{n}号" for road in ("人民", "解放", "中山", "建设", "幸福") for n in range(1, 41)))


# --- the baseline: the page built from a fold of the log (what /stats did before case_facts) -------------


def fold_build(session, *, query, today):
    """`stats.services._build` as it was: fold the period's log, then group and count in Python."""
    from sqlalchemy import select

    from minyi.departments.models import Department
    from minyi.messages.channels import CHANNELS
    from minyi.nlp.labels import APPEAL_KINDS
    from minyi.stats import services as s
    from minyi.stats.facts import NO_PLACE, PRIVATE_PLACE, fold_period
    from minyi.stats.figures import buckets, figures_of, month_key, week_key

    def grouped(facts, key):
        groups = {}
        for fact in facts:
            groups.setdefault(key(fact), []).append(fact)
        return groups

    departments = list(session.scalars(select(Department).order_by(Department.name)))
    facts = fold_period(session, start=query.start, end=query.end)
    scoped = facts if query.department_id is None else [f for f in facts if f.department_id == query.department_id]
    by_dept = grouped(facts, lambda f: f.department_id)
    dept_rows = [
        s.GroupRow(str(d.id), d.name, figures_of(by_dept.get(d.id, []), today=today), d.id)
        for d in departments
        if d.is_active or d.id in by_dept
    ]
    if None in by_dept:
        dept_rows.append(s.GroupRow("", s.NO_DEPARTMENT, figures_of(by_dept[None], today=today)))
    dept_rows.sort(key=lambda r: (-r.figures.received, r.label == s.NO_DEPARTMENT, r.label))
    key_of = month_key if query.granularity == "month" else week_key
    points = grouped(scoped, lambda f: key_of(f.received_on))
    trend = [
        s.GroupRow(k, k, figures_of(points.get(k, []), today=today))
        for k in buckets(query.start, query.end, query.granularity)
    ]
    domains = grouped(scoped, lambda f: f.domain or s.NO_DOMAIN)
    by_domain = sorted(
        (s.GroupRow(k, k, figures_of(v, today=today)) for k, v in domains.items()),
        key=lambda r: (r.key == s.NO_DOMAIN, -r.figures.received, r.key),
    )
    kinds = grouped(scoped, lambda f: f.appeal_kind)
    by_kind = [s.GroupRow(c, n, figures_of(kinds.get(c, []), today=today)) for c, n in APPEAL_KINDS.items()]
    by_kind += [s.GroupRow(k, k, figures_of(v, today=today)) for k, v in kinds.items() if k not in APPEAL_KINDS]
    places = grouped(scoped, lambda f: f.place_label)
    named = sorted(
        ((k, v) for k, v in places.items() if k not in {NO_PLACE, PRIVATE_PLACE}), key=lambda kv: (-len(kv[1]), kv[0])
    )
    by_place = [s.GroupRow(k, k, figures_of(v, today=today)) for k, v in named[: s.TOP_PLACES]]
    rest = [f for _k, v in named[s.TOP_PLACES :] for f in v]
    if rest:
        by_place.append(s.GroupRow(s.OTHER_PLACES, s.OTHER_PLACES, figures_of(rest, today=today)))
    by_place += [s.GroupRow(k, k, figures_of(places[k], today=today)) for k in (NO_PLACE, PRIVATE_PLACE) if k in places]
    channels = grouped(scoped, lambda f: f.channel)
    by_channel = [s.GroupRow(c, n, figures_of(channels.get(c, []), today=today)) for c, n in CHANNELS.items()]
    by_channel += [s.GroupRow(k, k, figures_of(v, today=today)) for k, v in channels.items() if k not in CHANNELS]
    return s.StatsReport(
        query=query,
        today=today,
        overall=figures_of(scoped, today=today),
        department_name=None,
        departments=dept_rows,
        trend=trend,
        by_domain=by_domain,
        by_appeal_kind=by_kind,
        by_place=by_place,
        by_channel=by_channel,
        notices=[],
    )


# --- the synthetic city ----------------------------------------------------------------------------------


def _event(case_id, kind, at, to_status, data=None, from_status=None):
    return {
        "case_id": case_id,
        "kind": kind,
        "from_status": from_status,
        "to_status": to_status,
        "actor_id": None,
        "actor_label": "bench",
        "reason": "",
        "is_public": True,
        "data": data or {},
        "created_at": at,
    }


def _case_events(rng, case_id, at, dept):
    """One case's events, a plausible path through the lifecycle."""
    events = [_event(case_id, "submit", at, "submitted", {"source": "bench"})]
    if rng.random() < 0.05:
        events.append(_event(case_id, "reject", at, "rejected"))
        return events, "rejected"
    if rng.random() < 0.08:
        return events, "submitted"
    deadline = (at + timedelta(days=18)).date()
    t = at + timedelta(hours=rng.randrange(1, 48))
    events.append(_event(case_id, "assign", t, "assigned", {"department_id": dept, "deadline": deadline.isoformat()}))
    events.append(_event(case_id, "accept", t + timedelta(hours=2), "in_progress"))
    if rng.random() < 0.1:
        events.append(_event(case_id, "escalate", t + timedelta(days=3), None))
    if rng.random() < 0.05:
        deadline += timedelta(days=7)
        ext = {"days": 5, "deadline": deadline.isoformat()}
        events.append(_event(case_id, "approve_extension", t + timedelta(days=4), None, ext))
    if rng.random() < 0.15:
        return events, "in_progress"
    reply_at = t + timedelta(days=rng.randrange(0, 30), hours=rng.randrange(24))
    events.append(_event(case_id, "reply", reply_at, "replied"))
    if rng.random() < 0.5:
        level = rng.choice(("satisfied", "basically", "unsatisfied"))
        events.append(_event(case_id, "rate", reply_at + timedelta(days=2), "closed", {"level": level}))
        if level == "unsatisfied" and rng.random() < 0.3:
            events.append(_event(case_id, "reopen", reply_at + timedelta(days=3), "in_progress"))
            return events, "in_progress"
        return events, "closed"
    return events, "replied"


def build_city(url: str, cases: int, seed: int = 2019) -> float:
    """Migrate the database and write the city in transactions of BATCH cases; returns the seconds taken."""
    from sqlalchemy import insert

    from minyi.core.db import make_engine, make_session_factory, table_of, transaction
    from minyi.core.migrate import upgrade
    from minyi.departments.models import Department
    from minyi.messages.models import Message
    from minyi.workflow.models import Case, CaseEvent

    started = time.perf_counter()
    upgrade(url)
    rng = random.Random(seed)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        rows = [{"id": i, "name": f"第{i}局", "domains": [], "keywords": [], "is_active": True} for i in range(1, 301)]
        session.execute(insert(table_of(Department)), rows)
    year = datetime(2019, 1, 1, tzinfo=UTC)
    case_columns = set(table_of(Case).c.keys())
    for first in range(1, cases + 1, BATCH):
        messages, case_rows, events = [], [], []
        for i in range(first, min(first + BATCH, cases + 1)):
            at = year + timedelta(seconds=rng.randrange(365 * 86400))
            dept = rng.randrange(1, DEPARTMENTS + 1)
            messages.append(
                {
                    "id": i,
                    "title": f"留言{i}",
                    "body": "小区门口的路灯坏了，请尽快维修。",
                    "appeal_kind": rng.choice(KINDS),
                    "domain": rng.choice(DOMAINS),
                    "place_text": rng.choice(PLACES),
                    "is_public": rng.random() < 0.9,
                    "tracking_hash": f"{i:064d}",
                    "created_at": at,
                    "public_search_text": "",
                    "search_grams": "",
                    "place_grams": "",
                }
            )
            mine, status = _case_events(rng, i, at, dept)
            events += mine
            case = {"id": i, "message_id": i, "status": status, "department_id": None, "received_at": at}
            case_rows.append({k: v for k, v in case.items() if k in case_columns})
        with transaction(factory) as session:
            session.execute(insert(table_of(Message)), messages)
            session.execute(insert(table_of(Case)), case_rows)
            session.execute(insert(table_of(CaseEvent)), events)  # the facts hook folds these cases
    return time.perf_counter() - started


# --- timing in process -----------------------------------------------------------------------------------


def time_page(url: str, repeat: int) -> dict[str, object]:
    """GET /stats `repeat` times from the facts and from a fold; the times (ms) and whether the figures agree."""
    from fastapi.testclient import TestClient

    from minyi.core.clock import china_today
    from minyi.core.db import make_engine, make_session_factory
    from minyi.core.settings import Settings
    from minyi.stats import services
    from minyi.stats.services import StatsQuery
    from minyi.web.app import create_app

    settings = Settings(
        data_dir=Path(tempfile.gettempdir()),
        database_url=url,
        secret_key="bench",  # noqa: S106 - a throwaway app
        run_scheduler=False,
        run_analysis=False,
        stats_cache=0,
    )
    factory = make_session_factory(make_engine(url))
    shipped = services._build
    times: dict[str, list[float]] = {"facts": [], "fold": []}
    with TestClient(create_app(settings, factory, start_background=False)) as client:
        for variant in ("facts", "fold", "facts", "fold"):  # warm both, then measure alternately
            services._build = shipped if variant == "facts" else fold_build
            assert client.get(PAGE).status_code == 200
        for _ in range(repeat):
            for variant in ("facts", "fold"):
                services._build = shipped if variant == "facts" else fold_build
                start = time.perf_counter()
                assert client.get(PAGE).status_code == 200
                times[variant].append((time.perf_counter() - start) * 1000)
    services._build = shipped
    query, today = StatsQuery(*QUERY), china_today()
    built: dict[str, list[float]] = {"facts": [], "fold": []}
    with factory() as session:
        same = shipped(session, query=query, today=today) == fold_build(session, query=query, today=today)
        for _ in range(repeat):
            for variant, build in (("facts", shipped), ("fold", fold_build)):
                start = time.perf_counter()
                build(session, query=query, today=today)
                built[variant].append((time.perf_counter() - start) * 1000)
    return {
        "page": {name: statistics.median(v) for name, v in times.items()},
        "report": {name: statistics.median(v) for name, v in built.items()},
        "same": same,
    }


def compare(sizes: list[int], repeat: int, database_url: str | None) -> None:
    """Build each size, time the page both ways, print one line per size."""
    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = database_url or f"sqlite:///{Path(tmp) / 'stats.sqlite3'}"
            built = build_city(url, n)
            measured = time_page(url, repeat)
            results.append((n, built, measured))
            print(f"{n:>9,} cases: generated (with their facts) in {built:.1f} s", flush=True)
            if database_url:
                _drop_all(database_url)
    backend = (database_url or "sqlite").split(":")[0]
    print(f"\n{PAGE} (no cache), median of {repeat} each way, {backend}, ms:")
    print(f"  {'cases':>9} | {'page: facts':>11} {'fold':>7} {'ratio':>6} | ", end="")
    print(f"{'report: facts':>13} {'fold':>7} {'ratio':>6} | same")
    for n, _built, m in results:
        page, report = m["page"], m["report"]
        print(
            f"  {n:>9,} | {page['facts']:>11.0f} {page['fold']:>7.0f} {page['fold'] / page['facts']:>5.1f}x | "
            f"{report['facts']:>13.0f} {report['fold']:>7.0f} {report['fold'] / report['facts']:>5.1f}x | "
            f"{'yes' if m['same'] else 'NO'}"
        )
    print("  page: GET through the app (queries, templates, 300 department rows); report: the figures alone")


def _drop_all(url: str) -> None:
    from sqlalchemy import text

    from minyi.core.db import make_engine

    with make_engine(url).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


# --- the load test (a real server, 20 clients) -----------------------------------------------------------


def serve(database_url: str, port: int, variant: str) -> None:
    """Run the app (in this process) until killed."""
    import uvicorn

    from minyi.core.settings import Settings
    from minyi.stats import services
    from minyi.web.app import create_app

    if variant == "fold":
        services._build = fold_build
    settings = Settings(
        data_dir=Path(tempfile.gettempdir()),
        database_url=database_url,
        secret_key="bench",  # noqa: S106 - a throwaway server
        run_scheduler=False,
        run_analysis=False,
        stats_cache=0,
    )
    uvicorn.run(create_app(settings, start_background=False), host="127.0.0.1", port=port, log_level="warning")


def load(port: int, clients: int, seconds: float) -> None:
    """Hit the page from `clients` threads for `seconds`; print the latencies (ms) as JSON."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            connection.request("GET", PAGE)
            response = connection.getresponse()
            response.read()
            with lock:
                if response.status == 200:
                    latencies.append((time.perf_counter() - start) * 1000)
                else:
                    failures[0] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"latencies": latencies, "failures": failures[0], "elapsed": time.perf_counter() - started}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(port: int, deadline: float = 120) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            connection.request("GET", PAGE)  # also the warm-up request
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    msg = f"the server on port {port} did not answer"
    raise RuntimeError(msg)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1] if ordered else float("nan")


def run_variant(database_url: str, variant: str, clients: int, seconds: float) -> dict:
    """Start the server in one process, the load in another; return the measured figures."""
    port = _free_port()
    me = [sys.executable, __file__]
    server = subprocess.Popen([*me, "--serve", database_url, str(port), variant])
    try:
        _wait_until_up(port)
        out = subprocess.run(
            [*me, "--hit", str(port), str(clients), str(seconds)], capture_output=True, text=True, check=True
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = json.loads(out)
    lat = result["latencies"]
    return {
        "variant": variant,
        "requests": len(lat),
        "failures": result["failures"],
        "rps": len(lat) / result["elapsed"],
        "p50": _percentile(lat, 50),
        "p90": _percentile(lat, 90),
    }


def load_test(cases: int, clients: int, seconds: float) -> None:
    """The page under concurrent load from a second process, facts vs fold, on one synthetic city."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'stats.sqlite3'}"
        build_city(url, cases)
        results = [run_variant(url, v, clients, seconds) for v in ("facts", "fold")]
    print(f"GET {PAGE}, {cases:,} cases, {clients} clients, {seconds:.0f} s each, one uvicorn process, no cache:")
    for r in results:
        failed = f"  ({r['failures']} failed)" if r["failures"] else ""
        print(f"  {r['variant']:<6} {r['rps']:>7.1f} req/s  p50 {r['p50']:>7.0f} ms  p90 {r['p90']:>7.0f} ms{failed}")
    print(f"  facts vs fold: {results[0]['rps'] / results[1]['rps']:.1f}x the throughput")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--hit":
        load(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite (emptied after each size)")
    parser.add_argument("--load", action="store_true", help="the load test with 20 clients instead")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    os.environ.setdefault("MINYI_DATA_DIR", tempfile.gettempdir())
    if args.load:
        load_test(args.cases[0], args.clients, args.seconds)
    else:
        compare(args.cases, args.repeat, args.database_url)


if __name__ == "__main__":
    main()
