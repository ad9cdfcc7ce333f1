"""Urgency figures on the written sets (issue 12): the development set, the blind set, the real urgent set.

    .venv/bin/python -m minyi.nlp.urgency_report [--gold gold] [--data ../shared/data/teddycup2020] [--blind]

Development set (gold/urgency_dev.csv): the shipped detector's figures are *resubstitution* figures when its
learned part was trained on this set, so the command also prints them by stratified 5-fold cross-validation
(the learned part retrained on four folds + the other training sets, rules unchanged), with per-category
recall. Blind set (gold/urgency_blind.csv, only with ``--blind``): aggregate figures only — recall,
self-harm recall, share of near misses flagged, precision — never a row, never a category (the set is never
tuned on; see docs/labelling/urgency_blind.md). Real set (gold/urgency.csv, needs the shared data):
precision and recall.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["figures", "load_written_set", "main"]

DEFAULT_DATA = Path("..") / "shared" / "data" / "teddycup2020"


def load_written_set(path: str | Path) -> tuple[list[str], list[int], list[str]]:
    """Texts (cleaned as the analyzer cleans them), labels (1 danger, 0 near miss) and categories of a set."""
    from minyi.nlp.pipeline import clean_message

    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = [clean_message(r["title"], r["body"])[0].joined for r in rows]
    labels = [1 if r["label"] == "danger" else 0 for r in rows]
    return texts, labels, [r["category"] for r in rows]


def figures(
    labels: Sequence[int], flags: Sequence[bool], categories: Sequence[str] | None = None, *, per_category: bool = False
) -> dict[str, Any]:
    """Recall, self-harm recall, near-miss flag rate, precision (and per-category recall if asked)."""
    tp = sum(1 for y, f in zip(labels, flags, strict=True) if y and f)
    fp = sum(1 for y, f in zip(labels, flags, strict=True) if not y and f)
    pos = sum(1 for y in labels if y)
    neg = len(labels) - pos
    out: dict[str, Any] = {
        "n": len(labels),
        "dangers": pos,
        "near_misses": neg,
        "recall": tp / pos if pos else 0.0,
        "near_miss_flagged": fp / neg if neg else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
    }
    if categories is not None:
        harm = [f for y, f, c in zip(labels, flags, categories, strict=True) if y and c == "self_harm"]
        out["self_harm_recall"] = sum(harm) / len(harm) if harm else 0.0
        if per_category:
            seen: Counter[str] = Counter(categories)
            hit: Counter[str] = Counter(c for c, f in zip(categories, flags, strict=True) if f)
            out["flagged_by_category"] = {c: (hit[c], seen[c]) for c in sorted(seen)}
    return out


def _line(name: str, f: dict[str, Any]) -> str:
    harm = f" self-harm recall {f['self_harm_recall']:.3f}," if "self_harm_recall" in f else ""
    return (
        f"{name}: recall {f['recall']:.3f},{harm} near misses flagged {f['near_miss_flagged']:.3f}, "
        f"precision {f['precision']:.3f} (n={f['n']}: {f['dangers']} dangers, {f['near_misses']} near misses)"
    )


def _print_categories(f: dict[str, Any], labels: Sequence[int], categories: Sequence[str]) -> None:
    danger_cats = {c for y, c in zip(labels, categories, strict=True) if y}
    parts = []
    for cat, (hit, n) in f["flagged_by_category"].items():
        what = "recall" if cat in danger_cats else "flagged"
        parts.append(f"{cat} {what} {hit}/{n}")
    print("  " + "; ".join(parts))


def _clean(text: str) -> str:
    from minyi.nlp.pipeline import clean_message
    from minyi.nlp.text import split_text

    return clean_message(*split_text(text))[0].joined


def _real(data_dir: Path, gold_dir: Path, detector: Any) -> dict[str, Any] | None:
    from minyi.nlp import urgency
    from minyi.nlp.pipeline import clean_message
    from minyi.nlp.text import split_text

    if not (gold_dir / "urgency.csv").is_file() or not data_dir.is_dir():
        return None
    texts, labels = urgency.load_gold_texts(data_dir, gold_dir)
    cleaned = [clean_message(*split_text(t))[0].joined for t in texts]
    out = urgency._prf(labels, detector.predict(cleaned))
    return {**out, "n": len(labels), "positives": sum(labels)}


def main(argv: Sequence[str] | None = None) -> int:
    from minyi.nlp import urgency

    parser = argparse.ArgumentParser(prog="python -m minyi.nlp.urgency_report", description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=Path("gold"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--blind", action="store_true", help="also the blind set (aggregate figures only)")
    args = parser.parse_args(argv)

    from minyi.nlp.pipeline import load_default_analyzer

    detector = load_default_analyzer().urgency_
    dev_path = args.gold / "urgency_dev.csv"
    if dev_path.is_file():
        texts, labels, cats = load_written_set(dev_path)
        f = figures(labels, detector.predict(texts), cats, per_category=True)
        learned = getattr(detector, "model_", None) is not None
        print(_line("dev (shipped detector" + (", trained on it)" if learned else ")"), f))
        _print_categories(f, labels, cats)
        if learned:
            raw, labels, cats = urgency.load_dev_set(args.gold)
            extra: tuple[list[str], list[int]] = ([], [])
            if (args.gold / "urgency.csv").is_file() and args.data.is_dir():
                extra = urgency.load_gold_texts(args.data, args.gold)
            if (args.gold / "urgency_extra.csv").is_file():
                more = urgency.load_dev_set(args.gold, "urgency_extra.csv")
                extra = (extra[0] + more[0], extra[1] + more[1])
            flags = urgency.cross_validate_dev(
                [_clean(t) for t in raw], labels, cats, extra=([_clean(t) for t in extra[0]], extra[1])
            )
            cv = figures(labels, flags, cats, per_category=True)
            print(_line("dev (5-fold CV by category; learned layer retrained on 4 folds + real + extra sets)", cv))
            _print_categories(cv, labels, cats)
    real = _real(args.data, args.gold, detector)
    if real is not None:
        print(
            f"real urgent set gold/urgency.csv: precision {real['precision']:.3f}, recall {real['recall']:.3f}, "
            f"f1 {real['f1']:.3f} (n={real['n']}, {real['positives']} urgent; tp {real['tp']}, fp {real['fp']}, "
            f"fn {real['fn']})"
        )
    if args.blind:
        texts, labels, cats = load_written_set(args.gold / "urgency_blind.csv")
        f = figures(labels, detector.predict(texts), cats)
        print(_line("BLIND gold/urgency_blind.csv", f))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
