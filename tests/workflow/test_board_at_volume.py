"""The public board at volume: keyword search through the index over the masked text (the results of the LIKE it
replaced), its privacy, the total counted up to 10,000 ("10,000+" beyond), the deepest page, and the filters.

Runs on SQLite and, under `make test-postgres`, on PostgreSQL. The plans at 60,000 cases: test_board_scale.py.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from minyi.messages.models import Message
from minyi.messages.search import grams
from minyi.nlp.display import public_search_text
from minyi.workflow import views
from minyi.workflow.models import Case
from tests import factories as f

FIRST_ID = 70_000_000  # above any id the rest of the suite's sequences hand out
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PLACES = ["幸福路小区", "长江大桥", "人民公园", "城南中学", "东湖街道", "3号楼", "12栋"]
THINGS = ["路灯", "噪音", "垃圾", "停车", "物业", "wifi信号", "公交站"]
PROBLEMS = ["不亮", "扰民", "没人清理", "收费不合理", "长期未解决", "需要维修"]
FILLERS = ["请尽快处理", "已经两周了", "谢谢", "多次反映无果", "希望有关部门重视", "晚上出行很不安全"]
DOMAINS = ["城乡建设", "环境保护", "交通运输"]
KINDS = ["complaint", "help", "inquiry"]
STATUSES = ["submitted", "assigned", "in_progress", "closed"]


def insert_public_messages(
    connection: Connection, texts: list[tuple[str, str, str]], *, values: list[dict[str, Any]] | None = None
) -> list[int]:
    """Messages (title, body, place) with their cases in two executemany, as an import writes them: the derived
    columns (the masked text and its bigrams) come from the column defaults. Returns the message ids."""
    ids = [FIRST_ID + n for n in range(len(texts))]
    extra = values or [{} for _ in texts]
    connection.execute(
        insert(Message),
        [
            {
                "id": mid,
                "title": title,
                "body": body,
                "place_text": place,
                "appeal_kind": "complaint",
                "is_public": True,
                "source": "import",
                "tracking_hash": f"board-{mid}",
                "created_at": NOW - timedelta(minutes=n),
            }
            | {k: v for k, v in more.items() if k in {"appeal_kind", "domain", "is_public"}}
            for n, (mid, (title, body, place), more) in enumerate(zip(ids, texts, extra, strict=True))
        ],
    )
    connection.execute(
        insert(Case),
        [
            {
                "id": mid,
                "message_id": mid,
                "status": more.get("status", "submitted"),
                "department_id": more.get("department_id"),
                "received_at": NOW - timedelta(minutes=n),
            }
            for n, (mid, more) in enumerate(zip(ids, extra, strict=True))
        ],
    )
    if len(texts) > 1000:  # the planner's statistics, as autovacuum keeps them (left stale, it may plan for none)
        connection.exec_driver_sql(
            "ANALYZE messages" if connection.dialect.name == "sqlite" else "ANALYZE messages, cases"
        )
    return ids


def _sample(connection: Connection, departments: list[int]) -> None:
    """300 varied public messages (and 20 private ones) with phone numbers, digits, English and punctuation."""
    rng = random.Random(16)
    texts, values = [], []
    for n in range(320):
        place, thing, problem = rng.choice(PLACES), rng.choice(THINGS), rng.choice(PROBLEMS)
        sep = rng.choice(["", "，", "。", " ", "！"])
        phone = f"，电话13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" if n % 3 == 0 else ""
        body = f"{place}的{thing}{problem}{sep}{rng.choice(FILLERS)}{phone}。第{rng.randint(1, 40)}次反映"
        texts.append((f"{thing}{problem}", body, place if n % 2 else ""))
        values.append(
            {
                "domain": rng.choice(DOMAINS),
                "appeal_kind": rng.choice(KINDS),
                "status": rng.choice(STATUSES),
                "department_id": rng.choice([None, *departments]),
                "is_public": n < 300,
            }
        )
    insert_public_messages(connection, texts, values=values)


def _like_reference(db: Session, filters: views.BoardFilters) -> list[int]:
    """The board's query before migration 0016: each word a LIKE '%word%' over the masked text."""
    query = select(Case.id).join(Message).where(Message.is_public.is_(True))
    if filters.domain:
        query = query.where(Message.domain == filters.domain)
    if filters.appeal_kind:
        query = query.where(Message.appeal_kind == filters.appeal_kind)
    if filters.department_id:
        query = query.where(Case.department_id == filters.department_id)
    if filters.status:
        query = query.where(Case.status == filters.status)
    for term in filters.q.split()[:5]:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Message.public_search_text.like(f"%{escaped}%", escape="\\"))
    return list(db.scalars(query.order_by(Message.created_at.desc(), Message.id.desc())))


def _board(db: Session, **params: Any) -> list[int]:
    filters = views.parse_board_filters({k: str(v) for k, v in params.items()})
    return [c.id for c in views.list_public_cases(db, filters=filters, per_page=1000).items]


