"""Finding 7 (and 2, 12) under load: 20 clients submitting and browsing while 8 flood the logins with wrong
passwords and `minyi import` loads history in another process, each client behind the trusted proxy with its
own X-Forwarded-For. No 5xx, no dropped connection, every
acknowledged submission stored exactly once. No timing assertion: speed is measured in bench_flood.py."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import CITIZEN_SUBMISSIONS
from tests.reliability.live import (
    Server,
    Tally,
    _client,
    _message,
    citizen,
    count_titles,
    login_flooder,
    run_clients,
    start_import,
    stored_titles,
    submit_once,
)

pytestmark = pytest.mark.reliability
CITIZENS = 20
FLOODERS = 8
SECONDS = 20
IMPORTED_ROWS = 6000


def test_submissions_and_browsing_under_a_login_flood_and_an_import(server: Server, tmp_path: Path) -> None:
    tally = Tally()
    targets = [partial(citizen, server, tally, i, max_submissions=CITIZEN_SUBMISSIONS) for i in range(CITIZENS)]
    targets += [partial(login_flooder, server, tally, i) for i in range(FLOODERS)]
    importer = start_import(server, tmp_path, IMPORTED_ROWS)  # another process writing in long transactions
    try:
        run_clients(targets, SECONDS)
        assert importer.wait(timeout=180) == 0, (tmp_path / "import.log").read_text(errors="replace")[-2000:]
    finally:
        importer.kill()
    summary = f"{tally.requests} requests: {sorted(tally.statuses.items(), key=str)}"
    print(
        f"\nreliability load: {summary}; {len(tally.acknowledged)} submissions acknowledged, "
        f"{len(tally.server_errors)} answers 5xx, {len(tally.transport_errors)} connection errors"
    )
    assert not tally.server_errors and not tally.transport_errors, (
        f"{len(tally.server_errors)} answers 5xx and {len(tally.transport_errors)} connection errors ({summary}): "
        f"{tally.server_errors[:3]} {tally.transport_errors[:3]} (server log: {server.log})"
    )
    assert tally.acknowledged, f"no submission was acknowledged ({summary})"
    # Each client stays under the per-client limit: a 429 here means clients behind the proxy were lumped together.
    assert not tally.limited_clients, f"distinct clients were rate-limited: {sorted(tally.limited_clients)[:5]}"
    stored = stored_titles(server.database_url, list(tally.acknowledged))
    lost = {i: t for i, t in tally.acknowledged.items() if stored.get(i) != [t]}
    assert not lost, f"{len(lost)} of {len(tally.acknowledged)} acknowledged submissions not stored as sent"
    copies = count_titles(server.database_url, list(tally.acknowledged.values()))
    assert set(copies.values()) == {1}, "an acknowledged submission was stored more than once"


def test_rotating_the_forwarded_header_does_not_escape_the_limit(server: Server) -> None:
    """One client behind the proxy (the right-most address) that rotates spoofed addresses in front of it."""
    tally = Tally()
    limit = server.submit_rate_limit
    with _client(server, "203.0.113.7") as client:
        for n in range(limit + 3):
            client.headers["X-Forwarded-For"] = f"198.51.100.{n % 250 + 1}, 203.0.113.7"
            submit_once(client, tally, "P", n, form=False)
    assert not tally.server_errors and not tally.transport_errors, tally.server_errors or tally.transport_errors
    assert tally.count("submit", statuses=lambda s: s == 429) >= 3, sorted(tally.statuses.items(), key=str)
    assert len(tally.acknowledged) <= limit


def test_a_submission_sent_several_times_at_once_is_stored_once(server: Server) -> None:
    """A double click, or a client retrying at once: the same idempotency key from 3 connections at the same
    moment. One is acknowledged, the others get 409, none 5xx (on PostgreSQL the loser used to hit the
    unique index with a 500)."""
    tally = Tally()
    for round_no in range(15):
        data = _message("D", round_no)
        barrier = threading.Barrier(3)

        def send(data: dict[str, str] = data, barrier: threading.Barrier = barrier) -> None:
            with _client(server, "10.40.0.1") as client:
                barrier.wait(timeout=30)
                try:
                    tally.record("submit", client.post("/api/v1/messages", json=data))
                except httpx.HTTPError as exc:
                    tally.failed("submit", "POST /api/v1/messages", exc)

        threads = [threading.Thread(target=send) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        copies = count_titles(server.database_url, [data["title"]])[data["title"]]
        assert copies == 1, f"round {round_no}: stored {copies} times"
    assert not tally.server_errors and not tally.transport_errors, tally.server_errors[:3] or tally.transport_errors
    assert tally.statuses == {("submit", 201): 15, ("submit", 409): 30}, tally.statuses
