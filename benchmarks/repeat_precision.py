"""重复投诉: how often "the same problem" (minyi.callbacks.repeats: `minyi.nlp.hot.similar` ≥ MIN_SCORE) is right.

Two measures on ../shared/data (never shipped, never read at run time):
1. the hand-labelled pairs of gold/hot_pairs.csv (same issue or not): precision and recall of the decision at
   several thresholds, the shipped one marked;
2. pairs of messages by the same user id in messages_with_votes.jsonl (the data's "same person"): how many the
   check would flag, and with `--sample N` that many flagged pairs printed to be read and judged by hand.

    PYTHONPATH=src .venv/bin/python benchmarks/repeat_precision.py [--data ../shared/data] [--sample 20]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
from collections import defaultdict
from pathlib import Path

from minyi.callbacks.repeats import MIN_SCORE
from minyi.nlp.hot import similar
from minyi.nlp.text import join_text

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.2, 0.25, MIN_SCORE, 0.35, 0.4, 0.5)


def _messages(data: Path, source: str) -> dict[int, dict]:
    with open(data / "teddycup2020" / f"{source}.jsonl", encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, f)}


def _score(a: dict, b: dict) -> float:
    """The repeated-complaint check's score of the later message against the earlier one."""
    earlier, later = sorted((a, b), key=lambda r: r["time"])
    hits = similar(join_text(later["title"], later["body"]), [(0, join_text(earlier["title"], earlier["body"]))])
    return hits[0][1] if hits else 0.0


def gold_pairs(data: Path) -> None:
    """Precision and recall on the hand-labelled pairs."""
    with open(ROOT / "gold" / "hot_pairs.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    sources = {r["source"] for r in rows}
    messages = {s: _messages(data, s) for s in sources}
    scored = [
        (_score(messages[r["source"]][int(r["id_a"])], messages[r["source"]][int(r["id_b"])]), r["same"] == "1")
        for r in rows
    ]
    same = sum(truth for _s, truth in scored)
    print(f"gold/hot_pairs.csv: {len(scored)} pairs, {same} labelled the same issue")
    for t in THRESHOLDS:
        flagged = [truth for s, truth in scored if s >= t]
        hits = sum(flagged)
        precision = hits / len(flagged) if flagged else float("nan")
        mark = "  <- shipped (MIN_SCORE)" if t == MIN_SCORE else ""
        print(
            f"  score >= {t:.2f}: flagged {len(flagged):3d}, precision {precision:.3f}, recall {hits / same:.3f}{mark}"
        )


def same_user_pairs(data: Path, sample: int) -> None:
    """Pairs by the same user id: how many would be flagged; a random sample printed to judge by hand."""
    rows = _messages(data, "messages_with_votes")
    by_user = defaultdict(list)
    for row in rows.values():
        by_user[row["user"]].append(row)
    pairs = [
        (a, b) for msgs in by_user.values() if 1 < len(msgs) <= 20 for a, b in itertools.combinations(msgs, 2)
    ]  # the one user with 92 messages is a bulk account, left out
    flagged = [(a, b, s) for a, b in pairs if (s := _score(a, b)) >= MIN_SCORE]
    print(f"same user id (messages_with_votes): {len(pairs)} pairs, {len(flagged)} flagged at {MIN_SCORE}")
    for a, b, s in random.Random(16).sample(flagged, min(sample, len(flagged))):
        print(f"  {s:.2f} | {a['id']} {a['title'][:40]} | {b['id']} {b['title'][:40]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sample", type=int, default=0)
    args = parser.parse_args()
    gold_pairs(args.data)
    same_user_pairs(args.data, args.sample)


if __name__ == "__main__":
    main()
