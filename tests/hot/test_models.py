"""Migration 0022 (one voice counted once) up and down: the keys and links tables, the columns it adds."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from minyi.core.db import make_engine
from minyi.core.migrate import alembic_config, upgrade


def _columns(url: str, table: str) -> set[str]:
    return {c["name"] for c in inspect(make_engine(url)).get_columns(table)}


def test_migration_0022_adds_and_removes_keys_links_and_channel_counts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    tables = set(inspect(make_engine(url)).get_table_names())
    assert {"web_item_keys", "web_item_links"} <= tables
    assert "matched_at" in _columns(url, "web_items")
    assert {"board_voices", "web_voices", "web_item_ids"} <= _columns(url, "hot_issues")
    command.downgrade(alembic_config(url), "-1")  # 0022 is the head: one step down removes exactly it
    tables = set(inspect(make_engine(url)).get_table_names())
    assert "web_item_keys" not in tables and "web_item_links" not in tables and "web_items" in tables
    assert "matched_at" not in _columns(url, "web_items") and "case_id" in _columns(url, "web_items")
    assert "board_voices" not in _columns(url, "hot_issues") and "case_ids" in _columns(url, "hot_issues")
    upgrade(url)
    assert "web_item_links" in inspect(make_engine(url)).get_table_names()
