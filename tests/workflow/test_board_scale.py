"""The public board at a city's volume (PostgreSQL only): no statement of a board page scans `messages` or `cases`.

60,000 messages (a tenth private) with their cases are written with COPY inside the test's transaction, their
derived columns (the masked text and its bigrams) filled by the product's functions, ANALYZE gives the planner
their statistics, and every statement a board page runs (its capped count and its page) is explained with the
planner settings the board runs it with. A keyword is found through the GIN index of migration 0016, a page without
one is cut on `ix_messages_public_created`. Run by `make test-postgres`; skipped on SQLite (test_board_at_volume.py).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from minyi.messages.search import grams, search_grams_of
from minyi.nlp.display import public_search_text
from minyi.workflow import views
from tests import factories as f
from tests.workflow.pg_copy import copy_rows

pytestmark = pytest.mark.skipif(
    not os.environ.get("MINYI_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the plan test needs PostgreSQL (make test-postgres)",
)
CASES = 60_000
FIRST_ID = 80_000_000  # above any id the rest of the suite's sequences hand out
PLACES = ["幸福路小区", "长江大桥", "人民公园", "高新区管委会", "火车站广场", "城南中学", "东湖街道", "滨江花园"]
# 48 topics: the most common one is about 2% of the cases, as the top complaints of a city's hotline are
TOPICS = [f"{thing}{problem}" for thing in ("路灯", "噪音", "垃圾", "停车", "物业", "学位", "公交", "污水")
          for problem in ("问题反映", "长期未解决", "投诉", "咨询", "求助", "建议")]  # fmt: skip
STATUSES = [("submitted", 0.10), ("assigned", 0.08), ("in_progress", 0.18), ("replied", 0.08), ("closed", 0.56)]
DOMAINS = ["城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "卫生计生", "商贸旅游"]


def _city(conn: Connection, department_ids: list[int]) -> None:
    rng = random.Random(16)
    now = datetime.now(UTC)
    messages, cases = [], []
    statuses, weights = zip(*STATUSES, strict=True)
    for n in range(CASES):
        mid = FIRST_ID + n
        place, topic = rng.choice(PLACES), rng.choice(TOPICS)
        title = f"{place}{topic}" if n % 5000 != 1 else "小区燃气泄漏"
        body = f"{place}附近{topic}已经{rng.randint(2, 30)}天了，联系电话139{n:08d}，请有关部门尽快处理。"
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        public = public_search_text(title, body, place)
        messages.append(
            (mid, title, body, rng.choice(["complaint", "help", "inquiry"]), rng.choice(DOMAINS), place, n % 10 != 0,
             False, "import", f"b{mid}", "", created, public, grams(public), search_grams_of(title, body, place),
             grams(place))
        )  # fmt: skip
        status = rng.choices(statuses, weights)[0]
        dept = None if status == "submitted" else rng.choice(department_ids)
        cases.append((mid, mid, status, dept, 0, False, "", 0, False, False, created, now))
    message_columns = "id title body appeal_kind domain place_text is_public is_anonymous source tracking_hash"
    message_columns += " client_hash created_at public_search_text public_search_grams search_grams place_grams"
    copy_rows(conn, "messages", message_columns.split(), messages)
    case_columns = "id message_id status department_id reopen_count escalated public_reason supports urgent"
    copy_rows(conn, "cases", [*case_columns.split(), "rated_unsatisfied", "received_at", "updated_at"], cases)
    conn.exec_driver_sql("ANALYZE")


@pytest.fixture
def city(db: Session, connection: Connection) -> Iterator[list[int]]:
    """60,000 messages and cases over 30 departments, analysed by the planner; yields the department ids."""
    department_ids = [f.department(db).id for _ in range(30)]
    db.flush()
    _city(connection, department_ids)
    yield department_ids


def _walk(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)


def _explained(db: Session, connection: Connection, filters: views.BoardFilters) -> list[list[str]]:
    """Run one board page, explaining each statement that reads `messages` just before it runs (under the
    planner settings it runs with): the tables each scans whole and the indexes it uses."""
    plans: list[Any] = []

    def explain(conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM messages" in statement or "JOIN messages" in statement:
            with conn.connection.driver_connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
                plans.append(cursor.fetchone()[0])

    event.listen(connection, "before_cursor_execute", explain)
    try:
        views.list_public_cases(db, filters=filters)
    finally:
        event.remove(connection, "before_cursor_execute", explain)
    explained = []
    for plan in plans:
        nodes = list(_walk((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]))
        scanned = [n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan" and "Relation Name" in n]
        explained.append(scanned + [f"index:{n['Index Name']}" for n in nodes if "Index Name" in n])
    return explained


PAGES: list[dict[str, Any]] = [
    {},
    {"page": 2},
    {"page": 500},
    {"q": "燃气泄漏"},
    {"q": "路灯"},
    {"q": "路灯问题反映"},
    {"q": "噪音 东湖街道"},
    {"q": "处理"},  # in every message: more than 10,000 match
    {"q": "处理", "page": 300},
    {"q": "139"},  # the digits the mask keeps
    {"domain": "环境保护"},
    {"appeal_kind": "help"},
    {"status": "closed"},
    {"status": "submitted", "q": "停车"},
    {"domain": "交通运输", "q": "公交"},
    {"appeal_kind": "inquiry", "q": "学位咨询"},
    {"department": True},
    {"department": True, "q": "物业"},
]


def test_no_board_page_scans_messages_or_cases(city: list[int], db: Session, connection: Connection) -> None:
    """Every board page's statements are explained (the 60,000 messages are written once): with a word or without
    any filter none scans `messages` or `cases` whole, nor does the page of a filter; a rare word is found
    through the GIN index, the first page without a word is cut on the date index."""
    scanning = []
    for params in PAGES:
        raw = {k: str(v) for k, v in params.items() if k != "department"}
        filters = views.parse_board_filters(raw | ({"department_id": str(city[0])} if "department" in params else {}))
        explained = _explained(db, connection, filters)
        used = {step for steps in explained for step in steps}
        # Without a word, the count of one domain or status may still hash-join a scan of `cases` at this size
        # (60,000 short rows); its page never scans.
        checked = explained if "q" in params or params.keys() <= {"page"} else explained[-1:]
        if {step for steps in checked for step in steps} & {"messages", "cases"}:
            scanning.append((params, used))
        if params.get("q") == "燃气泄漏":
            assert all("index:ix_messages_public_search_grams" in steps for steps in explained), explained
        if not params:
            assert "index:ix_messages_public_created" in explained[-1], explained
        started = time.perf_counter()
        page = views.list_public_cases(db, filters=filters)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{params}: {page.total_text} cases, page {page.page} in {elapsed:.1f} ms, plan {sorted(used)}")
        assert page.items or page.total <= (filters.page - 1) * page.per_page, params
    assert scanning == []
    gas = views.list_public_cases(db, filters=views.BoardFilters(q="燃气泄漏"))
    assert 0 < gas.total <= CASES // 5000 and all("燃气泄漏" in c.message.title for c in gas.items)
    hidden = views.list_public_cases(db, filters=views.BoardFilters(q="13900000123"))
    assert hidden.total == 0  # the phone numbers are in every message, masked
    assert views.list_public_cases(db, filters=views.BoardFilters()).total_text == "10,000+"
