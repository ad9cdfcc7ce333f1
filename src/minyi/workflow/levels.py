"""A case in the jurisdiction tree: the level that holds it, whose departments it may go to, the deadline days
that level sets, and which suggested departments it may be shown (minyi.jurisdictions; docs/jurisdictions.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.errors import ValidationFailed
from minyi.departments.models import Department
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import ROOT_ID, ancestors, children, root
from minyi.workflow.config import deadline_days
from minyi.workflow.models import Case

UPPER = "upper"  # the key a suggested department of the parent level carries (shown as 上级部门)


def level_id(jurisdiction_id: int | None) -> int:
    """The id of a row's jurisdiction, the root's for NULL."""
    return ROOT_ID if jurisdiction_id is None else jurisdiction_id


def holder(session: Session, case: Case) -> Jurisdiction:
    """The jurisdiction that holds the case (the root for NULL)."""
    return case.jurisdiction if case.jurisdiction is not None else root(session)


def chain(session: Session, case: Case) -> list[Jurisdiction]:
    """From the root down to the jurisdiction that holds the case."""
    node = holder(session, case)
    return [*ancestors(session, node), node]


def children_below(session: Session, case: Case) -> list[Jurisdiction]:
    """The active jurisdictions right below the one that holds the case (where it may be sent down)."""
    return [j for j in children(session, level_id(case.jurisdiction_id)) if j.is_active]


def check_department_level(session: Session, case: Case, department: Department) -> None:
    """A clear error unless the department belongs to the jurisdiction that holds the case (NULL: the root)."""
    if level_id(department.jurisdiction_id) == level_id(case.jurisdiction_id):
        return
    name = holder(session, case).name
    msg = f"“{department.name}”不属于本办件所在的辖区（{name}）：请选择{name}的部门，或先下派、上报"
    raise ValidationFailed(msg, field="department_id")


def level_deadline_days(session: Session, case: Case, appeal_kind: str) -> int:
    """Working days for a case of this appeal kind: the holding jurisdiction's setting, else the nearest
    ancestor's, else the installation's (`workflow.config`)."""
    for node in reversed(chain(session, case)):
        days = (node.deadline_days or {}).get(appeal_kind)
        if isinstance(days, int) and days > 0:
            return days
    return deadline_days(session, appeal_kind)


@dataclass(frozen=True)
class _Levels:
    own: int
    parent: int | None


def _levels(case: Case) -> _Levels:
    node = case.jurisdiction
    return _Levels(level_id(case.jurisdiction_id), node.parent_id if node is not None else None)


def _department_levels(session: Session, results: Iterable[Mapping[str, Any] | None]) -> dict[int, int]:
    """The jurisdiction (root for NULL) of every department suggested in `results`, by one query."""
    ids = {
        s.get("id")
        for result in results
        if result
        for s in result.get("suggested_departments") or []
        if isinstance(s, Mapping) and isinstance(s.get("id"), int)
    }
    if not ids:
        return {}
    query = select(Department.id, Department.jurisdiction_id).where(Department.id.in_(ids))
    return {dept_id: level_id(jid) for dept_id, jid in session.execute(query)}


def _filtered(case: Case, suggested: Iterable[Mapping[str, Any]], level_of: Mapping[int, int]) -> list[dict[str, Any]]:
    levels = _levels(case)
    shown: list[dict[str, Any]] = []
    for item in suggested:
        level = level_of.get(item.get("id"))  # type: ignore[arg-type]
        if level is None:
            continue
        if level == levels.own:
            shown.append({**item, UPPER: False})
        elif levels.parent is not None and level == levels.parent:
            shown.append({**item, UPPER: True})
    return shown


def level_suggestions(session: Session, case: Case, suggested: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The stored department suggestions the case may be shown now (it may have moved since the analysis):
    departments of the jurisdiction that holds it, and of its parent marked `upper` (上级部门); none else."""
    wanted = list(suggested)
    return _filtered(case, wanted, _department_levels(session, [{"suggested_departments": wanted}]))


def _shown(case: Case, result: Mapping[str, Any] | None, level_of: Mapping[int, int]) -> dict[str, Any] | None:
    if not result:
        return None
    shown = dict(result)
    shown["suggested_departments"] = _filtered(case, result.get("suggested_departments") or [], level_of)
    if not shown["suggested_departments"]:
        shown["department_abstained"] = True  # nothing of this level to propose: 请人工分派
    return shown


def shown_analysis(session: Session, case: Case, result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A stored analysis as staff see it for this case: its department suggestions filtered by level."""
    return _shown(case, result, _department_levels(session, [result]))


def shown_analyses(
    session: Session, pairs: Iterable[tuple[Case, Mapping[str, Any] | None]]
) -> dict[int, dict[str, Any] | None]:
    """`shown_analysis` for a page of cases (a work list), by case id, with one query for all of them."""
    listed = list(pairs)
    level_of = _department_levels(session, [result for _case, result in listed])
    return {case.id: _shown(case, result, level_of) for case, result in listed}
