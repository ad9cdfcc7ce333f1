"""A jurisdiction's public board (`jurisdiction_board`): its subtree's public cases only, kept in the flush that
creates a case, moves it (下派 / 上报) or publishes or withholds it; its search; the migration's backfill."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from minyi.jurisdictions.models import Jurisdiction
from minyi.workflow import views
from minyi.workflow.jurisdiction_board import JurisdictionBoardRow, rebuild_board
from minyi.workflow.models import Case
from tests import factories as f


@dataclass
class Tree:
    city: Jurisdiction
    east: Jurisdiction  # a district of the city
    west: Jurisdiction  # its sibling
    street: Jurisdiction  # a street of `east`


def _tree(db: Session) -> Tree:
    city = f.jurisdiction(db, name="A市", level="city")
    east = f.jurisdiction(db, name="A2区", parent=city)
    west = f.jurisdiction(db, name="A5区", parent=city)
    street = f.jurisdiction(db, name="桂花坪街道", parent=east, level="street")
    return Tree(city, east, west, street)


def _case(db: Session, where: Jurisdiction | None, title: str, *, public: bool = True) -> Case:
    body = f"{title}，已经两周了，联系电话13800138000，请尽快处理。"
    case = f.message(db, title=title, body=body, place_text="", is_public=public).case
    case.jurisdiction_id = where.id if where is not None else None  # as routing or a move sets it
    db.flush()
    return case


def _board(db: Session, where: Jurisdiction, **filters: str) -> list[int]:
    parsed = views.parse_board_filters(filters)
    parsed.jurisdiction_id = where.id
    return [c.id for c in views.list_public_cases(db, filters=parsed).items]


def test_a_district_board_holds_its_and_its_streets_public_cases_never_a_siblings(db: Session) -> None:
    t = _tree(db)
    at_root = _case(db, None, "市民广场噪音扰民")
    at_city = _case(db, t.city, "全市公交线路调整建议")
    in_east = _case(db, t.east, "东区路灯不亮")
    in_street = _case(db, t.street, "桂花坪小区停车难")
    in_west = _case(db, t.west, "西区路灯不亮")
    private = _case(db, t.east, "东区私密留言", public=False)
    assert _board(db, t.east) == [in_street.id, in_east.id]  # newest first
    assert _board(db, t.street) == [in_street.id]
    assert _board(db, t.west) == [in_west.id]
    assert set(_board(db, t.city)) == {at_city.id, in_east.id, in_street.id, in_west.id}
    everything = [c.id for c in views.list_public_cases(db, filters=views.BoardFilters()).items]
    assert at_root.id in everything and private.id not in everything  # the root's board is every public case
    page = views.list_public_cases(db, filters=views.BoardFilters(jurisdiction_id=t.east.id))
    assert page.total == 2 and not page.capped


def test_a_keyword_and_filters_search_within_the_subtree(db: Session) -> None:
    t = _tree(db)
    east = _case(db, t.east, "东区路灯不亮")
    street = _case(db, t.street, "桂花坪路灯闪烁")
    _case(db, t.west, "西区路灯不亮")
    _case(db, t.east, "东区垃圾清运不及时")
    assert _board(db, t.east, q="路灯") == [street.id, east.id]
    assert _board(db, t.street, q="路灯") == [street.id]
    assert _board(db, t.east, q="路灯 东区") == [east.id]
    assert _board(db, t.east, q="地铁") == []
    assert _board(db, t.east, q="路灯", status="submitted") == [street.id, east.id]
    assert _board(db, t.east, q="路灯", status="closed") == []
    assert _board(db, t.east, q="13800138000") == []  # the phone in every body is masked on the public text


def test_a_move_and_a_publication_change_the_boards_in_the_same_flush(db: Session) -> None:
    t = _tree(db)
    case = _case(db, t.city, "跨区道路积水")
    assert _board(db, t.east) == [] and _board(db, t.city) == [case.id]
    case.jurisdiction_id = t.street.id  # 下派 to a street of the east district
    db.flush()
    assert _board(db, t.east) == [case.id] and _board(db, t.street) == [case.id] and _board(db, t.city) == [case.id]
    case.jurisdiction_id = t.west.id  # 上报, then down to the sibling
    db.flush()
    assert _board(db, t.east) == [] and _board(db, t.street) == [] and _board(db, t.west) == [case.id]
    case.message.is_public = False  # withheld after review
    db.flush()
    assert _board(db, t.west) == [] and _board(db, t.city) == []
    case.message.is_public = True
    db.flush()
    assert _board(db, t.west) == [case.id]
    case.jurisdiction_id = None  # back to the root: on no jurisdiction's board but the root's
    db.flush()
    assert db.scalars(select(JurisdictionBoardRow).where(JurisdictionBoardRow.case_id == case.id)).all() == []


def _rows(db: Session) -> set[tuple[int, int]]:
    return {(r.jurisdiction_id, r.case_id) for r in db.scalars(select(JurisdictionBoardRow))}


def test_the_rebuild_and_the_migrations_backfill_write_what_the_hook_wrote(db: Session) -> None:
    t = _tree(db)
    for where, title in ((t.city, "市级"), (t.east, "东区"), (t.street, "街道"), (t.west, "西区"), (None, "本级")):
        _case(db, where, f"{title}反映的问题")
    _case(db, t.street, "街道私密", public=False)
    kept = _rows(db)
    assert len(kept) == 1 + 2 + 3 + 2  # a row per jurisdiction holding each public case, the root left out
    db.execute(delete(JurisdictionBoardRow))
    assert rebuild_board(db) == 5
    assert _rows(db) == kept
    db.execute(delete(JurisdictionBoardRow))
    migration = importlib.import_module("minyi.migrations.versions.0031_jurisdiction_board")
    db.execute(text(migration.BACKFILL))
    assert _rows(db) == kept
