"""The jurisdiction tree: creating, editing and importing it; scopes; placing texts; isolation in can_see."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, PermissionDenied, ValidationFailed
from minyi.jurisdictions import services as j
from minyi.jurisdictions.models import Jurisdiction
from minyi.workflow.models import Case
from minyi.workflow.services import can_see, in_jurisdiction
from tests import factories as f


def _city(db: Session) -> tuple[Jurisdiction, Jurisdiction, Jurisdiction, Jurisdiction]:
    city = f.jurisdiction(db, name="A市", level="city", areas="A市")
    east = f.jurisdiction(db, name="A2区", parent=city, areas="雨花区、雨花")
    west = f.jurisdiction(db, name="A5区", parent=city, areas=["岳麓区"])
    street = f.jurisdiction(db, name="桂花坪街道", parent=east, level="street", areas="桂花坪 幸福里社区")
    return city, east, west, street


def test_paths_and_subtree_scopes(db: Session) -> None:
    city, east, west, street = _city(db)
    assert street.path == f"/1/{city.id}/{east.id}/{street.id}/"
    assert street.depth == 3
    ids = set(db.scalars(j.subtree_ids(east.path)))
    assert ids == {east.id, street.id}
    assert j.in_scope(street.path, east.path) and not j.in_scope(west.path, east.path)
    assert j.in_scope("", "")  # the root's staff see everything, NULL rows included
    assert not j.in_scope("", east.path)  # a case of the root is not a district's
    assert [a.name for a in j.ancestors(db, street)] == ["本级", "A市", "A2区"]


def test_a_bad_tree_edit_is_a_clear_error(db: Session) -> None:
    city, east, _west, _street = _city(db)
    with pytest.raises(Conflict):
        f.jurisdiction(db, name="A2区", parent=city)
    with pytest.raises(ValidationFailed, match="网址代号"):
        f.jurisdiction(db, name="A9区", parent=city, slug="Bad Slug")
    with pytest.raises(ValidationFailed, match="级别"):
        f.jurisdiction(db, name="A9区", parent=city, level="galaxy")
    with pytest.raises(ValidationFailed, match="根辖区不能停用"):
        root = j.root(db)
        j.update_jurisdiction(
            db, jurisdiction_id=root.id, name=root.name, level=root.level, slug=root.slug, areas="", leaders="",
            is_active=False,
        )  # fmt: skip
    node, changes = j.update_jurisdiction(
        db, jurisdiction_id=east.id, name="A2区", level="district", slug=east.slug, areas="雨花区、雨花、东塘",
        leaders="书记、区长", deadline_days={"complaint": "10"},
    )  # fmt: skip
    assert node.areas == ["雨花区", "雨花", "东塘"] and node.leaders == ["书记", "区长"]
    assert changes["deadline_days"] == ({}, {"complaint": 10})


def test_import_creates_the_tree_adds_names_and_refuses_a_bad_file_whole(db: Session) -> None:
    content = (
        "名称,级别,上级,网址代号,地名,领导信箱\n"
        "A市,市,,a-city,A市,书记、市长\n"
        "A2区,区,A市,a2,雨花区、雨花,\n"
        "桂花坪街道,街道,A市/A2区,guihuaping,桂花坪、幸福里社区,\n"
    )
    result = j.import_tree(db, content)
    assert (result.created, result.updated) == (3, 0)
    again = j.import_tree(db, content.replace("雨花区、雨花", "雨花区、东塘"))
    assert (again.created, again.updated) == (0, 1)
    east = db.scalar(select(Jurisdiction).where(Jurisdiction.slug == "a2"))
    assert east is not None and east.areas == ["雨花区", "雨花", "东塘"]
    before = db.scalar(select(Jurisdiction.id).order_by(Jurisdiction.id.desc()))
    with pytest.raises(ValidationFailed) as error:
        j.import_tree(db, content + "B街道,街道,A市/不存在,b-street,,\nC区,星系,A市,c-district,,\n")
    assert "第 5 行" in str(error.value) and "第 6 行" in str(error.value)
    db.rollback()
    assert db.scalar(select(Jurisdiction.id).order_by(Jurisdiction.id.desc())) <= (before or 0)


def test_placing_text_uses_the_active_tree(db: Session) -> None:
    _city_nodes = _city(db)
    placed = j.place_text(db, ["幸福里社区路灯不亮"])
    assert placed is not None and placed.jurisdiction_id == _city_nodes[3].id


def test_staff_see_their_jurisdiction_and_below_only(db: Session) -> None:
    city, east, west, street = _city(db)
    dept = f.department(db)
    sub = f.message(db)
    case = db.get(Case, sub.case.id)
    assert case is not None
    case.jurisdiction_id = street.id
    db.flush()
    db.refresh(case)
    for place, sees in ((None, True), (city, True), (east, True), (street, True), (west, False)):
        coordinator = f.user(db, role="coordinator", jurisdiction=place)
        assert in_jurisdiction(case, f.actor(coordinator)) is sees, place
        assert can_see(case, f.actor(coordinator)) is sees, place
    handler = f.user(db, role="handler", dept=dept, jurisdiction=east)
    assert not can_see(case, f.actor(handler))  # in the jurisdiction, but another department's case


def test_a_scope_narrows_to_one_jurisdiction_within_it_only(db: Session) -> None:
    city, east, west, street = _city(db)
    assert j.narrow_scope(db, "", None) == "" and j.narrow_scope(db, east.path, None) == east.path
    assert j.narrow_scope(db, "", west.id) == west.path  # the root's staff pick any
    assert j.narrow_scope(db, city.path, street.id) == street.path
    assert j.narrow_scope(db, "", j.ROOT_ID) == ""  # the root itself: everything
    for scope, chosen in ((east.path, west.id), (east.path, city.id), (street.path, east.id), (east.path, 10**9)):
        with pytest.raises(PermissionDenied):
            j.narrow_scope(db, scope, chosen)
