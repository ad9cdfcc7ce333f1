"""One body, one department: names resolved against the tree (spellings, aliases), and merges of duplicates.

A name from a reply or an import file is read by `minyi.nlp.department_names.parse_department` (region, town,
family and a `key` shared by every spelling of one body: 人民政府/政府, 住房和城乡建设局/住建局, homophone
town names). `DepartmentResolver` finds the department of a name: the department or alias of that exact
name, else the department whose name has the same key, else — for a name without its region ("安莎镇政府")
— the one department of any region with that name, and for a name with its region the department of the
same name stored without one. A fragment or an operator (handler False) resolves to nothing.

`merge_departments` merges a duplicate into the department that stays: the duplicate becomes inactive and
leaves every menu, its name becomes an alias of the survivor (so imports and lookups find the survivor), and
a `DepartmentMerge` row records who merged what, when and why. Past cases and events are never rewritten:
they keep the department that handled them then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from minyi.core.db import get_by_id
from minyi.core.errors import ValidationFailed
from minyi.core.validation import text_field
from minyi.departments.models import Department, DepartmentAlias, DepartmentMerge
from minyi.nlp.department_names import DepartmentName, parse_department

__all__ = ["DepartmentResolver", "merge_departments", "merge_many", "merges", "not_merged"]
MAX_MERGE = 50


def not_merged() -> ColumnElement[bool]:
    """Departments that were not merged into another (the ones menus list)."""
    return ~exists().where(DepartmentMerge.source_id == Department.id)


def _core(key: str) -> str:
    return key.partition("|")[2]


def _region(key: str) -> str:
    return key.partition("|")[0]


@dataclass
class DepartmentResolver:
    """The departments of the tree by name, alias and key; built once, then `resolve` per name (no queries)."""

    by_name: dict[str, int] = field(default_factory=dict)  # names and aliases -> surviving department
    by_key: dict[str, int] = field(default_factory=dict)
    by_core: dict[str, set[int]] = field(default_factory=dict)  # key without region -> departments (any region)
    regionless: dict[str, int] = field(default_factory=dict)  # core -> department stored without a region

    @classmethod
    def load(cls, session: Session) -> DepartmentResolver:
        """Every department not merged away, and every alias (pointing at its survivor)."""
        resolver = cls()
        rows = session.execute(select(Department.id, Department.name).where(not_merged()).order_by(Department.id))
        for dept_id, name in rows:
            resolver.add(name, dept_id)
        survivor = _survivors(session)
        for name, dept_id in session.execute(select(DepartmentAlias.name, DepartmentAlias.department_id)):
            resolver.add(name, survivor.get(dept_id, dept_id))  # the alias's other spellings too
        return resolver

    def add(self, name: str, dept_id: int) -> None:
        """Make `name` (a department's own name) resolvable."""
        self.by_name.setdefault(name, dept_id)
        parsed = parse_department(name)
        if parsed is None:
            return
        self.by_key.setdefault(parsed.key, dept_id)
        self.by_core.setdefault(_core(parsed.key), set()).add(dept_id)
        if not _region(parsed.key):
            self.regionless.setdefault(_core(parsed.key), dept_id)

    def resolve(self, name: str | None) -> tuple[int | None, DepartmentName | None]:
        """(the department, the parsed name); (None, parsed) when none matches; (None, None) for a non-name."""
        parsed = parse_department(name or "")
        if parsed is None or not parsed.handler:
            return None, None
        for candidate in (name or "", parsed.name):
            if candidate in self.by_name:
                return self.by_name[candidate], parsed
        if parsed.key in self.by_key:
            return self.by_key[parsed.key], parsed
        core = _core(parsed.key)
        if not _region(parsed.key):
            matches = self.by_core.get(core, set())
            if len(matches) == 1:
                return next(iter(matches)), parsed
        elif core in self.regionless:
            return self.regionless[core], parsed
        return None, parsed


def _survivors(session: Session) -> dict[int, int]:
    """Merged department -> the department it ended in (following chains of merges)."""
    into = dict(session.execute(select(DepartmentMerge.source_id, DepartmentMerge.target_id)).all())
    out: dict[int, int] = {}
    for source in into:
        target, seen = into[source], {source}
        while target in into and target not in seen:
            seen.add(target)
            target = into[target]
        out[source] = target
    return out


def merges(session: Session, *, limit: int = 100) -> list[DepartmentMerge]:
    """The latest merges, newest first."""
    return list(session.scalars(select(DepartmentMerge).order_by(DepartmentMerge.id.desc()).limit(limit)))


def merge_departments(
    session: Session, *, source_id: Any, target_id: Any, actor_id: int | None, reason: Any = ""
) -> DepartmentMerge:
    """Merge department `source_id` into `target_id` (see the module's docstring); the merge event."""
    source = get_by_id(session, Department, source_id)
    target = get_by_id(session, Department, target_id)
    if source is None:
        raise ValidationFailed("要合并的部门不存在", field="source_id")
    if target is None:
        raise ValidationFailed("保留的部门不存在", field="target_id")
    if source.id == target.id:
        raise ValidationFailed("不能把部门合并到它自己", field="target_id")
    if source.is_active and not target.is_active:  # a live department's names would lead to one nobody serves
        msg = f"保留的部门“{target.name}”已停用，不能把启用中的部门“{source.name}”合并到它（请先启用保留的部门）"
        raise ValidationFailed(msg, field="target_id")
    merged = set(
        session.scalars(select(DepartmentMerge.source_id).where(DepartmentMerge.source_id.in_([source.id, target.id])))
    )
    if source.id in merged:
        raise ValidationFailed(f"部门“{source.name}”已经被合并", field="source_id")
    if target.id in merged:
        raise ValidationFailed(f"部门“{target.name}”已经被合并，请选择它合并后的部门", field="target_id")
    note = text_field(reason or "", field="reason", label="合并说明", max_len=500, required=False).strip()
    event = DepartmentMerge(
        source_id=source.id,
        target_id=target.id,
        source_name=source.name,
        target_name=target.name,
        actor_id=actor_id,
        reason=note,
    )
    session.add(event)
    # The source's own name and the names it was known by now lead to the target.
    if session.scalar(select(DepartmentAlias.id).where(DepartmentAlias.name == source.name)) is None:
        session.add(DepartmentAlias(name=source.name, department_id=target.id))
    for alias in session.scalars(select(DepartmentAlias).where(DepartmentAlias.department_id == source.id)):
        alias.department_id = target.id
    _reparent(session, source, target)
    source.is_active = False
    session.flush()
    return event


def merge_many(
    session: Session, *, source_ids: Iterable[Any], target_id: Any, actor_id: int | None, reason: Any = ""
) -> list[DepartmentMerge]:
    """Merge several duplicates into one survivor (the admin page), all or none; one merge event each."""
    sources = list(dict.fromkeys(str(s).strip() for s in source_ids if str(s).strip()))
    if not sources:
        raise ValidationFailed("请选择要合并的部门", field="source_id")
    if len(sources) > MAX_MERGE:
        raise ValidationFailed(f"一次最多合并 {MAX_MERGE} 个部门", field="source_id")
    if str(target_id).strip() in sources:
        raise ValidationFailed("不能把部门合并到它自己", field="target_id")
    return [
        merge_departments(session, source_id=s, target_id=target_id, actor_id=actor_id, reason=reason) for s in sources
    ]


def _reparent(session: Session, source: Department, target: Department) -> None:
    """The merged department's sub-departments now hang under the survivor (a tree keeps no merged node)."""
    for child in session.scalars(select(Department).where(Department.parent_id == source.id)):
        child.parent_id = source.parent_id if child.id == target.id else target.id


def resolve_names(session: Session, names: Iterable[str]) -> dict[str, int | None]:
    """Each name's department (None when it names none of ours): for callers with a few names."""
    resolver = DepartmentResolver.load(session)
    return {name: resolver.resolve(name)[0] for name in names}
