"""New web items into `web_items`, once each: by canonical URL, with comments linked to their parent and repeats to
the first item that said the same — in this run, or an earlier run by the exact folded text, or by a stored key
(`web_item_keys`: MinHash bands and sentences) for a near copy or a quote (minyi.collect.dedup.repeats).

Each batch: the keys of its items are looked up in a reading transaction and the candidates compared outside any;
then a short writing transaction stores the rows and the keys of the new first items."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from minyi.collect.alerts import UrgentAlerts, alert_urgent_items
from minyi.collect.crawl import Validators
from minyi.collect.dedup import EXACT_MIN_CHARS, Fingerprint, fingerprints, fold, repeats
from minyi.collect.extract import Item
from minyi.collect.models import WebItem, WebItemKey, WebSource
from minyi.collect.urls import normalize_url
from minyi.collect.voices import count_new_voices, voice_columns
from minyi.core.db import transaction

log = logging.getLogger(__name__)

WRITE_BATCH = 500  # items per writing transaction
KEY_CHUNK = 900  # keys per IN (...) lookup
MAX_ITEMS_PER_KEY = 50  # a key shared by more stored items is a common phrase: it proves nothing
MAX_CANDIDATES = 16  # stored items compared with one new item (those sharing the most keys)


@dataclass
class _RunKeys:
    """The keys and folded texts of the first items stored by this run (a later item of the run may quote one)."""

    items_by_key: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    folded: dict[int, str] = field(default_factory=dict)

    def copy(self) -> _RunKeys:
        items = defaultdict(list, {k: list(v) for k, v in self.items_by_key.items()})
        return _RunKeys(items, dict(self.folded))

    def first_repeated(self, fp: Fingerprint) -> int | None:
        shared = Counter(i for key in fp.keys for i in self.items_by_key.get(key, ()))
        hits = [i for i, _ in shared.most_common(MAX_CANDIDATES) if repeats(fp.folded, self.folded[i])]
        return min(hits, default=None)

    def add(self, item_id: int, fp: Fingerprint) -> None:
        for key in fp.keys:
            self.items_by_key[key].append(item_id)
        self.folded[item_id] = fp.folded


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
    prints = fingerprints([record["text"] for record in records])  # pure: before any transaction
    stored = 0
    ids_by_url: dict[str, int] = {}  # item url → its row (this run's duplicates point to it)
    run = _RunKeys()
    for start in range(0, len(pairs), WRITE_BATCH):
        batch = pairs[start : start + WRITE_BATCH]
        batch_prints = prints[start : start + WRITE_BATCH]
        with transaction(factory, write=False) as session:
            found = _stored_candidates(session, batch_prints)
        earlier = _first_repeated(found, batch_prints)  # compared outside any transaction
        one = _Batch(source_id, batch, batch_prints, earlier)
        before_urls, before_run = dict(ids_by_url), run.copy()
        try:
            with transaction(factory) as session:
                stored += _store_batch(session, one, validators, now, ids_by_url, run, alerts)
        except IntegrityError:  # another source's run stored one of these first: check again, once
            log.info("a concurrent run stored some of these items first; checking again")
            ids_by_url.clear()
            ids_by_url.update(before_urls)
            run = before_run
            with transaction(factory) as session:
                stored += _store_batch(session, one, validators, now, ids_by_url, run, alerts)
    return stored


def _stored_candidates(session: Session, prints: Sequence[Fingerprint]) -> list[dict[int, str]]:
    """Per item: the stored first items sharing the most keys with it, and their folded texts (index lookups)."""
    keys = sorted({key for fp in prints for key in fp.keys})
    holders: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(keys), KEY_CHUNK):
        query = select(WebItemKey.key, WebItemKey.web_item_id).where(
            WebItemKey.key.in_(keys[start : start + KEY_CHUNK])
        )
        for key, item_id in session.execute(query):
            holders[key].append(item_id)
    chosen: list[list[int]] = []
    for fp in prints:
        shared = Counter(i for key in fp.keys if len(holders.get(key, ())) <= MAX_ITEMS_PER_KEY for i in holders[key])
        chosen.append([i for i, _ in shared.most_common(MAX_CANDIDATES)])
    ids = sorted({i for ids in chosen for i in ids})
    texts: dict[int, str] = {}
    for start in range(0, len(ids), KEY_CHUNK):
        rows = session.execute(
            select(WebItem.id, WebItem.clean_text).where(WebItem.id.in_(ids[start : start + KEY_CHUNK]))
        )
        texts.update((item_id, text) for item_id, text in rows)
    return [{i: texts[i] for i in ids if i in texts} for ids in chosen]


def _first_repeated(found: list[dict[int, str]], prints: Sequence[Fingerprint]) -> list[int | None]:
    """Per item: the first stored item it nearly duplicates or mostly quotes, or None."""
    out: list[int | None] = []
    for candidates, fp in zip(found, prints, strict=True):
        hits = [i for i, text in candidates.items() if fp.indexable and repeats(fp.folded, fold(text))]
        out.append(min(hits, default=None))
    return out


@dataclass(frozen=True)
class _Batch:
    """One batch of items with what was computed for it before its writing transaction."""

    source_id: int
    pairs: list[tuple[Item, dict[str, Any]]]
    prints: Sequence[Fingerprint]
    earlier: Sequence[int | None]  # the stored item each repeats, found by its keys


def _store_batch(
    session: Session,
    one: _Batch,
    validators: dict[str, Validators],
    now: datetime,
    ids_by_url: dict[str, int],
    run: _RunKeys,
    alerts: UrgentAlerts | None,
) -> int:
    batch, source_id = one.pairs, one.source_id
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
    new_keys: list[dict[str, int]] = []
    for (item, record), fp, stored_first in zip(batch, one.prints, one.earlier, strict=True):
        if item.canonical_url in known:  # collected before: never changed
            ids_by_url.setdefault(item.url, known[item.canonical_url])
            continue
        digest = content_hash(record["text"], item.author)
        duplicate = ids_by_url.get(record["duplicate_of"]) if record["duplicate_of"] else None
        if duplicate is None and _repeats_across_runs(record["text"], item.author):
            duplicate = first_by_hash.get(digest)
        if duplicate is None and fp.indexable:  # a near copy or a quote of an earlier run's item, or of this run's
            duplicate = stored_first if stored_first is not None else run.first_repeated(fp)
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
        if duplicate is None and fp.keys:  # a first item: found again by its keys
            new_keys.extend({"key": key, "web_item_id": row.id} for key in fp.keys)
            run.add(row.id, fp)
        new_rows.append(row)
        stored += 1
    if new_keys:
        session.execute(insert(WebItemKey), new_keys)
    count_new_voices(session, new_rows)  # 网络民意: the daily counts, in this transaction
    alert_urgent_items(session, new_rows, alerts)  # 网络民意: an urgent item alerts at once, in this transaction
    return stored
