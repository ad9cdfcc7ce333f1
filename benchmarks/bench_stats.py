"""The statistics page under load: 20 concurrent clients against a real server on loopback.

Imports the shared data (about 10,000 messages; synthetic ones without it) into a fresh SQLite
database, then for each variant starts `minyi serve`-like uvicorn in its own process, and runs the load
from a second process (stdlib http.client on keep-alive connections, one thread per client) against
`/stats` for a year of the imported history. Variants, each alone on the machine:

- ours: the facts cache on (the default), cached after the first request until a new event;
- ours, no cache (MINYI_STATS_CACHE=0): two queries and one pass per request;
- baseline: the same page with the event log read one query per case (an ORM-style N+1 loader).

Prints requests/s and latency percentiles (p50, p90, p99) of each and the ratios to ours.

    .venv/bin/python benchmarks/bench_stats.py [--clients 20] [--seconds 15] [--data ../shared/data/teddycup2020]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "teddycup2020"
PAGE = "/stats?from=2019-01-01&to=2019-12-31"


# --- the server process ----------------------------------------------------------------------------------


def _naive_load_facts(session, *, start, end):
    """The baseline: the cohort in one query, then each case's events with one query per case."""
    from sqlalchemy import select

    from minyi.stats import services
    from minyi.workflow.models import CaseEvent

    facts = _cohort_only(session, start=start, end=end)
    for fact in facts:
        rows = session.execute(
            select(CaseEvent.kind, CaseEvent.to_status, CaseEvent.created_at, CaseEvent.data)
            .where(CaseEvent.case_id == fact.case_id, CaseEvent.kind.in_(services.FOLDED_KINDS))
            .order_by(CaseEvent.created_at, CaseEvent.id)
        )
        for kind, to_status, created_at, data in rows:
            services._fold(fact, kind, to_status, created_at, data or {})
    return [fact.settle() for fact in facts]


def _cohort_only(session, *, start, end):
    """The cases of the period with their message attributes, no events (the baseline adds them one by one)."""
    from sqlalchemy import select

    from minyi.core.clock import china_days_utc
    from minyi.messages.models import Message
    from minyi.stats.figures import CaseFacts
    from minyi.workflow.models import Case, CaseEvent

    low, high = china_days_utc(start, end)
    cohort = select(CaseEvent.case_id).where(
        CaseEvent.kind == "submit", CaseEvent.created_at >= low, CaseEvent.created_at < high
    )
    rows = session.execute(
        select(Case.id, Message.domain, Message.appeal_kind, Message.place_text, Message.is_public)
        .join(Message, Message.id == Case.message_id)
        .where(Case.id.in_(cohort))
    )
    return [
        CaseFacts(case_id=c, received_at=low, domain=d, appeal_kind=k, place=p or "", is_public=bool(pub))
        for c, d, k, p, pub in rows
    ]


def serve(database_url: str, port: int, variant: str) -> None:
    """Run the app (in this process) until killed."""
    import uvicorn

    from minyi.core.settings import Settings
    from minyi.stats import services
    from minyi.web.app import create_app

    if variant == "baseline":
        services.load_facts = _naive_load_facts  # type: ignore[assignment]
    settings = Settings(
        data_dir=Path(tempfile.gettempdir()),
        database_url=database_url,
        secret_key="bench",  # noqa: S106 - a throwaway server
        run_scheduler=False,
        run_analysis=False,
        stats_cache=16 if variant == "ours" else 0,
    )
    uvicorn.run(create_app(settings, start_background=False), host="127.0.0.1", port=port, log_level="warning")


# --- the load process ------------------------------------------------------------------------------------


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


# --- the driver ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(port: int, deadline: float = 60) -> None:
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
            [*me, "--load", str(port), str(clients), str(seconds)],
            capture_output=True,
            text=True,
            check=True,
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
        "p99": _percentile(lat, 99),
    }


def build_database(folder: Path, data: Path) -> str:
    """A migrated SQLite database with the shared data (or synthetic messages) imported."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_import  # the same rows as the import benchmark

    from minyi.core.db import make_engine, make_session_factory, transaction
    from minyi.core.migrate import upgrade
    from minyi.ingest.services import import_file

    rows = bench_import.shared_rows(data) if data.is_dir() else bench_import.synthetic_rows(10_000)
    url = f"sqlite:///{folder / 'stats.sqlite3'}"
    upgrade(url)
    path = bench_import.write_jsonl(rows, folder / "all.jsonl")
    with transaction(make_session_factory(make_engine(url))) as session:
        report = import_file(session, path=path, source="bench")
    print(f"imported {report.imported} messages ({report.replied} with a reply) into {url}")
    return url


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        load(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    os.environ.setdefault("MINYI_DATA_DIR", tempfile.gettempdir())
    with tempfile.TemporaryDirectory() as tmp:
        url = build_database(Path(tmp), args.data)
        results = [run_variant(url, v, args.clients, args.seconds) for v in ("ours", "no-cache", "baseline")]
    print(f"GET {PAGE} with {args.clients} concurrent clients, {args.seconds:.0f} s each, one uvicorn process:")
    print(f"  {'variant':<10} {'requests':>8} {'req/s':>8} {'p50 ms':>9} {'p90 ms':>9} {'p99 ms':>9}")
    for r in results:
        print(
            f"  {r['variant']:<10} {r['requests']:>8} {r['rps']:>8.1f} {r['p50']:>9.0f} {r['p90']:>9.0f} "
            f"{r['p99']:>9.0f}" + (f"  ({r['failures']} failed)" if r["failures"] else "")
        )
    ours = results[0]
    for other in results[1:]:
        print(
            f"  ours vs {other['variant']}: {ours['rps'] / other['rps']:.1f}x the throughput, "
            f"p90 {other['p90'] / ours['p90']:.1f}x lower"
        )


if __name__ == "__main__":
    main()
