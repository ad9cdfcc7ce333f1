"""Snapshot every output of the shipped model on all shared messages, and compare two snapshots.

A refactor of minyi.nlp must leave the shipped model's outputs identical: write a snapshot before the
change, another after, and compare them. Each line of a snapshot is one message: its file and id, the
domain, the appeal kind, urgency and its reasons, the places, the departments suggested, every score
(rounded to 4 decimals, as the analyzer returns them), the cleaned text and the repairs.

    .venv/bin/python benchmarks/analysis_snapshot.py write /tmp/before.jsonl
    .venv/bin/python benchmarks/analysis_snapshot.py write /tmp/after.jsonl
    .venv/bin/python benchmarks/analysis_snapshot.py compare /tmp/before.jsonl /tmp/after.jsonl

`write --model PATH` analyses with another model file (e.g. one `minyi train --out PATH` just wrote).

`write` prints the number of messages and the sha256 of the snapshot; `compare` prints how many messages
differ in each output and the first few differences, and exits 1 when any differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "teddycup2020"
FILES = ("messages_labeled", "messages_unlabeled", "messages_with_votes", "messages_with_replies")


def load(data: Path) -> list[tuple[str, str, str, str]]:
    """(file, id, title, body) of every shared message, in file order."""
    rows = []
    for stem in FILES:
        with open(data / f"{stem}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                rows.append((stem, str(row["id"]), row["title"], row["body"]))
    return rows


def plain(result: Any) -> dict[str, Any]:
    """The analysis result as plain JSON data (a typed result or a dict)."""
    to_dict = getattr(result, "to_dict", None)
    data = to_dict() if callable(to_dict) else dict(result)
    return json.loads(json.dumps(data, ensure_ascii=False, sort_keys=True))


def write(out: Path, data: Path, model: Path | None = None) -> None:
    from minyi.nlp.pipeline import load_default_analyzer, loads_model

    rows = load(data)
    analyzer = loads_model(model.read_bytes()) if model else load_default_analyzer()
    results = analyzer.analyze_many([(title, body) for _, _, title, body in rows])
    digest = hashlib.sha256()
    with open(out, "w", encoding="utf-8") as handle:
        for (stem, ident, _, _), result in zip(rows, results, strict=True):
            line = json.dumps({"file": stem, "id": ident, **plain(result)}, ensure_ascii=False, sort_keys=True)
            handle.write(line + "\n")
            digest.update(line.encode("utf-8") + b"\n")
    print(f"{len(rows)} messages analysed, snapshot {out}, sha256 {digest.hexdigest()}")


def _read(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def compare(before: Path, after: Path, *, show: int = 5) -> int:
    old, new = _read(before), _read(after)
    if len(old) != len(new):
        print(f"different numbers of messages: {len(old)} before, {len(new)} after")
        return 1
    differ: Counter[str] = Counter()
    messages = 0
    shown = 0
    for a, b in zip(old, new, strict=True):
        keys = sorted(set(a) | set(b))
        changed = [k for k in keys if a.get(k) != b.get(k)]
        if not changed:
            continue
        messages += 1
        differ.update(changed)
        if shown < show:
            shown += 1
            for k in changed:
                print(f"  {a.get('file')} {a.get('id')} {k}: {a.get(k)!r} -> {b.get(k)!r}"[:400])
    print(f"{len(old)} messages compared, {messages} differ")
    for key, count in sorted(differ.items()):
        print(f"  {key}: {count}")
    return 1 if messages else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="analyse every shared message and write the snapshot")
    w.add_argument("out", type=Path)
    w.add_argument("--data", type=Path, default=DEFAULT_DATA)
    w.add_argument("--model", type=Path, default=None, help="a model file [default: the shipped one]")
    c = sub.add_parser("compare", help="compare two snapshots (exit 1 when any output differs)")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "write":
        if not args.data.is_dir():
            print(f"shared data not found at {args.data}")
            sys.exit(2)
        write(args.out, args.data, args.model)
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