QUERIES = [
    "路灯",
    "路灯不亮",
    "灯",
    "不亮 幸福路",
    "wifi",
    "wifi信号",
    "3号楼",
    "12",
    "第3次",
    "需要维修 请尽快处理",
    "公交站收费不合理",
    "的",
    "火星基地",
    "亮灯路",  # the characters of a word in another order
    "扰民已经",  # across a punctuation mark in some messages, not in others
    "谢谢 路灯 东湖 1",
]
FILTERS: list[dict[str, Any]] = [
    {},
    {"domain": "环境保护"},
    {"appeal_kind": "help"},
    {"status": "closed"},
    {"domain": "城乡建设", "status": "in_progress"},
]


@pytest.mark.parametrize("count_max", [views.COUNT_MAX, 10])
def test_keyword_results_equal_the_like_they_replaced(
    db: Session, connection: Connection, monkeypatch: pytest.MonkeyPatch, count_max: int
) -> None:
    """On a varied sample, every word and filter combination finds what the LIKE found, in the same order —
    also when more than COUNT_MAX match and a page walks the date index instead (count_max=10)."""
    departments = [f.department(db).id for _ in range(3)]
    db.flush()
    _sample(connection, departments)
    monkeypatch.setattr(views, "COUNT_MAX", count_max)
    checked = 0
    for q in QUERIES:
        for extra in [*FILTERS, {"department_id": departments[0]}]:
            params = {"q": q, **extra}
            expected = _like_reference(db, views.parse_board_filters({k: str(v) for k, v in params.items()}))
            assert _board(db, **params) == expected, params
            checked += bool(expected)
    assert checked > 40  # most combinations find something: the comparison is not of empty lists
    assert _board(db) == _like_reference(db, views.BoardFilters())


def test_search_folds_case_and_width_and_splits_at_punctuation(db: Session) -> None:
    """Where the index differs from the LIKE, on purpose: words are compared as staff search compares them."""
    wide = f.message(db, title="ＷｉＦｉ信号很差", body="小区的ＷｉＦｉ经常断线，请运营商尽快处理。").case
    assert _board(db, q="wifi") == [wide.id]  # full-width and upper case fold (NFKC, lower case)
    assert _board(db, q="WIFI信号") == [wide.id]
    assert _board(db, q="断线，请") == [wide.id]  # a punctuation mark separates two words, each must match
    assert _board(db, q="断线请") == []  # a word never matches across punctuation


PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


def test_private_numbers_are_never_found_but_the_public_words_are(client: TestClient, db: Session) -> None:
    """A phone number or ID number in the original is masked in what the board's index holds: neither it nor the
    digits the mask hides find the message, on the page or in the API; the words the public sees do."""
    sub = f.message(
        db,
        title="身份证丢失求助",
        body=f"我的身份证{ID_NUMBER}在公交站丢失，捡到请打{PHONE}，路灯下面的长椅附近。",
    )
    stored = db.get(Message, sub.message.id)
    assert stored is not None and "13 38 81" in stored.search_grams  # the staff index has the number, on purpose
    assert "81" not in stored.public_search_grams.split() and "12 23 34" not in stored.public_search_grams
    for found in ("身份证丢失", "长椅", "138****5678", "路灯 公交站"):
        assert _board(db, q=found) == [sub.case.id], found
    hidden = [PHONE, "1381", "12345678", "2345", ID_NUMBER, "19491231", "1949", "0519", "110105", "1002"]
    for probe in hidden:
        assert _board(db, q=probe) == [], probe
        assert client.get("/api/v1/cases", params={"q": probe}).json()["total"] == 0, probe
        assert f'/cases/{sub.case.id}"' not in client.get("/board", params={"q": probe}).text, probe


