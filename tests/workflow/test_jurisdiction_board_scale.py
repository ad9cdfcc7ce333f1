"""A jurisdiction's board at volume (PostgreSQL only): no statement of its page 1 scans `messages`, `cases` or
`jurisdiction_board`, with and without a keyword, for a city, a district and a street.

60,000 messages (a tenth private) with their cases are written with COPY inside the test's transaction, over
10 cities of 6 districts of 4 streets (most cases at a street, some at a district or a city, a few at the root);
`rebuild_board` fills `jurisdiction_board`, ANALYZE gives the planner the statistics, and each statement of a
page is explained with the planner settings the board runs it with (`tests/workflow/test_board_scale.py`).
A district holds about 1.5% of the cases (8,000 of a million: 0.8%), a city about 10%.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from minyi.jurisdictions.models import Jurisdiction
from minyi.messages.search import grams, search_grams_of
from minyi.nlp.display import public_search_text
from minyi.workflow import views
from minyi.workflow.jurisdiction_board import JurisdictionBoardRow, rebuild_board
from tests import factories as f
from tests.workflow.pg_copy import copy_rows
from tests.workflow.test_board_scale import FIRST_ID, PLACES, TOPICS, _explained, pytestmark  # noqa: F401

CASES = 60_000


def _tree(db: Session) -> list[Jurisdiction]:
    """10 cities × 6 districts × 4 streets; returns the streets, districts and cities."""
    nodes: list[Jurisdiction] = []
    for c in range(10):
        city = f.jurisdiction(db, name=f"C{c}市", level="city", slug=f"c{c}")
        nodes.append(city)
        for d in range(6):
            district = f.jurisdiction(db, name=f"C{c}D{d}区", parent=city, slug=f"c{c}-d{d}")
            nodes.append(district)
            nodes += [
                f.jurisdiction(db, name=f"C{c}D{d}S{s}街道", parent=district, level="street", slug=f"c{c}-d{d}-s{s}")
                for s in range(4)
            ]
    db.flush()
    return nodes


def _cases(conn: Connection, nodes: list[Jurisdiction]) -> None:
    rng = random.Random(31)
    now = datetime.now(UTC)
    streets = [n for n in nodes if n.level == "street"]
    upper = [n for n in nodes if n.level != "street"]
    messages, cases = [], []
    for n in range(CASES):
        mid = FIRST_ID + n
        place, topic = rng.choice(PLACES), rng.choice(TOPICS)
        title = f"{place}{topic}" if n % 5000 != 1 else "小区燃气泄漏"
        body = f"{place}附近{topic}已经{rng.randint(2, 30)}天了，联系电话139{n:08d}，请有关部门尽快处理。"
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        public = public_search_text(title, body, place)
        messages.append(
            (mid, title, body, "complaint", "城乡建设", place, n % 10 != 0, False, "import", f"j{mid}", "", created,
             public, grams(public), search_grams_of(title, body, place), grams(place))
        )  # fmt: skip
        draw = rng.random()
        holder = None if draw < 0.02 else rng.choice(upper).id if draw < 0.12 else rng.choice(streets).id
        status = "closed" if n % 3 else "in_progress"
        cases.append((mid, mid, status, None, 0, False, "", 0, False, False, created, now, holder))
    message_columns = "id title body appeal_kind domain place_text is_public is_anonymous source tracking_hash"
    message_columns += " client_hash created_at public_search_text public_search_grams search_grams place_grams"
    copy_rows(conn, "messages", message_columns.split(), messages)
    case_columns = "id message_id status department_id reopen_count escalated public_reason supports urgent"
    case_columns += " rated_unsatisfied received_at updated_at jurisdiction_id"
    copy_rows(conn, "cases", case_columns.split(), cases)


@pytest.fixture
def province(db: Session, connection: Connection) -> Iterator[list[Jurisdiction]]:
    """The tree and its 60,000 cases, on the boards, analysed by the planner."""
    nodes = _tree(db)
    _cases(connection, nodes)
    rebuild_board(db)
    connection.exec_driver_sql("ANALYZE")
    yield nodes


PAGES: list[dict[str, Any]] = [
    {},
    {"page": 2},
    {"q": "燃气泄漏"},  # a rare word
    {"q": "路灯"},
    {"q": "噪音 东湖街道"},
    {"q": "处理"},  # in every message
    {"status": "in_progress"},
    {"q": "停车", "status": "closed"},
]


def test_no_page_1_of_a_jurisdictions_board_scans_a_table(
    province: list[Jurisdiction], db: Session, connection: Connection
) -> None:
    """For a city, a district and a street: every statement of each page is explained; none scans `messages`,
    `cases` or `jurisdiction_board` whole; a page without a word is cut on the jurisdiction's board index."""
    city = province[0]
    district, street = province[1], province[2]
    scanning = []
    for where in (city, district, street):
        size = db.scalar(select(func.count()).where(JurisdictionBoardRow.jurisdiction_id == where.id))
        for params in PAGES:
            filters = views.parse_board_filters({k: str(v) for k, v in params.items()})
            filters.jurisdiction_id = where.id
            explained = _explained(db, connection, filters)
            used = {step for steps in explained for step in steps}
            if used & {"messages", "cases", "jurisdiction_board"}:
                scanning.append((where.name, params, used))
            if "q" not in params:
                assert "index:ix_jurisdiction_board_newest" in explained[-1], (where.name, params, explained)
            started = time.perf_counter()
            page = views.list_public_cases(db, filters=filters)
            elapsed = (time.perf_counter() - started) * 1000
            print(f"{where.name} ({size} public) {params}: {page.total_text}, {elapsed:.1f} ms, plan {sorted(used)}")
            assert page.items or page.total <= (filters.page - 1) * page.per_page, (where.name, params)
    assert scanning == []
    everything = views.list_public_cases(db, filters=views.BoardFilters(jurisdiction_id=district.id, q="处理"))
    held = db.scalar(select(func.count()).where(JurisdictionBoardRow.jurisdiction_id == district.id))
    assert everything.total == held  # every public message says 处理: the whole district, nothing else
