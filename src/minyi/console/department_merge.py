"""The admin's 部门合并 page: every department that can still be merged, with how many cases each has."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.departments.merge import merges
from minyi.departments.models import DepartmentMerge
from minyi.departments.services import DepartmentNode, department_tree
from minyi.workflow.models import Case


@dataclass(frozen=True)
class MergePage:
    """The departments of the tree (merged ones have left it), their case counts and the latest merges."""

    tree: list[DepartmentNode]
    cases: dict[int, int]  # department id -> cases it handles or handled
    recent: list[DepartmentMerge]

    def count(self, department_id: int) -> int:
        """Cases of one department (0 when it has none)."""
        return self.cases.get(department_id, 0)


def merge_page(session: Session) -> MergePage:
    """Everything the page shows: the tree, one GROUP BY for the case counts, the 20 latest merges."""
    counts = session.execute(
        select(Case.department_id, func.count(Case.id))
        .where(Case.department_id.is_not(None))
        .group_by(Case.department_id)
    )
    return MergePage(
        tree=department_tree(session),
        cases={int(d): int(n) for d, n in counts if d is not None},
        recent=merges(session, limit=20),
    )
