"""The admin's 辖区 page data: the tree depth-first by name (not by path text), with each one's counts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minyi.console import jurisdictions as view
from tests import factories as f


def test_tree_rows_are_depth_first_with_counts_and_scoped(db: Session) -> None:
    west = f.jurisdiction(db, name="乙区", slug="tr-west")
    east = f.jurisdiction(db, name="甲区", slug="tr-east")
    streets = [f.jurisdiction(db, name=f"甲{i}街道", level="street", parent=east, slug=f"tr-e{i}") for i in range(11)]
    f.department(db, name="甲0街道办事处", jurisdiction_id=streets[0].id)
    f.user(db, role="coordinator", jurisdiction=streets[0])
    gone = f.user(db, role="coordinator", jurisdiction=streets[0])
    gone.is_active = False
    rows = view.tree_rows(db, scope="")
    names = [r.node.name for r in rows]
    # every street right under its district, whatever the ids' text order (/1/12/ sorts before /1/3/)
    start = names.index("甲区")
    assert sorted(names[start + 1 : start + 12]) == sorted(s.name for s in streets)
    assert names[start + 1 : start + 4] == ["甲0街道", "甲10街道", "甲1街道"]  # by name within a parent
    row = next(r for r in rows if r.node.id == streets[0].id)
    assert (row.depth, row.departments, row.staff) == (2, 1, 1)  # the inactive account is not counted
    scoped = view.tree_rows(db, scope=east.path)
    assert scoped[0].node.id == east.id and scoped[0].depth == 0 and len(scoped) == 12
    assert west.id not in {r.node.id for r in scoped}
    assert view.names(db)[None] == view.names(db)[1]
