"""Department use cases: create, edit and list the tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minyi.core.db import get_by_id
from minyi.core.errors import Conflict, ValidationFailed
from minyi.core.validation import text_field
from minyi.departments.merge import not_merged
from minyi.departments.models import Department
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import chosen_jurisdiction, in_scope, path_of, within
from minyi.nlp.labels import DOMAINS


def _domains(values: Any) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        raise ValidationFailed("领域格式不正确", field="domains")
    bad = [v for v in values if v not in DOMAINS]
    if bad:
        raise ValidationFailed(f"未知的领域：{'、'.join(map(str, bad))}", field="domains")
    return list(dict.fromkeys(values))


def _keywords(raw: Any) -> list[str]:
    text = text_field(raw or "", field="keywords", label="关键词", max_len=1000, required=False)
    return [w for w in (part.strip() for part in text.replace("，", ",").split(",")) if w][:50]


def _jurisdiction(session: Session, raw: Any, *, scope: str) -> Jurisdiction | None:
    """The jurisdiction a department serves: empty is the root (for those who manage the root only); else an
    active jurisdiction within `scope` (an admin's subtree, "" everything)."""
    return chosen_jurisdiction(session, raw, scope=scope, missing="请选择部门所属辖区（您只能管理本辖区及其下级）")


def _check_parent(session: Session, parent: Department, place: Jurisdiction | None, scope: str) -> None:
    """A parent department lies within the admin's scope and in the department's jurisdiction or above it."""
    parent_path = path_of(session, parent.jurisdiction_id)
    if not in_scope(parent_path, scope):
        raise ValidationFailed("上级部门不存在", field="parent_id")
    own_path = place.path if place is not None else path_of(session, None)
    if not own_path.startswith(parent_path):
        raise ValidationFailed("上级部门须属于同一辖区或其上级辖区", field="parent_id")


def create_department(
    session: Session,
    *,
    name: Any,
    parent_id: Any = None,
    domains: Any = None,
    keywords: Any = "",
    jurisdiction_id: Any = None,
    scope: str = "",
) -> Department:
    """A new department, optionally under a parent, serving `jurisdiction_id` (empty: the root). `scope` is the
    acting admin's (minyi.accounts.services.admin_scope): the department and its parent must lie within it."""
    title = text_field(name, field="name", label="部门名称", max_len=100, min_len=2).strip()
    if session.scalar(select(Department).where(Department.name == title)) is not None:
        raise Conflict(f"部门“{title}”已存在")
    place = _jurisdiction(session, jurisdiction_id, scope=scope)
    parent = None
    if parent_id not in (None, ""):
        parent = get_by_id(session, Department, parent_id)
        if parent is None:
            raise ValidationFailed("上级部门不存在", field="parent_id")
        _check_parent(session, parent, place, scope)
    dept = Department(
        name=title,
        parent_id=parent.id if parent else None,
        domains=_domains(domains),
        keywords=_keywords(keywords),
        jurisdiction_id=None if place is None or place.parent_id is None else place.id,
    )
    session.add(dept)
    session.flush()
    return dept


KEEP: Any = object()  # update_department's jurisdiction_id when the caller does not change it


def update_department(
    session: Session,
    *,
    department_id: Any,
    domains: Any,
    keywords: Any,
    is_active: bool,
    jurisdiction_id: Any = KEEP,
    scope: str = "",
) -> Department:
    """Change what a department handles, the jurisdiction it serves, or (de)activate it; within `scope` only.
    Its past cases stay where they are."""
    dept = get_by_id(session, Department, department_id)
    if dept is None or not in_scope(path_of(session, dept.jurisdiction_id), scope):
        raise ValidationFailed("部门不存在", field="department_id")
    if jurisdiction_id is not KEEP:
        place = _jurisdiction(session, jurisdiction_id, scope=scope)
        parent = get_by_id(session, Department, dept.parent_id) if dept.parent_id is not None else None
        if parent is not None:
            _check_parent(session, parent, place, "")
        dept.jurisdiction_id = None if place is None or place.parent_id is None else place.id
    dept.domains = _domains(domains)
    dept.keywords = _keywords(keywords)
    dept.is_active = is_active
    session.flush()
    return dept


@dataclass
class DepartmentNode:
    """A department with its depth in the tree (for indented lists)."""

    department: Department
    depth: int


@dataclass(frozen=True)
class MenuDepartment:
    """What a department menu shows of a department: plain data, three columns read instead of a whole row."""

    id: int
    name: str
    parent_id: int | None


D = TypeVar("D", Department, "MenuDepartment")


@dataclass(frozen=True)
class MenuNode:
    """A menu line: the same shape as `DepartmentNode` (`.department.id`, `.department.name`, `.depth`)."""

    department: MenuDepartment
    depth: int


def _tree_order(rows: list[D]) -> list[tuple[D, int]]:
    """Departments depth-first (children under their parent, by name), each with its depth."""
    children: dict[int | None, list[D]] = {}
    ids = {d.id for d in rows}
    for dept in rows:
        parent = dept.parent_id if dept.parent_id in ids else None
        children.setdefault(parent, []).append(dept)
    out: list[tuple[D, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for dept in children.get(parent, []):
            out.append((dept, depth))
            walk(dept.id, depth + 1)

    walk(None, 0)
    return out


def department_tree(session: Session, *, active_only: bool = False, scope: str = "") -> list[DepartmentNode]:
    """Depth-first list of the tree (departments merged into another are not in it: minyi.departments.merge);
    only those within `scope` (a jurisdiction's subtree; "" all)."""
    query = select(Department).where(not_merged()).order_by(Department.name)
    if active_only:
        query = query.where(Department.is_active.is_(True))
    clause = within(Department.jurisdiction_id, scope)
    if clause is not None:
        query = query.where(clause)
    return [DepartmentNode(d, depth) for d, depth in _tree_order(list(session.scalars(query)))]


def department_menu(
    session: Session,
    *,
    active_only: bool = False,
    jurisdiction_id: int | None = None,
    root_id: int = 1,
    scope: str = "",
) -> list[MenuNode]:
    """`department_tree` for the menus of busy pages (the board, the statistics, the work lists, a case):
    the same lines in the same order, from three columns instead of whole rows. With `jurisdiction_id`, only
    the departments of that jurisdiction (`root_id`: the root's, whose rows may hold NULL); with `scope` (a
    jurisdiction's path, `jurisdictions.services.scope_path`), only those of its subtree — a district's pages list
    its and its streets' departments, not a province's thousands ("": every department)."""
    query = select(Department.id, Department.name, Department.parent_id).where(not_merged()).order_by(Department.name)
    if active_only:
        query = query.where(Department.is_active.is_(True))
    if (clause := within(Department.jurisdiction_id, scope)) is not None:
        query = query.where(clause)
    if jurisdiction_id == root_id:
        query = query.where(or_(Department.jurisdiction_id.is_(None), Department.jurisdiction_id == root_id))
    elif jurisdiction_id is not None:
        query = query.where(Department.jurisdiction_id == jurisdiction_id)
    rows = [MenuDepartment(i, name, parent) for i, name, parent in session.execute(query)]
    return [MenuNode(d, depth) for d, depth in _tree_order(rows)]
