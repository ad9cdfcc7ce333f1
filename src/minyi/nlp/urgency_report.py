"""Urgency figures on the written sets (issue 12): development sets, blind set 5, the real sets.

    .venv/bin/python -m minyi.nlp.urgency_report [--gold gold] [--data ../shared/data/teddycup2020]
        [--model PATH] [--no-cv] [--blind]

Development sets (all written for tuning, each by a different writer): gold/urgency_dev.csv,
gold/urgency_extra.csv, gold/urgency_train.csv, gold/urgency_train2.csv, gold/urgency_train3.csv and blind sets
1-4 (gold/urgency_blind.csv … gold/urgency_blind4.csv: spent, now training data). The
detector's own figures on them are *resubstitution* figures when its learned part was trained on them, so the
command also prints
(unless ``--no-cv``) stratified 5-fold
cross-validation over the pooled sets and leave-one-writer-out figures (trained on the other sets, measured
on dev and on train 3), with per-category recall. Real sets (need the shared data): precision and recall
on gold/urgency.csv, and the share of all shared messages flagged. Blind set 5 (gold/urgency_blind5.csv, only
with ``--blind``, and only when the file exists): aggregate figures only — recall, self-harm recall, share of
near misses flagged, precision, recall per danger category — never a row. It is read nowhere else.
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


DEV_SETS = (
    ("urgency_dev.csv", "dev"),
    ("urgency_extra.csv", "extra"),
    ("urgency_train.csv", "train"),
    ("urgency_train2.csv", "train 2 (self-harm and figurative despair)"),
    ("urgency_train3.csv", "train 3 (self-harm and despair near misses)"),
    ("urgency_blind.csv", "blind set 1 (spent, used for development since 2026-12-04)"),
    ("urgency_blind2.csv", "blind set 2 (spent after two measurements, training data since 2026-12-05)"),
    ("urgency_blind3.csv", "blind set 3 (spent after one measurement, training data since 2026-12-05)"),
    ("urgency_blind4.csv", "blind set 4 (spent after one measurement, training data since 2026-12-05)"),
)
MESSAGE_FILES = ("messages_labeled", "messages_unlabeled", "messages_with_votes", "messages_with_replies")


def flag_rate(data_dir: Path, detector: Any) -> dict[str, tuple[int, int]]:
    """(flagged, messages) per shared message file: how often the detector would alert on real traffic."""
    import json

    from minyi.nlp.pipeline import clean_message

    out: dict[str, tuple[int, int]] = {}
    for stem in MESSAGE_FILES:
        path = data_dir / f"{stem}.jsonl"
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        texts = [clean_message(r.get("title") or "", r.get("body") or "")[0].joined for r in rows]
        flags = [f for start in range(0, len(texts), 512) for f in detector.predict(texts[start : start + 512])]
        out[stem] = (sum(map(bool, flags)), len(texts))
    return out


def blind_figures(gold_dir: Path, detector: Any) -> dict[str, Any] | None:
    """Aggregate figures on blind set 5 (None when the file does not exist): recall, self-harm recall, share of
    near misses flagged, precision, and recall per danger category — nothing about any one row."""
    from minyi.nlp.urgency import BLIND_SET

    path = gold_dir / BLIND_SET
    if not path.is_file():
        return None
    texts, labels, cats = load_written_set(path)
    f = figures(labels, detector.predict(texts), cats, per_category=True)
    danger = {c for y, c in zip(labels, cats, strict=True) if y}
    f["recall_by_category"] = {c: v for c, v in f.pop("flagged_by_category").items() if c in danger}
    return f


def main(argv: Sequence[str] | None = None) -> int:
    from minyi.nlp import urgency

    parser = argparse.ArgumentParser(prog="python -m minyi.nlp.urgency_report", description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=Path("gold"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", type=Path, default=None, help="model file [default: the shipped one]")
    parser.add_argument("--no-cv", dest="cv", action="store_false", help="skip the cross-validation")
    parser.add_argument("--blind", action="store_true", help="also blind set 5 (aggregate figures only)")
    args = parser.parse_args(argv)

    from minyi.nlp.pipeline import load_default_analyzer, loads_model

    analyzer = loads_model(args.model.read_bytes()) if args.model else load_default_analyzer()
    detector = analyzer.urgency_
    learned = getattr(detector, "model_", None) is not None
    print(f"model: {args.model or 'shipped'}; learned layer: {'yes' if learned else 'no'}")
    sets: dict[str, tuple[list[str], list[int], list[str]]] = {}
    for file, name in DEV_SETS:
        if (args.gold / file).is_file():
            texts, labels, cats = load_written_set(args.gold / file)
            sets[name] = (texts, labels, cats)
            f = figures(labels, detector.predict(texts), cats, per_category=True)
            print(_line(f"{name} [{file}] (this model" + (", trained on it)" if learned else ")"), f))
            _print_categories(f, labels, cats)
    extra: tuple[list[str], list[int]] = ([], [])
    if (args.gold / "urgency.csv").is_file() and args.data.is_dir():
        raw, flags = urgency.load_gold_texts(args.data, args.gold)
        extra = ([_clean(t) for t in raw], flags)
    if args.cv and sets:
        oof = urgency.cross_validate_sets(sets, extra=extra)
        pooled_labels = [y for s in sets.values() for y in s[1]]
        pooled_cats = [c for s in sets.values() for c in s[2]]
        pooled = figures(pooled_labels, [f for n in sets for f in oof[n]], pooled_cats, per_category=True)
        print(_line("CV, all development sets pooled (5 folds by set and category; + real set in training)", pooled))
        _print_categories(pooled, pooled_labels, pooled_cats)
        for name, (_, labels, cats) in sets.items():
            print("  " + _line(f"CV on {name}", figures(labels, oof[name], cats)))
        for held_out in ("dev", DEV_SETS[4][1]):
            if held_out in sets and len(sets) > 1:
                _, labels, cats = sets[held_out]
                f = figures(labels, urgency.leave_one_set_out(sets, held_out, extra=extra), cats, per_category=True)
                print(_line(f"leave-one-writer-out: trained on the other sets + real, measured on {held_out}", f))
                _print_categories(f, labels, cats)
    real = _real(args.data, args.gold, detector)
    if real is not None:
        print(
            f"real urgent set gold/urgency.csv: precision {real['precision']:.3f}, recall {real['recall']:.3f}, "
            f"f1 {real['f1']:.3f} (n={real['n']}, {real['positives']} urgent; tp {real['tp']}, fp {real['fp']}, "
            f"fn {real['fn']}; in the training data)"
        )
    if args.data.is_dir():
        rates = flag_rate(args.data, detector)
        flagged, total = sum(v[0] for v in rates.values()), sum(v[1] for v in rates.values())
        if total:
            parts = ", ".join(f"{k} {a / b:.1%}" for k, (a, b) in rates.items() if b)
            print(f"real traffic: {flagged} of {total} shared messages flagged ({flagged / total:.1%}; {parts})")
    if args.blind:
        blind = blind_figures(args.gold, detector)
        if blind is None:
            print(f"blind set 5: gold/{urgency.BLIND_SET} not found")
        else:
            print(_line(f"BLIND SET 5 gold/{urgency.BLIND_SET}", blind))
            print(
                "  recall by danger category: "
                + "; ".join(f"{c} {h}/{n}" for c, (h, n) in blind["recall_by_category"].items())
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
