"""The web source and web item tables: migration 0019 up and down, one row per canonical URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minyi.collect.models import WebItem, WebSource
from minyi.core.db import make_engine
from minyi.core.migrate import alembic_config, upgrade


def test_migration_0019_adds_and_removes_the_two_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    assert {"web_sources", "web_items"} <= set(inspect(make_engine(url)).get_table_names())
    command.downgrade(alembic_config(url), "0018")
    tables = set(inspect(make_engine(url)).get_table_names())
    assert "web_sources" not in tables and "web_items" not in tables and "messages" in tables


def test_a_canonical_url_is_stored_once(db: Session) -> None:
    source = WebSource(name="青川新闻", kind="feed", url="http://127.0.0.1/rss.xml")
    db.add(source)
    db.flush()
    db.add(WebItem(source_id=source.id, url="http://a/1", canonical_url="http://a/1", kind="article", content_hash="x"))
    db.flush()
    db.add(
        WebItem(source_id=source.id, url="http://a/1?x", canonical_url="http://a/1", kind="article", content_hash="y")
    )
    with pytest.raises(IntegrityError):
        db.flush()
