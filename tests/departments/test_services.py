"""Departments: the tree, domains and keywords."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, ValidationFailed
from minyi.departments import services as ds
from tests import factories as f


def test_tree_is_depth_first(db: Session) -> None:
    root = ds.create_department(db, name="测试市政府")
    child = ds.create_department(
        db, name="测试市交通局", parent_id=root.id, domains=["交通运输"], keywords="公交， 地铁,  ,出租车"
    )
    ds.create_department(db, name="测试市交通局运输科", parent_id=child.id)
    tree = [(n.department.name, n.depth) for n in ds.department_tree(db) if n.department.name.startswith("测试市")]
    assert tree == [("测试市政府", 0), ("测试市交通局", 1), ("测试市交通局运输科", 2)]
    assert child.keywords == ["公交", "地铁", "出租车"]


def test_the_menu_has_the_lines_of_the_tree(db: Session) -> None:
    root = ds.create_department(db, name="菜单市政府")
    child = ds.create_department(db, name="菜单市交通局", parent_id=root.id)
    ds.create_department(db, name="菜单市交通局运输科", parent_id=child.id)
    ds.create_department(db, name="菜单市档案馆")
    ds.update_department(db, department_id=child.id, domains=[], keywords="", is_active=False)
    for active_only in (False, True):
        tree = [(n.department.id, n.department.name, n.depth) for n in ds.department_tree(db, active_only=active_only)]
        menu = [(n.department.id, n.department.name, n.depth) for n in ds.department_menu(db, active_only=active_only)]
        assert menu == tree and len(menu) >= 3


def test_department_rules(db: Session) -> None:
    ds.create_department(db, name="唯一部门")
    with pytest.raises(Conflict):
        ds.create_department(db, name="唯一部门")
    with pytest.raises(ValidationFailed, match="领域"):
        ds.create_department(db, name="新部门甲", domains=["不存在的领域"])
    with pytest.raises(ValidationFailed, match="上级"):
        ds.create_department(db, name="新部门乙", parent_id=99999)
    with pytest.raises(ValidationFailed):
        ds.create_department(db, name="")


def test_deactivated_departments_cannot_receive_cases(db: Session) -> None:
    from minyi.workflow import services as wf
    from tests import factories as f

    dept = ds.create_department(db, name="将停用部门")
    ds.update_department(db, department_id=dept.id, domains=[], keywords="", is_active=False)
    sub = f.message(db)
    with pytest.raises(ValidationFailed, match="承办部门"):
        wf.assign(db, actor=f.actor(f.user(db, role="coordinator")), case_id=sub.case.id, department_id=dept.id)


def test_a_department_serves_a_checked_jurisdiction_within_the_admin_scope(db: Session) -> None:
    district = f.jurisdiction(db, name="部门区", slug="dept-district")
    street = f.jurisdiction(db, name="部门街道", level="street", parent=district, slug="dept-street")
    other = f.jurisdiction(db, name="部门别区", slug="dept-other")
    government = ds.create_department(db, name="部门区人民政府", jurisdiction_id=district.id)
    office = ds.create_department(db, name="部门街道办事处", parent_id=government.id, jurisdiction_id=street.id)
    assert office.jurisdiction_id == street.id
    assert ds.create_department(db, name="根辖区部门", jurisdiction_id=1).jurisdiction_id is None
    with pytest.raises(ValidationFailed, match="同一辖区或其上级辖区"):  # a district body under a street office
        ds.create_department(db, name="部门区住建局", parent_id=office.id, jurisdiction_id=district.id)
    with pytest.raises(ValidationFailed, match="请选择有效的辖区"):
        ds.create_department(db, name="越界部门", jurisdiction_id=other.id, scope=district.path)
    with pytest.raises(ValidationFailed, match="请选择部门所属辖区"):
        ds.create_department(db, name="根部门", scope=district.path)
    scoped = [n.department.name for n in ds.department_tree(db, scope=district.path)]
    assert scoped == ["部门区人民政府", "部门街道办事处"]
    with pytest.raises(ValidationFailed, match="部门不存在"):
        ds.update_department(db, department_id=office.id, domains=[], keywords="", is_active=True, scope=other.path)
    ds.update_department(db, department_id=office.id, domains=[], keywords="", is_active=True)
    assert office.jurisdiction_id == street.id  # not given: unchanged
