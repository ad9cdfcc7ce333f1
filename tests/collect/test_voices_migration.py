"""Migration 0021 on a database with web items: the counted columns filled from the JSON, the daily counts equal to a
recount, the watches start from the newest item; and down again."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from minyi.core.db import make_engine
from minyi.core.migrate import alembic_config, upgrade

ITEMS = [  # (fetched_at as stored, UTC; analysis; duplicate of the item before)
    (
        "2026-03-19 15:59:59.000000",
        {"domain": "城乡建设", "appeal_kind": "help", "places": ["春晖路", "河西区"]},
        False,
    ),
    (
        "2026-03-19 16:00:00.000000",
        {"domain": "环境保护", "appeal_kind": "complaint", "places": []},
        False,
    ),  # 3-20 in China
    ("2026-03-19 16:30:00.000000", {"domain": "环境保护", "appeal_kind": "complaint", "places": []}, True),
    ("2026-03-20 02:00:00.000000", {"places": ["东湖路"]}, False),
    ("2026-03-20 03:00:00.000000", {}, False),
]


def test_0021_fills_the_columns_and_counts_the_days(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    command.upgrade(alembic_config(url), "0020")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO web_sources (id, name, kind, url, place, weight, schedule_minutes, keywords, max_pages,"
                " active, created_at, last_status, items_last_run, errors_last_run, last_error) VALUES"
                " (1, '青川新闻', 'feed', 'http://127.0.0.1/rss', '青川县', 1, 60, '', 100, 1,"
                " '2026-03-01 00:00:00.000000', '', 0, 0, '')"
            )
        )
        for n, (moment, analysis, repeat) in enumerate(ITEMS, start=1):
            conn.execute(
                text(
                    "INSERT INTO web_items (id, source_id, url, canonical_url, kind, text, clean_text, fetched_at,"
                    " content_hash, duplicate_of_id, analysis, urgent) VALUES (:id, 1, :url, :url, 'article', 't',"
                    " 't', :at, 'h', :dup, :analysis, 0)"
                ),
                {
                    "id": n,
                    "url": f"http://127.0.0.1/{n}",
                    "at": moment,
                    "dup": n - 1 if repeat else None,
                    "analysis": json.dumps(analysis, ensure_ascii=False),
                },
            )
    upgrade(url)
    with engine.connect() as conn:
        columns = conn.execute(text("SELECT place, domain, appeal_kind FROM web_items ORDER BY id")).all()
        days = {(d, str(day), v): n for d, day, v, n in conn.execute(text("SELECT * FROM web_voice_days"))}
    assert [tuple(c) for c in columns] == [
        ("春晖路", "城乡建设", "help"),
        ("青川县", "环境保护", "complaint"),
        ("青川县", "环境保护", "complaint"),
        ("东湖路", "", ""),
        ("青川县", "", ""),
    ]
    firsts = [(c, day) for c, day, (_m, _a, repeat) in zip(columns, _days(), ITEMS, strict=True) if not repeat]
    expected: Counter[tuple[str, str, str]] = Counter()
    for (place, domain, kind), day in firsts:
        for dimension, value in (("all", ""), ("place", place), ("domain", domain), ("kind", kind), ("source", "1")):
            expected[dimension, day, value] += 1
    assert days == dict(expected)
    assert days["all", "2026-03-20", ""] == 3 and days["all", "2026-03-19", ""] == 1
    command.downgrade(alembic_config(url), "0020")
    inspector = inspect(make_engine(url))
    assert "web_voice_days" not in inspector.get_table_names()
    assert "place" not in {c["name"] for c in inspector.get_columns("web_items")}


def _days() -> list[str]:
    return [date(2026, 3, 19).isoformat()] + [date(2026, 3, 20).isoformat()] * 4
