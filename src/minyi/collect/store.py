"""New web items into `web_items`, once each: by canonical URL, with comments linked to their parent and repeats to
the first item that said the same (in this run, or an earlier run by the exact folded text)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from minyi.collect.alerts import UrgentAlerts, alert_urgent_items
from minyi.collect.crawl import Validators
from minyi.collect.dedup import EXACT_MIN_CHARS, fold
from minyi.collect.extract import Item
from minyi.collect.models import WebItem, WebSource
from minyi.collect.urls import normalize_url
from minyi.collect.voices import count_new_voices, voice_columns
from minyi.core.db import transaction

log = logging.getLogger(__name__)

WRITE_BATCH = 500  # items per writing transaction


def content_hash(text: str, author: str | None) -> str:
    """The key of the exact text, folded; a short text counts as the same only with the same author."""
    folded = fold(text)
    key = folded if len(folded) >= EXACT_MIN_CHARS else f"{author or ''}\x00{folded}"
    return hashlib.sha256(key.encode()).hexdigest()


def _repeats_across_runs(text: str, author: str | None) -> bool:
    return len(fold(text)) >= EXACT_MIN_CHARS or bool(author)


def store_items(
    factory: sessionmaker[Session],
    *,
    source_id: int,
    items: Sequence[Item],
    records: Sequence[dict[str, Any]],
    validators: dict[str, Validators],
    now: datetime,
    alerts: UrgentAlerts | None = None,
) -> int:
    """Store the items not stored before (their `records` from `analyse_items`), in batches; returns how many.

    The urgent ones alert at once, in the batch's transaction (minyi.collect.alerts; `alerts`: channels, watchers)."""
    pairs = list(zip(items, records, strict=True))
    stored = 0
    ids_by_url: dict[str, int] = {}  # item url → its row (this run's duplicates point to it)
    for start in range(0, len(pairs), WRITE_BATCH):
        batch = pairs[start : start + WRITE_BATCH]
        args = (source_id, batch, validators, now, ids_by_url, alerts)
        try:
            with transaction(factory) as session:
                stored += _store_batch(session, *args)
        except IntegrityError:  # another source's run stored one of these first: check again, once
            log.info("a concurrent run stored some of these items first; checking again")
            with transaction(factory) as session:
                stored += _store_batch(session, *args)
    return stored


def _store_batch(
    session: Session,
    source_id: int,
    batch: list[tuple[Item, dict[str, Any]]],
    validators: dict[str, Validators],
    now: datetime,
    ids_by_url: dict[str, int],
    alerts: UrgentAlerts | None,
) -> int:
    source_place = session.scalar(select(WebSource.place).where(WebSource.id == source_id)) or ""  # 网络民意 counts
    new_rows: list[WebItem] = []  # the urgent ones alert once stored
    urls = {item.canonical_url for item, _ in batch} | {item.parent_url for item, _ in batch if item.parent_url}
    query = select(WebItem.canonical_url, WebItem.id).where(WebItem.canonical_url.in_(urls))
    known: dict[str, int] = {url: item_id for url, item_id in session.execute(query)}
    hashes = {content_hash(record["text"], item.author) for item, record in batch}
    firsts = (
        select(WebItem.content_hash, func.min(WebItem.id))
        .where(WebItem.content_hash.in_(hashes), WebItem.duplicate_of_id.is_(None))
        .group_by(WebItem.content_hash)
    )
    first_by_hash: dict[str, int] = {digest: item_id for digest, item_id in session.execute(firsts)}
    stored = 0
    for item, record in batch:
        if item.canonical_url in known:  # collected before: never changed
            ids_by_url.setdefault(item.url, known[item.canonical_url])
            continue
        digest = content_hash(record["text"], item.author)
        duplicate = ids_by_url.get(record["duplicate_of"]) if record["duplicate_of"] else None
        if duplicate is None and _repeats_across_runs(record["text"], item.author):
            duplicate = first_by_hash.get(digest)
        etag, modified = (
            (None, None) if item.kind == "comment" else validators.get(normalize_url(item.url), (None, None))
        )
        row = WebItem(
            source_id=source_id,
            url=item.url,
            canonical_url=item.canonical_url,
            parent_id=known.get(item.parent_url) if item.parent_url else None,
            kind=item.kind,
            title=(item.title or None) and item.title[:500],
            text=item.text,
            clean_text=record["text"],
            author=(item.author or None) and item.author[:200],
            published=item.published,
            encoding=item.encoding,
            fetched_at=now,
            content_hash=digest,
            duplicate_of_id=duplicate,
            analysis={k: record[k] for k in ("domain", "appeal_kind", "urgent", "places")},
            urgent=bool(record["urgent"]),
            **voice_columns(record, source_place),  # domain, appeal kind, place: counted in SQL (minyi.collect.voices)
            etag=etag,
            last_modified=modified,
        )
        session.add(row)
        session.flush()
        known[item.canonical_url] = row.id
        ids_by_url.setdefault(item.url, row.id)
        first_by_hash.setdefault(digest, row.id)
        new_rows.append(row)
        stored += 1
    count_new_voices(session, new_rows)  # 网络民意: the daily counts, in this transaction
    alert_urgent_items(session, new_rows, alerts)  # 网络民意: an urgent item alerts at once, in this transaction
    return stored
