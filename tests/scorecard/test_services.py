"""The ranking of a period against an independent recount from what the generated histories did: the statistics'
facts, the repeated-complaint flags and the knowledge-base reviews, scored with the admin's weights."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.callbacks.repeats import RepeatMatch, store_repeat_flag
from minyi.core.clock import travel
from minyi.knowledge import services as kb
from minyi.messages.models import Message
from minyi.scorecard.config import update_scorecard_settings
from minyi.scorecard.services import repeat_counts, scorecard
from minyi.stats.services import StatsCache, StatsQuery, build_report
from minyi.workflow.models import Case
from tests import factories as f
from tests.stats.histories import Known, World, at
from tests.stats.histories import history as history_of
from tests.stats.test_services import _expected

PERIOD = (date(2024, 1, 1), date(2024, 6, 30))
TODAY = date(2024, 9, 30)
WEIGHTS = {"on_time": 40, "satisfaction": 20, "callback": 10, "adoption": 15, "knowledge": 5, "repeats": 10}
ANSWER = "请携带身份证和相关材料到政务服务中心窗口办理，工作日上午九点至下午五点受理。"


def _flag_repeats(w: World, cases: list[tuple[Known, int]], rng: random.Random) -> set[int]:
    """Flag about a third of the complaints (inside and outside the period) through the real service."""
    flagged: set[int] = set()
    complaints = [(k, cid) for k, cid in cases if k.kind == "complaint"]
    for (_k, cid), (_e, earlier) in zip(complaints[1:], complaints, strict=False):
        if rng.random() < 0.35:
            store_repeat_flag(w.db, case_id=cid, matches=[RepeatMatch(earlier, 0.8, ("phone",))])
            flagged.add(cid)
    return flagged


def _knowledge(w: World) -> dict[int, Counter[str]]:
    """Each department's entries reviewed on time or late, in the period or outside it, or left stale; returns
    what the period's upkeep must count (on time; due = on time + late + stale as of TODAY)."""
    expected: dict[int, Counter[str]] = {}
    for n, (dept, handler) in enumerate(zip(w.depts, w.handlers, strict=True)):
        me, want = f.actor(handler), expected.setdefault(dept.id, Counter())
        plans = [("on_time", date(2024, 2, 1)), ("late", date(2024, 3, 10)), ("before", date(2023, 12, 20))]
        plans += [("stale", None)] * (n % 2) + [("on_time", date(2024, 2, 29))] * n
        for i, (plan, reviewed_on) in enumerate(plans):
            with travel(at(date(2023, 12, 1), 9)):
                entry = kb.create_entry(
                    w.db,
                    actor=me,
                    data={"question": f"办事指南问题{n}-{i}", "answer": ANSWER, "department_id": dept.id,
                          "status": "published", "review_due": "2024-03-01" if plan != "before" else "2023-12-25"},
                )  # fmt: skip
            if reviewed_on is None:
                want["due"] += 1  # past its date on TODAY, never reviewed
                continue
            with travel(at(reviewed_on, 10)):
                kb.review_entry(w.db, actor=me, entry_id=entry.id, review_due="2025-06-30")
            if plan != "before":  # a review outside the period is not the period's
                want["due"] += 1
                want["on_time"] += plan == "on_time"
    w.db.flush()
    return expected


def _score(counts: dict[str, tuple[int, int]]) -> float | None:
    """The weighted mean written out again: shares of the defined components, weights renormalised over them."""
    parts = {k: (n / d if k != "repeats" else 1 - n / d) for k, (n, d) in counts.items() if d}
    total = sum(WEIGHTS[k] for k in parts)
    return 100 * sum(WEIGHTS[k] * v for k, v in parts.items()) / total if total else None


@pytest.fixture
def world(db: Session) -> tuple[World, list[tuple[Known, int]]]:
    """About 70 histories over eight months in four departments, each with its case id."""
    w = World(db=db, coordinator=f.user(db, role="coordinator"), supervisor=f.user(db, role="supervisor"))
    for name in ("市城管局", "市生态环境局", "市交通运输局", "市水务局"):
        dept = f.department(db, name=name)
        w.depts.append(dept)
        w.handlers.append(f.user(db, role="handler", dept=dept))
    rng = random.Random(20240615)
    days = sorted(date(2023, 12, 1) + timedelta(days=rng.randrange(240)) for _ in range(70))
    cases = [k for day in days for k in history_of(w, rng, day)]
    db.flush()
    rows = db.execute(select(Case.id, Message.appeal_kind).join(Message).order_by(Case.id)).all()
    assert [kind for _id, kind in rows] == [k.kind for k in cases]  # one case per history line, in order
    return w, [(k, cid) for k, (cid, _kind) in zip(cases, rows, strict=True)]


