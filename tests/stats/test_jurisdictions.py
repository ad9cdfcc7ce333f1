"""Figures per jurisdiction (issue 17): a city's and a district's figures equal an independent recount from the raw
tables over random histories with moves between jurisdictions (下派, 上报); the facts follow a moved case; the
ranking of the children (通报) adds up to its parent."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import scope_path
from minyi.stats.facts import fold_period
from minyi.stats.figures import Figures, figures_of
from minyi.stats.models import CaseFactsRow
from minyi.stats.ranking import DEFAULT_RANK_BY, OWN_LEVEL, RankRow, _ranked, rank_children
from minyi.stats.services import StatsQuery, build_report
from minyi.workflow.models import Case, CaseEvent
from tests import factories as f
from tests.stats.histories import World, edges, history
from tests.stats.test_facts import RECOUNTED, TODAY, _recount

PERIOD = (date(2024, 1, 1), date(2024, 6, 30))


@dataclass
class Tree:
    """A city with two districts and a street under the first, and a sibling city."""

    city: Jurisdiction
    east: Jurisdiction
    west: Jurisdiction
    street: Jurisdiction
    other: Jurisdiction

    def nodes(self) -> list[Jurisdiction | None]:
        return [None, self.city, self.east, self.west, self.street, self.other]  # None: the root


def _tree(db: Session) -> Tree:
    city = f.jurisdiction(db, name="A市", level="city", slug="a-city")
    east = f.jurisdiction(db, name="A1区", parent=city, slug="a-east")
    west = f.jurisdiction(db, name="A2区", parent=city, slug="a-west")
    street = f.jurisdiction(db, name="桂花坪街道", parent=east, level="street", slug="a-street")
    other = f.jurisdiction(db, name="B市", level="city", slug="b-city")
    return Tree(city, east, west, street, other)


def move(db: Session, case_id: int, to: Jurisdiction | None, kind: str = "send_down") -> None:
    """What 下派/上报 do: the case row and its event in one flush (the payload agreed for issue 17)."""
    case = db.get(Case, case_id)
    assert case is not None
    before = case.jurisdiction
    case.jurisdiction_id = to.id if to else None
    data = {"from_jurisdiction_id": before.id if before else None, "to_jurisdiction_id": to.id if to else None}
    data |= {"from": before.name if before else "本级", "to": to.name if to else "本级"}
    db.add(
        CaseEvent(
            case_id=case_id,
            kind=kind,
            from_status=case.status,
            to_status=None,
            actor_label="测试协调员",
            reason="",
            is_public=False,
            data=data,
            created_at=utcnow(),
        )
    )
    db.flush()


def _world(db: Session, seed: int, cases: int) -> Tree:
    tree = _tree(db)
    w = World(db=db, coordinator=f.user(db, role="coordinator"), supervisor=f.user(db, role="supervisor"))
    for name in ("市城管局", "市生态环境局"):
        dept = f.department(db, name=f"{name}{seed}")
        w.depts.append(dept)
        w.handlers.append(f.user(db, role="handler", dept=dept))
    rng = random.Random(seed)
    for day in sorted(date(2024, 1, 1) + timedelta(days=rng.randrange(200)) for _ in range(cases)):
        history(w, rng, day)
    edges(w)
    db.flush()
    for case_id in db.scalars(select(Case.id).order_by(Case.id)):  # down the tree, some back up, some twice
        first = rng.choice(tree.nodes())
        if first is not None:
            move(db, case_id, first)
        if first is not None and rng.random() < 0.3:
            move(db, case_id, db.get(Jurisdiction, first.parent_id) if first.parent_id != 1 else None, "send_up")
        elif rng.random() < 0.2:
            move(db, case_id, rng.choice(tree.nodes()))
    return tree


def _subtree_cases(db: Session, ids: set[int], *, root: bool = False) -> set[int]:
    """The cases held in these jurisdictions, from `cases` itself (not the facts, not the tree's paths)."""
    held = set(db.scalars(select(Case.id).where(Case.jurisdiction_id.in_(sorted(ids)))))
    return held | set(db.scalars(select(Case.id).where(Case.jurisdiction_id.is_(None)))) if root else held


def _figures(db: Session, jurisdiction: Jurisdiction | None) -> Figures:
    query = StatsQuery(*PERIOD).within(scope_path(jurisdiction))
    return build_report(db, query=query, today=TODAY).overall


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_city_and_a_district_equal_an_independent_recount(db: Session, seed: int) -> None:
    tree = _world(db, seed, cases=40)
    folded = fold_period(db, start=PERIOD[0], end=PERIOD[1])
    levels = {
        "city": (tree.city, {tree.city.id, tree.east.id, tree.west.id, tree.street.id}),
        "district": (tree.east, {tree.east.id, tree.street.id}),
    }
    for level, (node, ids) in levels.items():
        among = _subtree_cases(db, ids)
        figures = _figures(db, node)
        assert figures == figures_of([x for x in folded if x.case_id in among], today=TODAY), level
        recount = _recount(db, *PERIOD, among=among)
        for name in (*RECOUNTED, "extended_cases", "escalated"):
            assert getattr(figures, name) == getattr(recount, name), (level, name)
        assert 0 < figures.received < len(folded)  # really a part of the whole
    everything = _figures(db, None)
    assert everything == figures_of(folded, today=TODAY)  # the root counts every case, NULL ones included


def test_the_facts_follow_a_moved_case(db: Session) -> None:
    tree = _tree(db)
    sub = f.message(db)
    db.flush()

    def held() -> int | None:
        return db.scalar(select(CaseFactsRow.jurisdiction_id).where(CaseFactsRow.case_id == sub.case.id))

    assert held() is None  # at the root
    move(db, sub.case.id, tree.city)
    move(db, sub.case.id, tree.east)
    assert held() == tree.east.id
    move(db, sub.case.id, tree.city, "send_up")
    assert held() == tree.city.id
    sub.case.jurisdiction_id = tree.west.id  # a change of the row alone (no event): the facts follow it too
    db.flush()
    assert held() == tree.west.id


@pytest.mark.parametrize("seed", [21, 22])
def test_the_ranking_adds_up_to_its_parent(db: Session, seed: int) -> None:
    tree = _world(db, seed, cases=30)
    folded = fold_period(db, start=PERIOD[0], end=PERIOD[1])
    for parent, kids in ((tree.city, {"A1区": {tree.east.id, tree.street.id}, "A2区": {tree.west.id}}),):
        ranking = rank_children(db, parent=parent, start=PERIOD[0], end=PERIOD[1], today=TODAY)
        assert ranking.total == _figures(db, parent)
        for row in ranking.rows:
            among = _subtree_cases(db, kids[row.label])
            assert row.figures == figures_of([x for x in folded if x.case_id in among], today=TODAY), row.label
        own = _subtree_cases(db, {parent.id})
        own_figures = figures_of([x for x in folded if x.case_id in own], today=TODAY)
        assert (ranking.own.figures if ranking.own else Figures()) == own_figures
        if ranking.own:
            assert ranking.own.label == OWN_LEVEL and ranking.own.rank is None
    root = rank_children(db, parent=db.get(Jurisdiction, 1), start=PERIOD[0], end=PERIOD[1], today=TODAY)
    assert [r.label for r in sorted(root.rows, key=lambda r: r.label)] == ["A市", "B市"]
    assert root.total == _figures(db, None)  # the root's own row holds the cases never sent down (NULL)
    assert sum(r.figures.received for r in root.rows) + (root.own.figures.received if root.own else 0) == len(folded)


def _row(label: str, **counts: int) -> RankRow:
    return RankRow(label, Figures(**counts))


def test_ties_share_a_rank_and_undefined_rates_come_last() -> None:
    rows = [
        _row("甲", received=10, due=4, on_time=2),
        _row("乙", received=20, due=2, on_time=1),
        _row("丙", received=5, due=5, on_time=5),
        _row("丁", received=3),  # nothing due: no on-time rate
    ]
    ranked = _ranked(rows, DEFAULT_RANK_BY)
    assert [(r.label, r.rank, r.tied) for r in ranked] == [
        ("丙", 1, False),
        ("乙", 2, True),  # 50% each: more messages first, the same rank
        ("甲", 2, True),
        ("丁", None, False),
    ]
    fewest = _ranked([_row("甲", overdue_open=3), _row("乙", overdue_open=1)], "overdue_open")
    assert [r.label for r in fewest] == ["乙", "甲"]  # a count of problems: fewest first


def test_a_jurisdictions_figures_read_the_index_of_its_subtree(db: Session) -> None:
    """The scoped GROUP BY searches `case_facts` by (jurisdiction, received day) for each jurisdiction of the subtree
    (found by the `path` index): never a scan of every case's facts."""
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's query plan (EXPLAIN QUERY PLAN); PostgreSQL's planner chooses by its statistics")
    tree = _tree(db)
    scope = StatsQuery(*PERIOD).within(scope_path(tree.city)).scope_clause()
    query = select(CaseFactsRow.received_month, func.count()).where(
        CaseFactsRow.received_on >= PERIOD[0], CaseFactsRow.received_on <= PERIOD[1], *scope
    )
    connection = db.connection()
    compiled = query.group_by(CaseFactsRow.received_month).compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    args = tuple(compiled.params[key] for key in compiled.positiontup or ())
    plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)]
    assert any("case_facts USING INDEX ix_case_facts_jurisdiction_received" in step for step in plan), plan
    assert not any(step.startswith("SCAN case_facts") for step in plan), plan