def test_the_total_is_exact_up_to_the_cap(db: Session, connection: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    insert_public_messages(connection, [("路灯不亮", "幸福路的路灯不亮，请尽快维修。", "")] * 6)
    monkeypatch.setattr(views, "COUNT_MAX", 6)
    page = views.list_public_cases(db, filters=views.BoardFilters(q="路灯"))
    assert (page.total, page.capped, page.total_text) == (6, False, "6")
    monkeypatch.setattr(views, "COUNT_MAX", 5)
    page = views.list_public_cases(db, filters=views.BoardFilters(q="路灯"))
    assert (page.total, page.capped, page.total_text) == (5, True, "5+")
    assert len(page.items) == 6  # the page shows the cases; only the count stops


def test_past_ten_thousand_the_page_says_so_and_the_deepest_page_works(
    client: TestClient, db: Session, connection: Connection
) -> None:
    """10,001 public cases: "10,000+ 条", 500 pages; page 500 is read (the last exactly known rows), page 501
    asks to narrow the search instead of reading past the 10,000th case."""
    texts = [(f"第{n}号路灯不亮", f"幸福路第{n}号路灯不亮，晚上出行很不安全。", "") for n in range(10_001)]
    ids = insert_public_messages(connection, texts)
    first = client.get("/board")
    assert first.status_code == 200 and "共 10,000+ 条" in first.text and "第 1 / 500 页" in first.text
    assert f'/cases/{ids[0]}"' in first.text  # newest first
    api = client.get("/api/v1/cases", params={"q": "路灯不亮"}).json()
    assert (api["total"], api["total_capped"], api["total_text"], api["pages"]) == (10_000, True, "10,000+", 500)
    last = client.get("/board", params={"page": 500})
    assert last.status_code == 200 and f'/cases/{ids[9_999]}"' in last.text and f'/cases/{ids[9_980]}"' in last.text
    assert "下一页" not in last.text and "请用关键词或筛选缩小范围" in last.text
    beyond = client.get("/board", params={"page": 501, "q": "路灯"})
    assert beyond.status_code == 200 and "只能翻看前 500 页，请用关键词或筛选缩小范围" in beyond.text
    assert "没有符合条件的留言" in beyond.text and "page=500" in beyond.text
    assert client.get("/api/v1/cases", params={"page": 501}).json()["items"] == []
    narrowed = client.get("/api/v1/cases", params={"q": "第1234号路灯"}).json()
    assert (narrowed["total"], narrowed["total_capped"], narrowed["total_text"]) == (1, False, "1")
    small = client.get("/board", params={"page": 600, "q": "第1234号路灯"}).text
    assert "只能翻看前 500 页" in small and "回到第 1 页" in small and "上一页" not in small
    assert "第 600 页（共 1 页）" in small and "600 / 1" not in small  # not "第 600 / 1 页"


def test_filters_combine_with_the_keyword(db: Session) -> None:
    dept, other = f.department(db), f.department(db)
    ours, _c, _h = f.case_in_progress(db, dept, title="路灯不亮", domain="城乡建设", appeal_kind="help")
    theirs, _c, _h = f.case_in_progress(db, other, title="路灯不亮", domain="城乡建设", appeal_kind="help")
    new = f.message(db, title="路灯不亮", domain="环境保护").case
    assert _board(db, q="路灯", department_id=dept.id) == [ours.case.id]
    assert _board(db, q="路灯", status="in_progress") == [theirs.case.id, ours.case.id]
    assert _board(db, q="路灯", domain="环境保护") == [new.id]
    assert _board(db, q="路灯", appeal_kind="help", domain="城乡建设") == [theirs.case.id, ours.case.id]
    assert _board(db, q="路灯", status="submitted", domain="城乡建设") == []


def test_messages_get_their_board_grams_on_every_insert(db: Session) -> None:
    sub = f.message(db, body=f"楼下商铺噪音扰民，请联系我 {PHONE} 了解情况。")
    stored = db.get(Message, sub.message.id)
    assert stored is not None
    assert stored.public_search_grams == grams(public_search_text(stored.title, stored.body, stored.place_text))


def test_sqlite_board_pages_come_from_the_indexes(db: Session, connection: Connection) -> None:
    """SQLite's plan of a board page: the date index without a keyword, the search table with one; `messages`
    is never scanned whole (PostgreSQL's plans at 60,000 cases: test_board_scale.py)."""
    if connection.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    for filters, index in [
        (views.BoardFilters(), "ix_messages_public_created"),
        (views.BoardFilters(status="closed"), "ix_messages_public_created"),
        (views.BoardFilters(q="路灯"), "messages_fts_public"),
        (views.BoardFilters(q="路灯 维修", domain="城乡建设"), "messages_fts_public"),
    ]:
        for walk in (False, True):
            ids, order = views._board_query(db, filters, walk=walk)
            query = ids.order_by(*order).limit(20)
            compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
            params = tuple(compiled.params[key] for key in compiled.positiontup or ())
            plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)]
            assert any(index in step for step in plan), (filters, plan)
            assert not any(step.startswith(("SCAN messages ", "SCAN cases")) for step in plan), (filters, plan)
            assert walk is False or any("USING COVERING INDEX ix_messages_public_" in step for step in plan), plan


def test_postgresql_planner_settings_are_put_back(db: Session, connection: Connection) -> None:
    """The planner settings of a keyword search hold for its own statements only."""
    if connection.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner settings")
    settings = (
        "SELECT current_setting('enable_seqscan'), current_setting('enable_bitmapscan'), current_setting('work_mem')"
    )
    before = connection.exec_driver_sql(settings).one()
    f.message(db, title="路灯不亮", body="幸福路的路灯不亮，请尽快维修。")
    for capped in (False, True):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(views, "COUNT_MAX", 0 if capped else views.COUNT_MAX)
            assert views.list_public_cases(db, filters=views.BoardFilters(q="路灯 不亮")).items
        assert connection.exec_driver_sql(settings).one() == before
