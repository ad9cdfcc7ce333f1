"""At volume on PostgreSQL: no statement of the 网络民意 counts, its filtered list or the surge search scans
`web_items`. 200,000 items over a year are written with COPY inside the test's transaction, ANALYZE gives the planner
their statistics, and every statement is explained with the default planner settings. Run by `make test-postgres`
(scripts/with_postgres.sh); skipped on SQLite, where test_voices.py checks the covering index."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session
from tests.collect.items import source
from tests.workflow.pg_copy import copy_rows

from minyi.collect.surges import find_surges
from minyi.collect.views import list_web_items, parse_web_list
from minyi.collect.voices import count_voices, parse_period

pytestmark = pytest.mark.skipif(
    not os.environ.get("MINYI_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the plan test needs PostgreSQL (make test-postgres)",
)
ITEMS = 200_000
FIRST_ID = 60_000_000
PLACES = ["", *(f"{a}{b}路" for a in "东西南北中春秋新光明和平" for b in "一二三四五六七八九十")]
DOMAINS = ["城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", ""]
KINDS = ["help", "complaint", "suggestion", "inquiry", ""]


def _web(conn: Connection, source_id: int) -> None:
    rng, now, rows = random.Random(21), datetime.now(UTC), []
    for n in range(ITEMS):
        place, domain, kind = rng.choice(PLACES), rng.choice(DOMAINS), rng.choice(KINDS)
        body = f"{place}第{n}条：井盖松动，希望尽快处理。"
        analysis = json.dumps({"domain": domain, "appeal_kind": kind, "urgent": False, "places": [place]})
        rows.append(
            (FIRST_ID + n, source_id, f"http://127.0.0.1/v/{n}", f"http://127.0.0.1/v/{n}", "article", body[:20], body,
             body, now - timedelta(minutes=rng.randint(0, 60 * 24 * 365)), f"h{n}",
             FIRST_ID + n - 1 if n and rng.random() < 0.05 else None, analysis, False, domain, kind, place)
        )  # fmt: skip
    columns = "id source_id url canonical_url kind title text clean_text fetched_at content_hash duplicate_of_id"
    copy_rows(conn, "web_items", [*columns.split(), "analysis", "urgent", "domain", "appeal_kind", "place"], rows)
    conn.exec_driver_sql("ANALYZE web_items")


def _seq_scans(plan: dict[str, Any]) -> list[str]:
    found = [plan["Relation Name"]] if plan["Node Type"] == "Seq Scan" and "Relation Name" in plan else []
    for child in plan.get("Plans", []):
        found += _seq_scans(child)
    return found


def _scanned(connection: Connection, run: Callable[[], object]) -> list[str]:
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    scanned = []
    for statement, parameters in sent:
        if "web_items" in statement:
            plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            scanned += [f"{t}: {statement[:120]}" for t in _seq_scans(plan[0]["Plan"]) if t == "web_items"]
    return scanned


def test_no_count_list_or_surge_search_scans_web_items(db: Session, connection: Connection) -> None:
    _web(connection, source(db).id)
    runs: list[Callable[[], object]] = [
        lambda k=key: count_voices(db, parse_period({"period": k})) for key in ("today", "7d", "30d")
    ]
    runs += [
        lambda: list_web_items(db, parse_web_list({"period": "30d", "place": "春三路", "page": "2"})),
        lambda: list_web_items(db, parse_web_list({"period": "7d", "domain": "环境保护"})),
        lambda: list_web_items(db, parse_web_list({"period": "30d", "kind": "help", "page": "3"})),
        lambda: list_web_items(db, parse_web_list({"period": "today"})),
        lambda: find_surges(db, keywords=["井盖"]),
    ]
    scanning = [line for run in runs for line in _scanned(connection, run)]
    assert not scanning, scanning
