"""`minyi import` speed: ours (checked file, multi-row INSERTs, one transaction per 500 rows) vs one row per commit.

Both import the same rows into fresh SQLite databases (WAL, migrated) in the same process; the baseline
is the same code with batches of one row, so it commits after every row, as a naive importer would. Prints
messages/s for both and the ratio, then ours on every shared message (about 10,000).

    .venv/bin/python benchmarks/bench_import.py [--rows 2000] [--data ../shared/data/teddycup2020]

Without the shared data, synthetic messages (written here, with replies) are used.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from minyi.core.db import make_engine, make_session_factory
from minyi.core.migrate import upgrade
from minyi.ingest import services as ingest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "teddycup2020"
FILES = ("messages_with_replies", "messages_with_votes", "messages_labeled", "messages_unlabeled")


def shared_rows(data: Path) -> list[dict]:
    """Every shared message, first occurrence of each id (the importer keys them by one source)."""
    rows: dict[object, dict] = {}
    for stem in FILES:
        with (data / f"{stem}.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                rows.setdefault(row["id"], row)
    return list(rows.values())


def synthetic_rows(n: int) -> list[dict]:
    """Messages we make up, half of them with a reply signed by a department."""
    rng = random.Random(1)
    start = datetime(2019, 1, 1, 9)
    rows = []
    for i in range(n):
        sent = start + timedelta(hours=rng.randrange(24 * 365))
        row = {
            "id": i,
            "user": f"U{i:06d}",
            "title": f"A{rng.randrange(1, 9)}区第{i}号路段路灯不亮",
            "body": "路灯已经坏了两周，晚上出行很不方便，请尽快维修。" * rng.randrange(1, 6),
            "time": f"{sent:%Y-%m-%d %H:%M:%S}",
            "likes": rng.randrange(20),
        }
        if i % 2:
            row |= {
                "reply": f"您好，已安排维修。\nA{rng.randrange(1, 9)}区城市管理局",
                "reply_time": f"{sent + timedelta(days=rng.randrange(1, 30)):%Y-%m-%d %H:%M:%S}",
            }
        rows.append(row)
    return rows


def write_jsonl(rows: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def fresh_factory(folder: Path, name: str):
    url = f"sqlite:///{folder / name}.sqlite3"
    upgrade(url)
    return make_session_factory(make_engine(url))


def ours(factory, path: Path, batch_size: int = ingest.DEFAULT_BATCH_SIZE, pause: bool = True) -> float:
    """One transaction per batch of `batch_size` rows (the command's default)."""
    start = time.perf_counter()
    with factory() as session:
        report = ingest.import_file(
            session, path=path, source="bench", batch_size=batch_size, pause_between_batches=pause
        )
    assert report.written and not report.problems, report.problems[:3]
    return time.perf_counter() - start


def one_row_per_commit(factory, path: Path) -> float:
    """The same checks and the same writer, but one transaction (and one commit) per row."""
    return ours(factory, path, batch_size=1, pause=False)  # a naive importer leaves no room for others


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows for the head-to-head run")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    everything = shared_rows(args.data) if args.data.is_dir() else synthetic_rows(10_000)
    origin = "shared data" if args.data.is_dir() else "synthetic messages"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        head = write_jsonl(everything[: args.rows], folder / "head.jsonl")
        n = min(args.rows, len(everything))
        baseline = one_row_per_commit(fresh_factory(folder, "naive"), head)
        batched = ours(fresh_factory(folder, "ours"), head)
        print(f"import of {n} {origin} (same rows, fresh SQLite each):")
        print(f"  one row per commit : {baseline:7.2f} s  {n / baseline:8.0f} messages/s")
        print(f"  ours (batched)     : {batched:7.2f} s  {n / batched:8.0f} messages/s")
        print(f"  ratio              : {baseline / batched:7.1f}x")
        full = write_jsonl(everything, folder / "all.jsonl")
        seconds = ours(fresh_factory(folder, "full"), full)
        print(f"ours on all {len(everything)} {origin}: {seconds:.2f} s, {len(everything) / seconds:.0f} messages/s")


if __name__ == "__main__":
    main()
