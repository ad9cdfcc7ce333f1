"""The admin's 辖区 page: the tree the admin manages, each jurisdiction with its department and staff counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.accounts.models import User
from minyi.departments.models import Department
from minyi.jurisdictions import services as jurisdictions
from minyi.jurisdictions.models import Jurisdiction

SAMPLE_CSV = (
    "名称,级别,上级,网址代号,地名,领导信箱\n"
    "示范市,市,,shifan,示范、示范市区,书记、市长\n"
    "东湖区,区,示范市,donghu,东湖、东湖区,书记、区长\n"
    "青山街道,街道,示范市/东湖区,qingshan,青山路、幸福里社区,\n"
)


@dataclass(frozen=True)
class TreeRow:
    """One line of the tree: the jurisdiction, its depth below the admin's own, and its counts."""

    node: Jurisdiction
    depth: int
    departments: int
    staff: int


def _counts(session: Session, column: object, *, active: object) -> dict[int, int]:
    """Active rows per jurisdiction id (NULL counted under the root)."""
    rows = session.execute(select(column, func.count()).where(active).group_by(column))  # type: ignore[call-overload]
    counts: dict[int, int] = {}
    for jurisdiction_id, n in rows:
        key = jurisdictions.ROOT_ID if jurisdiction_id is None else int(jurisdiction_id)
        counts[key] = counts.get(key, 0) + int(n)
    return counts


def tree_rows(session: Session, *, scope: str) -> list[TreeRow]:
    """The jurisdictions within `scope` (an admin's subtree, "" all), parents before children, with the active
    departments and staff accounts of each (the tree has thousands of nodes at most; both counts are one
    GROUP BY each over the small departments and users tables)."""
    nodes = [n for n in jurisdictions.tree(session) if jurisdictions.in_scope(n.path, scope)]
    depts = _counts(session, Department.jurisdiction_id, active=Department.is_active.is_(True))
    staff = _counts(session, User.jurisdiction_id, active=User.is_active.is_(True))
    top = min((n.depth for n in nodes), default=0)
    return [TreeRow(n, n.depth - top, depts.get(n.id, 0), staff.get(n.id, 0)) for n in _depth_first(nodes)]


def _depth_first(nodes: list[Jurisdiction]) -> list[Jurisdiction]:
    """Children under their parent, by name (ordering by path alone sorts ids as text: /1/10/ before /1/2/)."""
    ids = {n.id for n in nodes}
    below: dict[int | None, list[Jurisdiction]] = {}
    for node in nodes:
        below.setdefault(node.parent_id if node.parent_id in ids else None, []).append(node)
    out: list[Jurisdiction] = []

    def walk(parent: int | None) -> None:
        for node in sorted(below.get(parent, []), key=lambda n: n.name):
            out.append(node)
            walk(node.id)

    walk(None)
    return out


def choices(session: Session, *, scope: str, active_only: bool = True) -> list[TreeRow]:
    """The jurisdictions an admin may pick (for accounts, departments, a new jurisdiction's parent), indented."""
    return [r for r in tree_rows(session, scope=scope) if r.node.is_active or not active_only]


def names(session: Session) -> dict[int | None, str]:
    """Every jurisdiction's name by id, the root's under None too (lists of accounts and departments)."""
    found: dict[int | None, str] = {j.id: j.name for j in jurisdictions.tree(session)}
    found[None] = found.get(jurisdictions.ROOT_ID, "本级")
    return found
