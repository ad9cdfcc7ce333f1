"""Web items made for tests as `minyi.collect.store` stores them: the analysis kept, its counted columns copied,
the daily counts brought up to date."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from minyi.collect.models import WebItem, WebSource
from minyi.collect.voices import count_new_voices, voice_columns
from minyi.core.clock import utcnow

_numbers = itertools.count(1)


LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)  # a source registered before any surge's baseline of the tests


def source(db: Session, name: str = "青川新闻", place: str = "", *, created_at: datetime = LONG_AGO) -> WebSource:
    """A registered web source (long ago by default)."""
    row = WebSource(name=name, kind="feed", url=f"http://127.0.0.1/{name}.xml", place=place, created_at=created_at)
    db.add(row)
    db.flush()
    return row


def web_item(
    db: Session,
    src: WebSource,
    *,
    title: str = "春晖路积水",
    text: str = "春晖路积水三天了，希望尽快处理。",
    domain: str = "城乡建设",
    appeal_kind: str = "help",
    places: list[str] | None = None,
    urgent: bool = False,
    fetched_at: datetime | None = None,
    duplicate_of_id: int | None = None,
    author: str | None = None,
    **overrides: Any,
) -> WebItem:
    """One stored web item (flushed)."""
    n = next(_numbers)
    analysis = {"domain": domain, "appeal_kind": appeal_kind, "urgent": urgent, "places": places or []}
    row = WebItem(
        source_id=src.id,
        url=f"http://127.0.0.1/items/{n}.html",
        canonical_url=f"http://127.0.0.1/items/{n}.html",
        kind="article",
        title=title,
        text=text,
        clean_text=text,
        author=author,
        content_hash=hashlib.sha256(f"{n}{text}".encode()).hexdigest(),
        analysis=analysis,
        urgent=urgent,
        fetched_at=fetched_at or utcnow(),
        duplicate_of_id=duplicate_of_id,
        **voice_columns(analysis, src.place),
        **overrides,
    )
    db.add(row)
    db.flush()
    count_new_voices(db, [row])  # as the store counts it
    return row
