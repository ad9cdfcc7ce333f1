"""Figures of the ask matching against `gold/reply_quality_questions.csv` (guide: docs/labelling/reply_questions.md).

For each part of the gold (dev, heldout): how often the checker finds as many asks as the hand count, how often its
"answered k of n" equals the hand labels exactly, how often it puts the reply in the same class (none / some / all
of the asks answered), the mean gap between the two answered shares, and how often its 完整性 verdict is the hand
one. `python -m minyi.nlp.reply_asks_eval [DATA_DIR] [GOLD_DIR]` prints them.
"""

from __future__ import annotations

import csv
from pathlib import Path

from minyi.nlp.reply_quality import VERDICTS, ReplyChecker, _cohen_kappa, _read_rows
from minyi.nlp.text import join_text

__all__ = ["evaluate_asks", "format_asks_evaluation", "read_ask_gold"]

GOLD_FILE = "reply_quality_questions.csv"


def read_ask_gold(gold_dir: str | Path) -> list[dict]:
    """The hand labels, one dict per pair (`asks` and `answered` as ints); empty when the file is missing."""
    path = Path(gold_dir) / GOLD_FILE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return [row | {"asks": int(row["asks"]), "answered": int(row["answered"])} for row in csv.DictReader(handle)]


def _share_class(answered: int, asks: int) -> str:
    return "none" if answered == 0 or asks == 0 else "all" if answered == asks else "some"


def _figures(pairs: list[tuple[dict, int, int, str]]) -> dict:
    n = max(len(pairs), 1)
    truth = [g["completeness"] for g, _, _, _ in pairs]
    pred = [v for _, _, _, v in pairs]
    verdicts = list(zip(truth, pred, strict=True))
    return {
        "n": len(pairs),
        "asks_agree": sum(g["asks"] == asks for g, asks, _, _ in pairs) / n,
        "exact_agree": sum((g["asks"], g["answered"]) == (asks, k) for g, asks, k, _ in pairs) / n,
        "class_agree": sum(_share_class(g["answered"], g["asks"]) == _share_class(k, asks) for g, asks, k, _ in pairs)
        / n,
        "share_mae": sum(abs(g["answered"] / g["asks"] - (k / asks if asks else 0.0)) for g, asks, k, _ in pairs) / n,
        "accuracy": sum(t == p for t, p in verdicts) / n,
        "kappa": _cohen_kappa(truth, pred),
        "confusion": {
            t: {p: sum(x == (t, p) for x in zip(truth, pred, strict=True)) for p in VERDICTS} for t in VERDICTS
        },
    }


def evaluate_asks(
    data_dir: str | Path,
    gold_dir: str | Path,
    *,
    checker: ReplyChecker | None = None,
    parts: tuple[str, ...] = ("dev", "heldout"),
) -> dict:
    """Per gold part (and over all): agreement of the checker's asks and 完整性 verdict with the hand labels.

    `parts=("dev",)` while changing the checker keeps the held-out pairs unseen.
    """
    checker = checker or ReplyChecker()
    gold = [g for g in read_ask_gold(gold_dir) if g["part"] in parts]
    rows = {str(r["id"]): r for r in _read_rows(Path(data_dir))}
    scored: dict[str, list[tuple[dict, int, int, str]]] = {}
    for g in gold:
        row = rows.get(g["id"])
        if row is None:
            continue
        message, reply = join_text(row.get("title", ""), row.get("body", "")), row.get("reply", "")
        matches = checker.asks(message, reply)
        verdict = checker.check(message, reply)["completeness"].verdict
        scored.setdefault(g["part"], []).append((g, len(matches), sum(m.answered for m in matches), verdict))
    result = {part: _figures(pairs) for part, pairs in sorted(scored.items())}
    if result:
        result["all"] = _figures([p for pairs in scored.values() for p in pairs])
    return result


def format_asks_evaluation(result: dict) -> str:
    """The figures as a plain-text table (confusion rows = hand label, columns = checker: pass warn fail)."""
    lines = ["part      n  asks=  k/n=  class=  share_mae  完整性 accuracy  kappa  confusion"]
    for part, f in result.items():
        conf = " | ".join(" ".join(str(f["confusion"][t][p]) for p in VERDICTS) for t in VERDICTS)
        lines.append(
            f"{part:<8}{f['n']:>3}  {f['asks_agree']:.2f}  {f['exact_agree']:.2f}  {f['class_agree']:.2f}    "
            f"{f['share_mae']:.2f}           {f['accuracy']:.2f}  {f['kappa']:.2f}  [{conf}]"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # python -m minyi.nlp.reply_asks_eval [DATA_DIR] [GOLD_DIR] [--dev-only]
    import sys

    args = [a for a in sys.argv[1:] if a != "--dev-only"]
    print(
        format_asks_evaluation(
            evaluate_asks(
                args[0] if args else "../shared/data/teddycup2020",
                args[1] if len(args) > 1 else "gold",
                parts=("dev",) if "--dev-only" in sys.argv else ("dev", "heldout"),
            )
        )
    )
