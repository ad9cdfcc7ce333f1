"""One voice counted once across runs, at volume: a run's batch of new web items checked against the stored ones.

Builds a SQLite database (the migrations) holding `--items` stored first items (synthetic Chinese text of 4-8
sentences) with their keys (`web_item_keys`), then stores one batch of `--batch` new items through
`minyi.collect.store.store_items`: a third reposts of stored items (a few characters changed, a site footer added),
a third quotes (two or three of a stored item's sentences with a remark), a third new. Prints the time of that
batch (keys looked up by index, candidates compared), how many repeats it found, and beside it the naive
baseline — every new item compared with every stored text (`repeats`), timed on `--baseline-new` items and
extrapolated linearly to the batch — and the ratio.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_web_dedup.py [--items 200000] [--batch 500] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from minyi.collect.dedup import fingerprints, fold, repeats
from minyi.collect.extract import Item
from minyi.collect.models import WebItem, WebItemKey, WebSource
from minyi.collect.store import content_hash, store_items
from minyi.core.db import make_engine
from minyi.core.migrate import upgrade

_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"
    "行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些"
    "然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公"
    "无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将"
)
FOOTER = "（本文转载自青川论坛，版权归原作者所有）"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
INSERT_CHUNK = 20_000


def sentence(rng: random.Random) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(rng.randint(15, 30))) + "。"


def article(rng: random.Random) -> str:
    return "".join(sentence(rng) for _ in range(rng.randint(4, 8)))


def build(url: str, n: int, rng: random.Random) -> tuple[sessionmaker, int, list[str]]:
    """The database with `n` stored first items and their keys; returns the factory, the source and the texts."""
    upgrade(url)
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        source = WebSource(name="基准来源", kind="feed", url="http://127.0.0.1/rss.xml", last_error="")
        session.add(source)
        session.flush()
        source_id = source.id
    texts = [article(rng) for _ in range(n)]
    with engine.begin() as conn:
        for start in range(0, n, INSERT_CHUNK):
            chunk = texts[start : start + INSERT_CHUNK]
            rows = [
                {
                    "id": start + k + 1,
                    "source_id": source_id,
                    "url": f"http://127.0.0.1/s/{start + k + 1}",
                    "canonical_url": f"http://127.0.0.1/s/{start + k + 1}",
                    "kind": "article",
                    "text": text,
                    "clean_text": text,
                    "fetched_at": NOW,
                    "content_hash": content_hash(text, None),
                    "analysis": {},
                    "urgent": False,
                }
                for k, text in enumerate(chunk)
            ]
            conn.execute(insert(WebItem), rows)
            keys = [
                {"key": key, "web_item_id": start + k + 1}
                for k, fp in enumerate(fingerprints(chunk))
                for key in fp.keys
            ]
            conn.execute(insert(WebItemKey), keys)
    return factory, source_id, texts


def new_batch(texts: list[str], size: int, rng: random.Random) -> tuple[list[str], list[int | None]]:
    """New texts and, for each, the stored item (id) it repeats or None."""
    out: list[str] = []
    expected: list[int | None] = []
    for k in range(size):
        original = rng.randrange(len(texts))
        text = texts[original]
        if k % 3 == 0:  # a repost: a few characters changed, a footer
            chars = list(text)
            for _ in range(3):
                chars[rng.randrange(len(chars))] = rng.choice(_CHARS)
            out.append("".join(chars) + FOOTER)
            expected.append(original + 1)
        elif k % 3 == 1:  # a quote of two or three sentences with a remark
            sentences = [s + "。" for s in text.split("。") if s]
            first = rng.randrange(max(1, len(sentences) - 2))
            out.append("引用：" + "".join(sentences[first : first + 3]) + "顶")
            expected.append(original + 1)
        else:
            out.append(article(rng))
            expected.append(None)
    return out, expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--baseline-new", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        started = time.perf_counter()
        factory, source_id, texts = build(url, args.items, rng)
        print(f"stored {args.items:,} first items with their keys in {time.perf_counter() - started:.1f} s (setup)")
        batch, expected = new_batch(texts, args.batch, rng)
        items = [
            Item(f"http://127.0.0.1/n/{k}", f"http://127.0.0.1/n/{k}", None, text, None, None, None, "post", None)
            for k, text in enumerate(batch)
        ]
        records = [
            {"text": t, "duplicate_of": None, "domain": "", "appeal_kind": "", "urgent": False, "places": []}
            for t in batch
        ]
        started = time.perf_counter()
        store_items(factory, source_id=source_id, items=items, records=records, validators={}, now=NOW)
        ours = time.perf_counter() - started
        with factory() as session:
            rows = session.execute(select(WebItem.url, WebItem.duplicate_of_id).where(WebItem.id > args.items))
            found = {url: first for url, first in rows}
        got = [found[f"http://127.0.0.1/n/{k}"] for k in range(len(batch))]
        right = sum(g == e for g, e in zip(got, expected, strict=True))
        repeats_expected = sum(e is not None for e in expected)
        repeats_found = sum(g is not None and g == e for g, e in zip(got, expected, strict=True))
        print(
            f"ours: {args.batch} new items against {args.items:,} stored in {ours:.2f} s "
            f"({1000 * ours / args.batch:.1f} ms an item); repeats found {repeats_found}/{repeats_expected}, "
            f"right {right}/{len(batch)}"
        )
        started = time.perf_counter()
        with factory() as session:
            for text in batch[: args.baseline_new]:
                mine = fold(text)
                for (stored,) in session.execute(select(WebItem.clean_text).where(WebItem.id <= args.items)):
                    repeats(mine, fold(stored))
        per_item = (time.perf_counter() - started) / args.baseline_new
        baseline = per_item * args.batch
        print(
            f"naive baseline (every stored text compared): {per_item:.2f} s an item, "
            f"{baseline:.0f} s for the batch (extrapolated)"
        )
        print(f"ratio: {baseline / ours:.0f}x")


if __name__ == "__main__":
    main()
