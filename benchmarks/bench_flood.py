"""Citizen submissions during a failed-login flood (issue 10, findings 2 and 7): p50/p95 with and without it.

One real `minyi serve` on loopback (fresh migrated SQLite file with the demo data, background analysis and
scheduler on, 127.0.0.1 as the trusted proxy; a new database on the PostgreSQL server of
MINYI_TEST_DATABASE_URL when that is set). Citizens submit at a steady pace (form and API in turn, each
with its own X-Forwarded-For): first alone (the baseline), then while 8 clients send wrong passwords to
/staff/login and /api/v1/auth/token as fast as they are answered. Prints both latencies, their ratio
(target: p95 with the flood at most 3x the p95 without), the request counts and the 5xx answers.

    .venv/bin/python benchmarks/bench_flood.py [--seconds 15] [--citizens 4] [--flooders 8] [--pace 0.25]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the live-server harness is shared with tests/reliability

from tests.reliability.live import (  # noqa: E402
    Server,
    Tally,
    _client,
    login_flooder,
    run_clients,
    running_server,
    submit_once,
)

TARGET_RATIO = 3.0


def paced_citizen(server: Server, tally: Tally, index: int, pace: float, stop: threading.Event) -> None:
    """Submit every `pace` seconds (a steady arrival rate: the same load in both phases)."""
    rng = random.Random(index)
    with _client(server, f"10.30.{index // 250}.{index % 250 + 1}") as client:
        next_at = time.monotonic() + rng.random() * pace
        n = 0
        while not stop.is_set():
            if stop.wait(max(0.0, next_at - time.monotonic())):
                break
            next_at += pace
            submit_once(client, tally, f"B{index}", n, form=n % 2 == 0)
            n += 1


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of the values, by the inclusive method."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def phase(server: Server, *, citizens: int, flooders: int, seconds: float, pace: float) -> Tally:
    """Run the citizens (and the flooders, if any) for `seconds`."""
    tally = Tally()
    targets = [partial(paced_citizen, server, tally, i, pace) for i in range(citizens)]
    targets += [partial(login_flooder, server, tally, i) for i in range(flooders)]
    run_clients(targets, seconds)
    return tally


def describe(name: str, tally: Tally) -> str:
    times = [t * 1000 for t in tally.submit_seconds]
    logins = tally.count("login")
    login_statuses = ", ".join(f"{s}: {n}" for (k, s), n in sorted(tally.statuses.items(), key=str) if k == "login")
    return (
        f"  {name:<17}: submissions p50 {percentile(times, 50):7.0f} ms  p95 {percentile(times, 95):7.0f} ms  "
        f"({len(times)} submissions, {tally.count('submit', statuses=lambda s: s in (200, 201))} stored; "
        f"{logins} failed logins{' — ' + login_statuses if logins else ''}; "
        f"{tally.count(statuses=lambda s: isinstance(s, int) and s >= 500)} answers 5xx, "
        f"{len(tally.transport_errors)} connection errors)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase")
    parser.add_argument("--citizens", type=int, default=4, help="clients submitting at a steady pace")
    parser.add_argument("--pace", type=float, default=0.25, help="seconds between one citizen's submissions")
    parser.add_argument("--flooders", type=int, default=8, help="clients sending wrong passwords")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp), submit_rate_limit=100_000) as server:
        phase(server, citizens=args.citizens, flooders=0, seconds=2, pace=args.pace)  # warm-up (model load)
        quiet = phase(server, citizens=args.citizens, flooders=0, seconds=args.seconds, pace=args.pace)
        flood = phase(server, citizens=args.citizens, flooders=args.flooders, seconds=args.seconds, pace=args.pace)
    p95_quiet = percentile(quiet.submit_seconds, 95)
    p95_flood = percentile(flood.submit_seconds, 95)
    database = "PostgreSQL" if server.database_url.startswith("postgresql") else "SQLite"
    print(
        f"submissions of {args.citizens} citizens every {args.pace:g} s, {args.seconds:g} s per phase, "
        f"one `minyi serve` on {database}:"
    )
    print(describe("without the flood", quiet))
    print(describe(f"with {args.flooders} flooders", flood))
    ratio = p95_flood / p95_quiet
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"  ratio of p95     : {ratio:7.2f}x (target <= {TARGET_RATIO:g}x: {verdict})")
    print(
        f"  requests         : {quiet.requests + flood.requests} "
        f"({quiet.requests} without the flood, {flood.requests} with it)"
    )
    errors = [*quiet.server_errors, *flood.server_errors, *quiet.transport_errors, *flood.transport_errors]
    for line in errors[:5]:
        print(f"  error: {line}")


if __name__ == "__main__":
    main()
