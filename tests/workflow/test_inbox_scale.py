"""At a city's volume (PostgreSQL only): no page of any work list scans the whole `cases` table.

60,000 cases are written with COPY (not the ORM one by one) inside the test's transaction, ANALYZE gives the
planner their statistics, and every statement a list page runs (its capped count and its page) is explained
with the default planner settings. Run by `make test-postgres`; skipped on SQLite (see test_inbox.py there).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from minyi.core.clock import china_today
from minyi.jurisdictions.services import scope_path
from minyi.messages.search import grams, search_grams_of
from minyi.workflow import inbox
from minyi.workflow.list_filters import ListFilters
from tests import factories as f
from tests.workflow.pg_copy import copy_rows

pytestmark = pytest.mark.skipif(
    not os.environ.get("MINYI_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the plan test needs PostgreSQL (make test-postgres)",
)
CASES = 60_000
FIRST_ID = 50_000_000  # above any id the rest of the suite's sequences hand out
PLACES = ["幸福路小区", "长江大桥", "人民公园", "高新区管委会", "火车站广场", "城南中学", "东湖街道", "滨江花园"]
# 48 topics: the most common one is about 2% of the cases, as the top complaints of a city's hotline are
TOPICS = [f"{thing}{problem}" for thing in ("路灯", "噪音", "垃圾", "停车", "物业", "学位", "公交", "污水")
          for problem in ("问题反映", "长期未解决", "投诉", "咨询", "求助", "建议")]  # fmt: skip
STATUSES = [  # (status, share): most cases are closed, a tenth wait for triage
    ("submitted", 0.10), ("returned", 0.01), ("assigned", 0.08), ("in_progress", 0.18),
    ("replied", 0.08), ("closed", 0.51), ("rejected", 0.02), ("merged", 0.02),
]  # fmt: skip
DOMAINS = ["城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "卫生计生", "商贸旅游"]


def _city(conn: Connection, department_ids: list[int], places: list[int | None]) -> None:
    rng = random.Random(13)
    today = china_today()
    now = datetime.now(UTC)
    messages, cases, contacts, replies, ratings = [], [], [], [], []
    statuses, weights = zip(*STATUSES, strict=True)
    for n in range(CASES):
        mid = FIRST_ID + n
        place, topic = rng.choice(PLACES), rng.choice(TOPICS)
        title = f"{place}{topic}" if n % 5000 else "小区燃气泄漏"
        body = f"{place}附近{topic}已经{rng.randint(2, 30)}天了，第{n}号留言，请有关部门尽快处理。"
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        messages.append(
            (mid, title, body, rng.choice(["complaint", "help", "inquiry"]), rng.choice(DOMAINS), place, True, False,
             "import", f"h{mid}", "", created, body, search_grams_of(title, body, place), grams(place))
        )  # fmt: skip
        status = rng.choices(statuses, weights)[0]
        dept = None if status in {"submitted", "returned"} else rng.choice(department_ids)
        deadline = None if dept is None else today + timedelta(days=rng.randint(-60, 30))
        reopened = int(status in {"in_progress", "closed"} and rng.random() < 0.01)
        level = rng.choice(["satisfied", "basically", "unsatisfied"]) if status == "closed" and n % 5 == 0 else ""
        urgent = n % 5000 == 0 or rng.random() < 0.01
        where = rng.choice(places)  # the root (None), the city, a district or a street
        cases.append(
            (mid, mid, status, dept, deadline, reopened, False, "", 0, urgent, level == "unsatisfied", created, now,
             where)
        )  # fmt: skip
        if n % 2:
            contacts.append((mid, "张三", f"139{n:08d}", "", "", ""))
        if level:
            replies.append((mid, mid, dept, "经核实，已处理。", created))
            ratings.append((mid, mid, mid, level, "", created))
    message_columns = "id title body appeal_kind domain place_text is_public is_anonymous source tracking_hash"
    message_columns += " client_hash created_at public_search_text search_grams place_grams"
    copy_rows(conn, "messages", message_columns.split(), messages)
    case_columns = "id message_id status department_id deadline reopen_count escalated public_reason supports urgent"
    case_columns += " rated_unsatisfied received_at updated_at jurisdiction_id"
    copy_rows(conn, "cases", case_columns.split(), cases)
    copy_rows(conn, "message_contacts", ["message_id", "name", "phone", "email", "address", "erasure_reason"], contacts)
    copy_rows(conn, "replies", ["id", "case_id", "department_id", "body", "created_at"], replies)
    copy_rows(conn, "ratings", ["id", "case_id", "reply_id", "level", "comment", "created_at"], ratings)
    conn.exec_driver_sql("ANALYZE")


@dataclass
class City:
    """The 60,000 cases' departments, and the scope of one district (what its coordinator sees)."""

    department_ids: list[int]
    district_scope: str


