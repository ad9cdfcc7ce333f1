"""The rule that links a web item to an open case, measured on the hand-labelled pairs of gold/hot_pairs.csv.

A pair (two messages of the shared data, "same problem" or not) stands for a web item and a case: the score is the
similar-cases index's (TF-IDF of character bigrams fitted on the whole file, places not yet considered), and a pair
is linked when the score reaches the threshold and, with the place check, `same_problem_places` agrees. Prints
precision and recall per threshold, with and without the place check; the threshold in use is marked. The gold
pairs are the hard ones (chosen near the grouping's boundary), so these figures are lower bounds.

    PYTHONPATH=src .venv/bin/python benchmarks/eval_web_links.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from minyi.hot.web_links import LINK_MIN_SCORE
from minyi.nlp.hot import SimilarIndex, same_problem_places
from minyi.nlp.text import join_text

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    gold = list(csv.DictReader((ROOT / "gold" / "hot_pairs.csv").open(encoding="utf-8", newline="")))
    pairs = []
    for source in sorted({g["source"] for g in gold}):
        with (args.data / "teddycup2020" / f"{source}.jsonl").open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        position = {row["id"]: k for k, row in enumerate(rows)}
        texts = [join_text(r["title"], r["body"]) for r in rows]
        vectorizer = SimilarIndex(place_aware=False).fit(texts).vectorizer_
        for g in (g for g in gold if g["source"] == source):
            a, b = texts[position[int(g["id_a"])]], texts[position[int(g["id_b"])]]
            vectors = vectorizer.transform([a, b])
            score = float((vectors[0] @ vectors[1].T).toarray()[0, 0])
            pairs.append((score, same_problem_places(a, [b])[0], g["same"].strip() == "1"))
    positives = sum(same for *_, same in pairs)
    print(f"{len(pairs)} labelled pairs, {positives} of the same problem")
    print("threshold  place check  precision  recall  linked")
    for threshold in THRESHOLDS:
        for check in (False, True):
            linked = [same for score, agree, same in pairs if score >= threshold and (agree or not check)]
            right = sum(linked)
            mark = "  <- in use" if check and threshold == LINK_MIN_SCORE else ""
            print(
                f"{threshold:9.2f}  {'yes' if check else 'no':>11}  {right / max(len(linked), 1):9.3f}  "
                f"{right / max(positives, 1):6.3f}  {len(linked):6d}{mark}"
            )


if __name__ == "__main__":
    main()
