"""The demo data set: a city with two districts and two streets each, departments and staff at each level, and the
messages spread over the levels by their places (loaded once)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent, User
from minyi.demo import MESSAGES, load_demo
from minyi.departments.models import Department
from minyi.jurisdictions import services as jurisdictions
from minyi.workflow.actors import Actor
from minyi.workflow.models import Case
from minyi.workflow.services import can_see


def _level_of(case: Case) -> str:
    return "city" if case.jurisdiction is None else case.jurisdiction.level


def test_the_demo_tree_departments_and_staff_per_level(db: Session) -> None:
    result = load_demo(db)
    assert result.created and not load_demo(db).created  # once
    city = jurisdictions.root(db)
    assert (city.name, city.level, city.slug, city.leaders) == ("示范市", "city", "shifan", ["书记", "市长"])
    districts = jurisdictions.children(db, city.id)
    assert sorted(d.name for d in districts) == ["东湖区", "西山区"] and all(d.level == "district" for d in districts)
    for district in districts:
        streets = jurisdictions.children(db, district.id)
        assert len(streets) == 2 and all(s.level == "street" and s.areas for s in streets)
    by_name = {j.name: j for j in jurisdictions.tree(db)}
    by_id = {j.id: j for j in by_name.values()}
    offices = db.scalars(select(Department).where(Department.name.like("%街道办事处"))).all()
    assert len(offices) == 4 and all(by_id[o.jurisdiction_id or 1].level == "street" for o in offices)
    assert db.scalar(select(Department.jurisdiction_id).where(Department.name == "市交通运输局")) is None  # the city
    users = {u.username: u for u in db.scalars(select(User))}
    assert users["coordinator"].jurisdiction_id is None
    assert (
        users["donghu"].jurisdiction_id == by_name["东湖区"].id
        and users["xishan"].jurisdiction_id == by_name["西山区"].id
    )
    assert users["qingshan"].jurisdiction_id == by_name["青山街道"].id
    office = users["qingshan.ban"]
    assert (
        office.role.value == "handler"
        and office.department is not None
        and office.department.name == "东湖区青山街道办事处"
    )
    assert {login[0] for login in result.logins} == set(users)
    added = db.scalars(select(AuthEvent.detail).where(AuthEvent.kind == "jurisdiction_added")).all()
    assert len(added) == 6  # the tree is in the account audit like an admin's change


def test_the_demo_messages_are_spread_over_the_levels_by_their_places(db: Session) -> None:
    load_demo(db)
    cases = list(db.scalars(select(Case)))
    assert len(cases) == len(MESSAGES)
    levels = Counter(_level_of(c) for c in cases)
    assert levels["city"] >= 3 and levels["district"] >= 3 and levels["street"] >= 6, levels
    placed = {c.message.title: c for c in cases}
    noise = placed["夜间施工噪音扰民，影响休息"]
    assert noise.jurisdiction is not None and noise.jurisdiction.name == "青山街道"
    assert "幸福里小区" in noise.jurisdiction_reason
    office = db.get(Department, noise.department_id)
    assert office is not None and office.name == "东湖区青山街道办事处" and noise.status == "replied"
    # every assigned case went to a department of its own jurisdiction, by a coordinator who may see it
    for case in cases:
        if case.department_id is not None:
            dept = db.get(Department, case.department_id)
            assert dept is not None and dept.jurisdiction_id == case.jurisdiction_id, case.message.title
    users = {u.username: u for u in db.scalars(select(User))}
    west = Actor.from_user(users["xishan"])
    assert can_see(noise, west) is False and can_see(noise, Actor.from_user(users["donghu"])) is True
