"""Web items linked to the open case they speak of, by a worker, and unlinked by a coordinator (audited)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from minyi.accounts.models import AuthEvent
from minyi.collect.models import WebItem, WebSource
from minyi.core.errors import PermissionDenied
from minyi.hot import services as hot
from minyi.hot.models import WebItemLink
from minyi.hot.web_links import match_new_web_items, related_cases, unlink_web_item, web_voices_of_case
from minyi.workflow.models import Case
from tests import factories as f

MIXER = ("丽发新城小区旁搅拌站夜间噪音扰民", "丽发新城小区附近的搅拌站每天夜里施工，噪音很大，粉尘也多，居民无法休息。")
WATER = ("春晖路积水严重", "春晖路与河西大道交叉口一下雨就积水，排水管道堵塞，出行困难，请尽快处理。")


def web_item(db: Session, source_id: int, name: str, title: str, body: str, **fields: Any) -> WebItem:
    """A collected web item as the collector stores it."""
    item = WebItem(
        source_id=source_id,
        url=f"http://127.0.0.1/{name}",
        canonical_url=f"http://127.0.0.1/{name}",
        kind="post",
        title=title,
        text=body,
        clean_text=body,
        author=fields.pop("author", "河西网友"),
        content_hash=hashlib.sha256(f"{name}{body}".encode()).hexdigest(),
        analysis={},
        urgent=False,
        **fields,
    )
    db.add(item)
    db.flush()
    return item


def web_source(db: Session) -> int:
    source = WebSource(name=f"青川论坛{id(db)}", kind="list", url="http://127.0.0.1/forum/", last_error="")
    db.add(source)
    db.flush()
    return source.id


@pytest.fixture
def arranged(db: Session) -> dict[str, int]:
    """Two open cases, a closed one, and web items: the same problem, another estate, a repeat, another topic."""
    mixer = f.message(db, title=MIXER[0], body=MIXER[1]).case.id
    f.message(db, title="图书馆开放时间太短", body="市图书馆周末下午五点就关门，希望延长开放时间。")
    closed = f.message(db, title=WATER[0], body=WATER[1]).case
    closed.status = "closed"  # answered and rated: no longer open
    db.flush()
    source = web_source(db)
    same = web_item(
        db,
        source,
        "a",
        "丽发新城搅拌站半夜还在施工",
        "丽发新城小区旁边的搅拌站夜里施工噪音扰民，粉尘很大，居民睡不着。",
    )
    return {
        "mixer": mixer,
        "closed": closed.id,
        "same": same.id,
        "elsewhere": web_item(
            db, source, "b", "金域华府小区旁搅拌站夜间噪音", "金域华府小区旁边的搅拌站夜里施工噪音扰民，粉尘很大。"
        ).id,
        "repeat": web_item(
            db,
            source,
            "c",
            "丽发新城搅拌站半夜还在施工",
            "丽发新城小区旁边的搅拌站夜里施工噪音扰民。",
            duplicate_of_id=same.id,
        ).id,
        "water": web_item(db, source, "d", "春晖路又积水了", "春晖路和河西大道路口一下雨就积水，排水管道堵塞。").id,
        "other": web_item(db, source, "e", "青川举办马拉松", "青川马拉松下周日开跑，部分道路临时交通管制。").id,
    }


def _links(db: Session) -> set[tuple[int, int]]:
    db.expire_all()
    return {(link.web_item_id, link.case_id) for link in db.scalars(select(WebItemLink))}


def test_a_web_item_is_linked_to_the_open_case_of_the_same_problem_and_place(
    session_factory: sessionmaker[Session], db: Session, arranged: dict[str, int]
) -> None:
    assert match_new_web_items(session_factory) == 0  # no similar-cases index yet: the items wait for it
    assert db.scalar(select(WebItem.id).where(WebItem.matched_at.is_not(None))) is None
    hot.refresh_similar_indexes(db)
    assert match_new_web_items(session_factory) == 1
    assert _links(db) == {(arranged["same"], arranged["mixer"])}  # not another estate, a repeat, a closed case
    assert db.scalar(select(WebItem.id).where(WebItem.matched_at.is_(None))) is None  # every item matched once
    assert match_new_web_items(session_factory) == 0  # nothing new: nothing read again
    assert related_cases(db, [arranged["same"], arranged["other"]]) == {arranged["same"]: [arranged["mixer"]]}
    voices = web_voices_of_case(db, case_id=arranged["mixer"])
    assert voices.total == 1 and voices.items[0].item_id == arranged["same"] and voices.items[0].score >= 0.3


def test_a_coordinator_unlinks_a_wrong_link_audited_and_it_is_never_made_again(
    session_factory: sessionmaker[Session], db: Session, arranged: dict[str, int]
) -> None:
    hot.refresh_similar_indexes(db)
    match_new_web_items(session_factory)
    link = db.scalars(select(WebItemLink)).one()
    with pytest.raises(PermissionDenied):
        unlink_web_item(db, user=f.user(db, role="handler", dept=f.department(db)), link_id=link.id)
    coordinator = f.user(db, role="coordinator")
    unlink_web_item(db, user=coordinator, link_id=link.id, reason="说的是另一个搅拌站")
    unlink_web_item(db, user=coordinator, link_id=link.id)  # twice: done once
    db.expire_all()
    assert link.unlinked_at is not None and link.unlinked_by_id == coordinator.id
    assert link.unlink_reason == "说的是另一个搅拌站"
    audits = db.scalars(select(AuthEvent).where(AuthEvent.kind == "web_link_removed")).all()
    assert len(audits) == 1 and f"办件 {arranged['mixer']}" in audits[0].detail
    assert web_voices_of_case(db, case_id=arranged["mixer"]).total == 0 and related_cases(db, [arranged["same"]]) == {}
    db.execute(update(WebItem).values(matched_at=None))  # matched again (say, a backlog replayed)
    match_new_web_items(session_factory)
    assert len(_links(db)) == 1  # the unlinked pair is kept and not made again


def test_an_item_taken_up_as_a_case_is_not_linked(
    session_factory: sessionmaker[Session], db: Session, arranged: dict[str, int]
) -> None:
    db.execute(update(WebItem).where(WebItem.id == arranged["same"]).values(case_id=arranged["mixer"]))
    hot.refresh_similar_indexes(db)
    match_new_web_items(session_factory)
    assert _links(db) == set()
    assert db.get(Case, arranged["mixer"]) is not None


def test_pending_items_are_found_by_the_index(db: Session) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip(
            "SQLite's EXPLAIN QUERY PLAN (PostgreSQL's planner reads a small table by a scan whatever its indexes)"
        )
    query = "EXPLAIN QUERY PLAN SELECT id FROM web_items WHERE matched_at IS NULL ORDER BY matched_at, id LIMIT 200"
    plan = " ".join(str(row[-1]) for row in db.execute(text(query)))
    assert "ix_web_items_matched_at_id" in plan and "TEMP B-TREE" not in plan
