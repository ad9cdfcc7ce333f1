"""Knowledge-base search at a city's volume: one query against 10,000 published entries in SQLite.

The entries are made from the shared messages as 设为常见问题 makes them (masked title as question, masked body as
details, the official reply as answer where there is one), written to a fresh database by the migrations, their
postings computed by the same functions `minyi.knowledge.index` uses. Queries are other messages (title + body).

Prints, in one process, for the same queries:
- ours: `minyi.knowledge.index.search_ids` (document frequencies and the postings of the rarer terms read by primary
  key, BM25 in Python): median and 95th percentile, wall and CPU milliseconds;
- the naive baseline: read every published entry from the database and score each (`minyi.nlp.knowledge.naive_scores`,
  the same BM25 without an index), on fewer queries;
and the ratio of the medians, and how often both agree on the first entry.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_knowledge.py [--entries 10000] [--queries 200] [--naive 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today, utcnow
from minyi.core.db import make_engine
from minyi.core.migrate import upgrade
from minyi.departments.models import Department
from minyi.knowledge.index import search_ids
from minyi.knowledge.models import PUBLISHED, KnowledgeEntry, KnowledgeTerm, KnowledgeTermCount
from minyi.nlp.knowledge import entry_length, entry_terms, naive_scores
from minyi.nlp.pii import mask_pii

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "teddycup2020"
FILES = ("messages_with_replies", "messages_with_votes", "messages_unlabeled", "messages_labeled")


def load_messages() -> list[dict[str, str]]:
    """Every shared message once (title, body, reply where there is one)."""
    seen, out = set(), []
    for stem in FILES:
        with open(DATA / f"{stem}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                key = (row["title"], row["body"])
                if key not in seen:
                    seen.add(key)
                    out.append(
                        {"title": row["title"], "body": " ".join(row["body"].split()), "reply": row.get("reply") or ""}
                    )
    return out


def build(session: Session, messages: list[dict[str, str]]) -> None:
    """Write the entries and their postings in batches (as `index_entry` would, without one flush per entry)."""
    dept = Department(name="基准测试部门", parent_id=None, is_active=True, created_at=utcnow())
    session.add(dept)
    session.flush()
    counts: dict[str, int] = {}
    now, due = utcnow(), china_today()
    for start in range(0, len(messages), 1000):
        chunk = messages[start : start + 1000]
        rows, terms = [], []
        for m in chunk:
            question, details, answer = (
                mask_pii(m["title"])[:200],
                mask_pii(m["body"])[:2000],
                m["reply"] or "请参阅相关政策。",
            )
            weighted = entry_terms(question, details, answer)
            rows.append(
                {
                    "department_id": dept.id,
                    "question": question,
                    "details": details,
                    "answer": answer,
                    "status": PUBLISHED,
                    "review_due": due,
                    "helpful_count": 0,
                    "term_length": entry_length(weighted),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            terms.append(weighted)
        ids = session.scalars(insert(KnowledgeEntry).returning(KnowledgeEntry.id), rows).all()
        postings = [
            {"term": t, "entry_id": i, "tf": tf, "length": row["term_length"]}
            for i, weighted, row in zip(ids, terms, rows, strict=True)
            for t, tf in weighted.items()
        ]
        session.execute(insert(KnowledgeTerm), postings)
        for weighted in terms:
            for t in weighted:
                counts[t] = counts.get(t, 0) + 1
    session.execute(insert(KnowledgeTermCount), [{"term": t, "entries": n} for t, n in counts.items()])
    session.commit()


def timed(fn, *args) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, result


def naive(session: Session, text: str) -> list[tuple[int, float]]:
    """No index: every published entry read and scored."""
    rows = session.execute(
        select(KnowledgeEntry.id, KnowledgeEntry.question, KnowledgeEntry.details, KnowledgeEntry.answer).where(
            KnowledgeEntry.status == PUBLISHED
        )
    ).all()
    ranked = naive_scores(text, [(r.question, r.details, r.answer) for r in rows], 5)
    return [(rows[i].id, score) for i, score in ranked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--naive", type=int, default=20)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    messages = load_messages()
    entries, queries = messages[: args.entries], messages[args.entries :][: args.queries]
    if len(queries) < args.queries:  # fewer messages than asked: query with the first ones' titles only
        queries += [{"title": m["title"], "body": ""} for m in entries[: args.queries - len(queries)]]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            began = time.perf_counter()
            build(session, entries)
            print(f"built {len(entries):,} entries in {time.perf_counter() - began:.1f} s")
        texts = [f"{q['title']}\n{q['body']}" for q in queries]
        with Session(engine) as session:
            ours = [timed(search_ids, session, t) for t in texts]
            theirs = [timed(naive, session, t) for t in texts[: args.naive]]
        agree = sum(bool(o[2]) and bool(n[2]) and o[2][0][0] == n[2][0][0] for o, n in zip(ours, theirs, strict=False))
    for name, runs in (("ours (SQL inverted index)", ours), ("naive scan", theirs)):
        walls, cpus = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
        p95 = walls[int(0.95 * (len(walls) - 1))]
        print(
            f"{name}: {len(runs)} queries, median {statistics.median(walls):.1f} ms wall "
            f"({statistics.median(cpus):.1f} ms CPU), p95 {p95:.1f} ms"
        )
    ratio = statistics.median(r[0] for r in theirs) / statistics.median(r[0] for r in ours)
    print(f"ratio naive/ours (median wall): {ratio:.0f}x; same first entry in {agree}/{len(theirs)} queries")


if __name__ == "__main__":
    main()