def test_the_ranking_agrees_with_an_independent_recount(db: Session, world) -> None:
    w, cases = world
    flagged = _flag_repeats(w, cases, random.Random(7))
    upkeep = _knowledge(w)
    in_period = [(k, cid) for k, cid in cases if PERIOD[0] <= k.day <= PERIOD[1]]
    per_dept = Counter(k.dept for k, _cid in in_period)
    sizes = sorted({per_dept[d.id] for d in w.depts})
    assert len(sizes) >= 2  # the minimum below leaves the smallest department out
    update_scorecard_settings(db, actor=f.user(db, role="admin"), weights=WEIGHTS, min_cases=sizes[1])
    report = build_report(db, query=StatsQuery(*PERIOD), today=TODAY)
    with travel(at(TODAY, 12)):  # entries past their review date are counted as of TODAY
        ranking = scorecard(db, departments=report.departments, start=PERIOD[0], end=PERIOD[1])

    expected = []
    for dept in w.depts:
        mine = [(k, cid) for k, cid in in_period if k.dept == dept.id]
        g = _expected([k for k, _cid in mine], TODAY)
        complaints = [cid for k, cid in mine if k.kind == "complaint"]
        counts = {
            "on_time": (g.on_time, g.due),
            "satisfaction": (g.satisfied, g.rated),
            "callback": (g.callback_satisfied, g.callback_reached),
            "adoption": (g.adopted, g.decided),
            "knowledge": (upkeep[dept.id]["on_time"], upkeep[dept.id]["due"]),
            "repeats": (sum(cid in flagged for cid in complaints), len(complaints)),
        }
        expected.append((dept, len(mine), counts, _score(counts)))
    ranked = sorted(
        ((d, s) for d, n, _c, s in expected if n >= sizes[1] and s is not None), key=lambda x: (-x[1], x[0].name)
    )
    assert len(ranked) >= 2 and len({round(s, 9) for _d, s in ranked}) == len(ranked)  # no tie in this draw
    assert [(r.rank, r.inputs.department_id) for r in ranking.ranked] == [
        (n, d.id) for n, (d, _s) in enumerate(ranked, 1)
    ]
    for row, (_d, score) in zip(ranking.ranked, ranked, strict=True):
        assert row.score == pytest.approx(score)
    assert [r.inputs.department_id for r in ranking.too_few] == [d.id for d, n, _c, _s in expected if n < sizes[1]]
    for row in ranking.ranked + ranking.too_few:
        counts = next(c for d, _n, c, _s in expected if d.id == row.inputs.department_id)
        assert (row.inputs.repeats, row.inputs.complaints) == counts["repeats"]
        assert (row.inputs.reviews_on_time, row.inputs.reviews_due) == counts["knowledge"]
    # the draw exercises every part: repeats inside and outside the period, each component somewhere defined
    assert any(c["repeats"][0] for _d, _n, c, _s in expected)
    assert len(flagged) > sum(c["repeats"][0] for _d, _n, c, _s in expected)
    for code in WEIGHTS:
        assert any(c[code][1] for _d, _n, c, _s in expected), code
    assert ranking.weights == WEIGHTS and ranking.min_cases == sizes[1]


def test_repeats_are_counted_under_the_department_of_the_period(db: Session) -> None:
    """A flagged complaint counts for its department in the month it was received, not in another."""
    dept = f.department(db, name="市信访局")
    with travel(at(date(2024, 3, 5), 9)):
        first, _c, _h = f.case_in_progress(db, dept, appeal_kind="complaint", title="楼下餐馆油烟扰民")
        again, _c, _h = f.case_in_progress(db, dept, appeal_kind="complaint", title="楼下餐馆油烟还是扰民")
        f.case_in_progress(db, dept, appeal_kind="inquiry", title="咨询办证材料")
    store_repeat_flag(db, case_id=again.case.id, matches=[RepeatMatch(first.case.id, 0.9, ("place",))])
    db.flush()
    assert repeat_counts(db, start=date(2024, 3, 1), end=date(2024, 3, 31)) == {dept.id: (1, 2)}
    assert repeat_counts(db, start=date(2024, 4, 1), end=date(2024, 4, 30)) == {}


def test_a_cached_ranking_follows_the_weights_the_repeats_and_the_knowledge_base(db: Session) -> None:
    """With the statistics' cache (no max age: exact), the ranking is built again when the weights change, when a
    complaint is flagged (its event) and when an entry is reviewed (its audit line) — and only then."""
    dept = f.department(db, name="市信访局")
    handler = f.user(db, role="handler", dept=dept)
    admin = f.user(db, role="admin")
    with travel(at(date(2024, 3, 5), 9)):
        first, _c, _h = f.case_in_progress(db, dept, appeal_kind="complaint", title="楼下餐馆油烟扰民")
        again, _c, _h = f.case_in_progress(db, dept, appeal_kind="complaint", title="楼下餐馆油烟还是扰民")
        entry = kb.create_entry(
            db, actor=f.actor(handler),
            data={"question": "油烟扰民向哪里反映", "answer": ANSWER, "department_id": dept.id, "status": "published",
                  "review_due": "2024-12-31"},
        )  # fmt: skip
    update_scorecard_settings(db, actor=admin, weights=dict.fromkeys(WEIGHTS, 10), min_cases=1)
    db.flush()
    cache = StatsCache(8)
    month = (date(2024, 3, 1), date(2024, 3, 31))

    def ranking():  # type: ignore[no-untyped-def]
        report = build_report(db, query=StatsQuery(*month), today=TODAY, cache=cache)
        with travel(at(TODAY, 12)):
            return scorecard(db, departments=report.departments, start=month[0], end=month[1], cache=cache)

    before = ranking()
    assert ranking() is before  # nothing changed: the cached one
    assert before.ranked[0].components["repeats"] == 1.0 and before.ranked[0].components["knowledge"] is None
    store_repeat_flag(db, case_id=again.case.id, matches=[RepeatMatch(first.case.id, 0.9, ("place",))])
    db.flush()
    flagged = ranking()
    assert flagged.ranked[0].components["repeats"] == 0.5
    with travel(at(date(2024, 3, 20), 9)):
        kb.review_entry(db, actor=f.actor(handler), entry_id=entry.id, review_due="2025-06-30")
    db.flush()
    reviewed = ranking()
    assert reviewed.ranked[0].components["knowledge"] == 1.0
    update_scorecard_settings(db, actor=admin, weights=dict.fromkeys(WEIGHTS, 10), min_cases=5)
    db.flush()
    assert ranking().ranked == [] and ranking().min_cases == 5
