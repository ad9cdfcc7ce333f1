"""The dashboard's figures and the case list behind each of them, on generated cases."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, china_today, travel, utcnow
from minyi.core.errors import ValidationFailed
from minyi.dashboard import services as dashboard
from minyi.hot.models import HotIssue
from minyi.messages.models import MessageAnalysis
from minyi.stats.services import StatsQuery, build_report
from minyi.workflow import services as workflow
from tests import factories as f


@pytest.fixture
def cases(db: Session) -> dict:
    """An overdue case (March 2024), a rated one, a new urgent message today and a hot issue."""
    parks, water = f.department(db, name="市园林局"), f.department(db, name="市水务局")
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        late, _c, _h = f.case_in_progress(db, parks, place_text="人民公园")
        rated, _h2 = f.replied_case(db, water)
        workflow.rate(db, case=f.reload(db, rated.case), level="unsatisfied")
    urgent = f.message(db, title="燃气泄漏", body="小区三栋楼道里有很浓的燃气味，请马上处理！", place_text="幸福小区")
    db.add(MessageAnalysis(message_id=urgent.message.id, urgent=True))
    db.add(
        HotIssue(
            rank=1,
            score=3.0,
            description="人民公园厕所",
            start=utcnow(),
            end=utcnow(),
            case_ids=[late.case.id],
            computed_at=utcnow(),
        )
    )
    db.flush()
    return {"late": late.case.id, "rated": rated.case.id, "urgent": urgent.case.id, "parks": parks}


def _ids(db: Session, params: dict) -> set[int]:
    found, total = dashboard.list_cases(db, filters=dashboard.parse_case_filters(params))
    assert total == len(found)
    return {c.id for c in found}


def test_the_dashboard_counts_and_links(db: Session, cases: dict) -> None:
    d = dashboard.build_dashboard(db)
    assert d.received_today == 1 and d.received_week >= 1
    assert d.urgent_total == 1 and [c.id for c in d.urgent] == [cases["urgent"]]
    assert [h.description for h in d.hot_issues] == ["人民公园厕所"]
    assert [(o.label, o.count) for o in d.overdue] == [("市园林局", 1)]
    assert _ids(db, d.overdue[0].filters) == {cases["late"]}
    assert _ids(db, {"status": "urgent"}) == {cases["urgent"]}
    assert _ids(db, {"hot": "1"}) == {cases["late"]}
    today = china_today().isoformat()
    assert _ids(db, {"from": today, "to": today}) == {cases["urgent"]}
    assert d.window[1] == china_today() and len(d.trend) == 12


def test_the_trend_agrees_with_the_statistics(db: Session, cases: dict) -> None:
    with travel(datetime(2024, 3, 20, 9, tzinfo=CHINA_TZ)):
        d = dashboard.build_dashboard(db, today=date(2024, 3, 20))
        march = next(p for p in d.trend if p.month == "2024-03")
        stats = build_report(
            db, query=StatsQuery(start=date(2024, 3, 1), end=date(2024, 3, 20)), today=date(2024, 3, 20)
        ).overall
    assert (march.received, march.complaints, march.rated) == (stats.received, 2, 1)
    assert march.satisfaction_rate == stats.satisfaction_rate == 0.0
    place = next(p for p in d.places if p.label == "人民公园")
    assert place.count == 1 and _ids(db, place.filters) == {cases["late"]}


def test_an_empty_platform_has_an_empty_dashboard(db: Session) -> None:
    d = dashboard.build_dashboard(db)
    assert d.received_today == 0 and d.urgent == [] and d.overdue == [] and d.places == []
    assert all(p.satisfaction_rate is None for p in d.trend)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2024-02-30"},
        {"to": "yesterday"},
        {"status": "late"},
        {"department_id": "1; drop"},
        {"appeal_kind": "rant"},
        {"hot": "-1"},
        {"from": "2024-03-02", "to": "2024-03-01"},
        {"from": "1900-01-01"},
        {"department_id": "9" * 30},
    ],
)
def test_bad_filters_are_clear_errors(params: dict) -> None:
    with pytest.raises(ValidationFailed):
        dashboard.parse_case_filters(params)
