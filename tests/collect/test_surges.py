"""Surges: a topic's last 24 hours against its own daily mean before, recorded once per topic and day."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tests.collect.items import source, web_item

from minyi.collect.models import WebSurge
from minyi.collect.surges import SurgeRules, current_surges, find_surges, ratio, record_surges
from minyi.core.clock import CHINA_TZ

NOW = datetime(2026, 3, 20, 15, 0, tzinfo=CHINA_TZ)
RULES = SurgeRules(min_count=5, factor=3.0, baseline_days=14)


def _spread(db: Session, src: object, n: int, *, days_ago: float, **fields: object) -> None:
    for i in range(n):
        web_item(db, src, fetched_at=NOW - timedelta(days=days_ago, minutes=i), **fields)  # type: ignore[arg-type]


def test_the_rule_is_a_minimum_count_and_a_multiple_of_the_daily_mean() -> None:
    assert RULES.surges(5, 0) and not RULES.surges(4, 0)  # never heard before: the minimum alone
    assert RULES.surges(6, 28) and not RULES.surges(5, 28)  # mean 2 a day: 6 is 3x, 5 is not
    assert ratio(6, 2.0) == 3.0 and ratio(5, 0.0) == float("inf")


def test_places_domains_and_keywords_surge_against_their_own_baseline(db: Session) -> None:
    src = source(db)
    # 春晖路: 2 a day for 14 days, then 8 in the last 24 hours (4x) → surge
    for day in range(1, 15):
        _spread(db, src, 2, days_ago=day + 0.5, places=["春晖路"], domain="城乡建设", title="春晖路")
    _spread(db, src, 8, days_ago=0.2, places=["春晖路"], domain="环境保护", title="春晖路井盖")
    # 东湖路: 2 a day before, 5 now (2.5x) → not a surge; 西山路: 4 now, new (below the minimum) → not
    for day in range(1, 15):
        _spread(db, src, 2, days_ago=day + 0.5, places=["东湖路"], domain="城乡建设", title="东湖路")
    _spread(db, src, 5, days_ago=0.1, places=["东湖路"], domain="城乡建设", title="东湖路")
    _spread(db, src, 4, days_ago=0.1, places=["西山路"], domain="交通运输", title="西山路")
    # repeats never count; items older than the baseline are not read
    first = web_item(db, src, places=["南门"], fetched_at=NOW - timedelta(hours=1))
    _spread(db, src, 9, days_ago=0.1, places=["南门"], duplicate_of_id=first.id)
    _spread(db, src, 50, days_ago=30, places=["春晖路"])
    found = {(s.kind, s.value): s for s in find_surges(db, keywords=["井盖", "东湖路", ""], rules=RULES, now=NOW)}
    assert set(found) == {("place", "春晖路"), ("domain", "环境保护"), ("keyword", "井盖")}
    assert (found["place", "春晖路"].recent, found["place", "春晖路"].baseline) == (8, 2.0)
    assert found["domain", "环境保护"].baseline == 0.0 and found["keyword", "井盖"].recent == 8


def test_surge_detection_matches_a_recount_on_random_items(db: Session) -> None:
    rng = random.Random(7)
    src = source(db)
    made = []
    for _ in range(300):
        place = rng.choice(["春晖路", "东湖路", "河西区", "南门"])
        days = rng.choice([0.1, 0.3, 0.6] * 3 + [rng.uniform(1.01, 16)])
        made.append((place, NOW - timedelta(days=days)))
        web_item(db, src, places=[place], fetched_at=NOW - timedelta(days=days))
    rules = SurgeRules(min_count=3, factor=2.0, baseline_days=14)
    expected = set()
    for place in {p for p, _ in made}:
        recent = sum(1 for p, t in made if p == place and t >= NOW - timedelta(hours=24))
        before = sum(1 for p, t in made if p == place and NOW - timedelta(days=15) <= t < NOW - timedelta(hours=24))
        if rules.surges(recent, before):
            expected.add(place)
    found = {s.value for s in find_surges(db, rules=rules, now=NOW) if s.kind == "place"}
    assert found == expected and found


def test_a_source_registered_within_the_baseline_brings_no_surge(db: Session) -> None:
    settled, new = source(db, "青川新闻"), source(db, "新来源", created_at=NOW - timedelta(days=3))
    _spread(db, new, 20, days_ago=0.1, places=["春晖路"], domain="城乡建设", title="春晖路井盖")  # its backlog
    _spread(db, settled, 2, days_ago=0.1, places=["春晖路"], domain="城乡建设", title="春晖路井盖")
    assert find_surges(db, keywords=["井盖"], rules=RULES, now=NOW) == []
    _spread(db, settled, 3, days_ago=0.1, places=["春晖路"], domain="", title="春晖路")
    assert {(s.kind, s.value, s.recent) for s in find_surges(db, keywords=["井盖"], rules=RULES, now=NOW)} == {
        ("place", "春晖路", 5)
    }


def test_a_surge_is_one_row_per_topic_and_day_brought_up_to_date(db: Session) -> None:
    src = source(db)
    _spread(db, src, 6, days_ago=0.1, places=["春晖路"], domain="")
    first = find_surges(db, rules=RULES, now=NOW)
    rows = record_surges(db, first, now=NOW)
    assert [(r.kind, r.value, r.recent, r.day) for r in rows] == [("place", "春晖路", 6, "2026-03-20")]
    _spread(db, src, 3, days_ago=0.05, places=["春晖路"], domain="")
    again = record_surges(db, find_surges(db, rules=RULES, now=NOW + timedelta(hours=1)), now=NOW + timedelta(hours=1))
    assert [r.id for r in again] == [rows[0].id] and again[0].recent == 9
    assert db.scalar(select(func.count()).select_from(WebSurge)) == 1
    shown = current_surges(db, now=NOW + timedelta(hours=2))
    assert [(s.value, s.recent, s.ratio) for s in shown] == [("春晖路", 9, float("inf"))]
    assert current_surges(db, now=NOW + timedelta(days=2)) == []  # only the last 24 hours
    db.add(WebSurge(kind="place", value="春晖路", day="2026-03-20", recent=1, baseline=0.0))
    with pytest.raises(IntegrityError):  # a concurrent worker's copy is refused: its task runs again
        db.flush()
