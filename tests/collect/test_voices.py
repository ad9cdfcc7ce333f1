"""New web voices counted by period in SQL: the same figures as a recount in Python, repeats once, bad input refused."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from tests.collect.items import source, web_item

from minyi.collect.models import WebItem
from minyi.collect.voices import (
    MAX_SPAN_DAYS,
    NO_VALUE,
    Period,
    count_voices,
    parse_period,
    parse_voice_filters,
    voice_columns,
)
from minyi.core.clock import CHINA_TZ, china_days_utc, travel
from minyi.core.errors import ValidationFailed

TODAY = date(2026, 3, 20)
NOW = datetime(2026, 3, 20, 15, 0, tzinfo=CHINA_TZ)


def test_the_counted_columns_copy_the_analysis_with_the_source_place_as_fallback() -> None:
    named = {"domain": "城乡建设", "appeal_kind": "help", "places": [" 春晖路 ", "河西区"]}
    assert voice_columns(named, "青川县") == {"domain": "城乡建设", "appeal_kind": "help", "place": "春晖路"}
    assert voice_columns({"places": []}, " 青川县 ") == {"domain": "", "appeal_kind": "", "place": "青川县"}
    assert voice_columns({}, "") == {"domain": "", "appeal_kind": "", "place": ""}
    assert len(voice_columns({"places": ["路" * 300]}, "")["place"]) == 100


def test_periods_are_china_days_and_bad_ones_are_clear_errors() -> None:
    assert parse_period({}, today=TODAY) == Period("7d", date(2026, 3, 14), TODAY)
    assert parse_period({"period": "today"}, today=TODAY) == Period("today", TODAY, TODAY)
    assert parse_period({"period": "30d"}, today=TODAY).start == date(2026, 2, 19)
    ranged = parse_period({"from": "2026-01-01", "to": "2026-01-31"}, today=TODAY)
    assert (ranged.key, ranged.days, ranged.before()) == (
        "range",
        31,
        Period("range", date(2025, 12, 1), date(2025, 12, 31)),
    )
    assert ranged.bounds == china_days_utc(date(2026, 1, 1), date(2026, 1, 31))
    for bad in (
        {"period": "year"},
        {"from": "2026-13-01"},
        {"from": "yesterday"},
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"from": "2025-01-01", "to": "2026-01-01"},  # longer than MAX_SPAN_DAYS
        {"from": "x" * 10_000},
    ):
        with pytest.raises(ValidationFailed):
            parse_period(bad, today=TODAY)
    assert MAX_SPAN_DAYS >= 31
    with pytest.raises(ValidationFailed):
        parse_voice_filters({"kind": "<script>"})
    with pytest.raises(ValidationFailed):
        parse_voice_filters({"place": "路" * 101})
    assert parse_voice_filters({"place": " 春晖路 ", "kind": "help"}).describe() == ["春晖路", "求助"]


PLACES = ["春晖路", "东湖路", "河西区", ""]
DOMAINS = ["城乡建设", "环境保护", "交通运输", ""]
KINDS = ["help", "complaint", "suggestion", ""]


def test_counts_equal_an_independent_recount_of_random_items(db: Session) -> None:
    rng = random.Random(15)
    sources = [source(db, "青川新闻", place="青川县"), source(db, "河西论坛")]
    made: list[WebItem] = []
    for _ in range(400):
        moment = NOW - timedelta(minutes=rng.randrange(0, 45 * 24 * 60))
        repeat = made[rng.randrange(len(made))].id if made and rng.random() < 0.1 else None
        made.append(
            web_item(
                db,
                rng.choice(sources),
                places=[p] if (p := rng.choice(PLACES)) else [],
                domain=rng.choice(DOMAINS),
                appeal_kind=rng.choice(KINDS),
                fetched_at=moment,
                duplicate_of_id=repeat,
            )
        )
    names = {s.id: s.name for s in sources}
    with travel(NOW):
        periods = [parse_period({"period": key}) for key in ("today", "7d", "30d")]
    periods.append(parse_period({"from": "2026-02-10", "to": "2026-03-05"}, today=TODAY))
    for period in periods:
        counts = count_voices(db, period, top=100)
        low, high = period.bounds
        first = [i for i in made if i.duplicate_of_id is None and low <= i.fetched_at < high]
        plow, phigh = period.before().bounds
        assert counts.total == len(first)
        assert counts.previous == sum(1 for i in made if i.duplicate_of_id is None and plow <= i.fetched_at < phigh)
        assert {c.key: c.count for c in counts.by_place} == Counter(i.place or NO_VALUE for i in first)
        assert {c.key: c.count for c in counts.by_domain} == Counter(i.domain or NO_VALUE for i in first)
        assert {c.key: c.count for c in counts.by_kind} == Counter(i.appeal_kind or NO_VALUE for i in first)
        assert {c.label: c.count for c in counts.by_source} == Counter(names[i.source_id] for i in first)
        assert "青川县" in {c.key for c in counts.by_place} or not any(
            i.source_id == sources[0].id and not i.analysis["places"] for i in first
        )
    top = count_voices(db, periods[2], top=2).by_place
    assert len(top) == 2 and top[0].count >= top[1].count


def test_a_period_count_reads_the_covering_index(db: Session) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the PostgreSQL plan is checked in test_voices_postgres")
    low, high = Period("7d", date(2026, 3, 14), TODAY).bounds
    plan = " ".join(
        str(row[-1])
        for row in db.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT place, count(*) FROM web_items WHERE duplicate_of_id IS NULL"
                " AND fetched_at >= :low AND fetched_at < :high GROUP BY place"
            ),
            {"low": low, "high": high},
        )
    )
    assert "COVERING INDEX ix_web_items_voices" in plan, plan
