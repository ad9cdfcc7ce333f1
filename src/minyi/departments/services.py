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


def create_department(
    session: Session, *, name: Any, parent_id: Any = None, domains: Any = None, keywords: Any = ""
) -> Department:
    """A new department, optionally under a parent."""
    title = text_field(name, field="name", label="部门名称", max_len=100, min_len=2).strip()
    if session.scalar(select(Department).where(Department.name == title)) is not None:
        raise Conflict(f"部门“{title}”已存在")
    parent = None
    if parent_id not in (None, ""):
        parent = get_by_id(session, Department, parent_id)
        if parent is None:
            raise ValidationFailed("上级部门不存在", field="parent_id")
    dept = Department(
        name=title, parent_id=parent.id if parent else None, domains=_domains(domains), keywords=_keywords(keywords)
    )
    session.add(dept)
    session.flush()
    return dept


def update_department(
    session: Session, *, department_id: Any, domains: Any, keywords: Any, is_active: bool
) -> Department:
    """Change what a department handles, or (de)activate it."""
    dept = get_by_id(session, Department, department_id)
    if dept is None:
        raise ValidationFailed("部门不存在", field="department_id")
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


def department_tree(session: Session, *, active_only: bool = False) -> list[DepartmentNode]:
    """Depth-first list of the tree (departments merged into another are not in it: minyi.departments.merge)."""
    query = select(Department).where(not_merged()).order_by(Department.name)
    if active_only:
        query = query.where(Department.is_active.is_(True))
    return [DepartmentNode(d, depth) for d, depth in _tree_order(list(session.scalars(query)))]


def department_menu(
    session: Session, *, active_only: bool = False, jurisdiction_id: int | None = None, root_id: int = 1
) -> list[MenuNode]:
    """`department_tree` for the menus of busy pages (the board, the statistics, the work lists, a case):
    the same lines in the same order, from three columns instead of whole rows. With `jurisdiction_id`, only
    the departments of that jurisdiction (`root_id`: the root's, whose rows may hold NULL)."""
    query = select(Department.id, Department.name, Department.parent_id).where(not_merged()).order_by(Department.name)
    if active_only:
        query = query.where(Department.is_active.is_(True))
    if jurisdiction_id == root_id:
        query = query.where(or_(Department.jurisdiction_id.is_(None), Department.jurisdiction_id == root_id))
    elif jurisdiction_id is not None:
        query = query.where(Department.jurisdiction_id == jurisdiction_id)
    rows = [MenuDepartment(i, name, parent) for i, name, parent in session.execute(query)]
    return [MenuNode(d, depth) for d, depth in _tree_order(rows)]