@pytest.fixture
def city(db: Session, connection: Connection) -> Iterator[City]:
    """60,000 cases over 30 departments and a city of 12 districts of 3 streets each (a tenth at the root),
    analysed by the planner."""
    department_ids = [f.department(db).id for _ in range(30)]
    town = f.jurisdiction(db, name="规模市", level="city")
    districts = [f.jurisdiction(db, name=f"规模{n}区", parent=town) for n in range(12)]
    streets = [
        f.jurisdiction(db, name=f"{d.name}{n}街道", parent=d, level="street") for d in districts for n in range(3)
    ]
    db.flush()
    places: list[int | None] = [None] * 5 + [town.id] * 3 + [d.id for d in districts] + [s.id for s in streets]
    _city(connection, department_ids, places)
    yield City(department_ids, scope_path(districts[0]))


def _seq_scans(plan: dict[str, Any]) -> list[str]:
    found = [plan["Relation Name"]] if plan["Node Type"] == "Seq Scan" and "Relation Name" in plan else []
    for child in plan.get("Plans", []):
        found += _seq_scans(child)
    return found


def _plans(
    db: Session, connection: Connection, name: str, filters: ListFilters, dept: int | None, scope: str = ""
) -> list[str]:
    """Run one page of a list, then explain every statement it sent that reads `cases`; the tables scanned."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        inbox.work_list(db, name=name, filters=filters, department_id=dept, scope=scope)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    scanned = []
    for statement, parameters in sent:
        if "cases" in statement:
            plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            scanned += _seq_scans(plan[0]["Plan"])
    return scanned


LISTS: list[tuple[str, dict[str, Any]]] = [
    ("triage", {}),
    ("triage", {"page": 50}),
    ("triage", {"q": "燃气泄漏"}),
    ("triage", {"q": "噪音投诉", "status": "all"}),
    ("triage", {"q": "噪音"}),
    ("triage", {"place": "长江大桥", "status": "all"}),
    ("triage", {"phone": "13900000101", "status": "all"}),
    ("triage", {"number": FIRST_ID + 7, "status": "all"}),
    ("triage", {"domain": "环境保护"}),
    ("triage", {"appeal_kind": "help"}),
    ("triage", {"channel": "phone"}),
    ("triage", {"channel": "website"}),
    ("department", {"channel": "phone"}),
    ("triage", {"status": "all", "overdue": True}),
    ("triage", {"status": "all", "unsatisfied": True}),
    ("triage", {"status": "all", "reopened": True}),
    ("department", {}),
    ("department", {"page": 3}),
    ("department", {"overdue": True}),
    ("department", {"status": "all", "q": "路灯"}),
    ("deadlines", {}),
    ("deadlines", {"page": 5}),
    ("complaints", {}),
    ("complaints", {"unsatisfied": True}),
]


def test_no_page_of_any_list_scans_the_cases_table(city: City, db: Session, connection: Connection) -> None:
    """One test for every list (the 60,000 cases are written once): each page's statements are explained. No
    page scans `cases`; a page without a filter on the message's own fields does not scan `messages` either —
    for the root's staff (every case) and for a district's (its cases and its streets', issue 17)."""
    scanning = []
    for (name, params), scope in [*((item, "") for item in LISTS), *((item, city.district_scope) for item in LISTS)]:
        dept = city.department_ids[0] if name == "department" else None
        filters = ListFilters(**params)
        tables = set(_plans(db, connection, name, filters, dept, scope))
        reads_messages = {"q", "place", "phone", "domain", "appeal_kind", "channel"} & set(params)
        if "cases" in tables or ("messages" in tables and not reads_messages):
            scanning.append((name, params, scope, tables))
        started = time.perf_counter()
        work = inbox.work_list(db, name=name, filters=filters, department_id=dept, scope=scope)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{name} {params} {scope or 'root'}: {work.total_text} cases, page in {elapsed:.1f} ms")
        assert work.rows or work.total <= (filters.page - 1) * filters.per_page, (name, params, scope)
    assert scanning == []
    work = inbox.work_list(db, name="triage", filters=ListFilters())
    assert work.total > 5000 and work.rows[0].case.urgent  # the gas leaks are urgent (1% of the cases are)
    found = inbox.work_list(db, name="triage", filters=ListFilters(q="燃气泄漏", status="all"))
    assert 0 < found.total <= CASES // 5000 + 1 and all("燃气泄漏" in r.case.message.title for r in found.rows)
    district = inbox.work_list(
        db, name="triage", filters=ListFilters(status="all", per_page=100), scope=city.district_scope
    )
    assert 0 < district.total < CASES // 10  # one district and its 3 streets of 56 places: about 4,300
    assert all(r.case.jurisdiction.path.startswith(city.district_scope) for r in district.rows if r.case.jurisdiction)
    assert all(r.case.jurisdiction is not None for r in district.rows)
