"""Which ranking of a platform's departments is right more often: domain + keywords, or that plus the learned kinds.

Gold: the shared replies (messages_with_replies) whose answering department (extract_department, reduced by
canonical_department) is one of the demo platform's departments (minyi.demo.DEPARTMENTS, with the domains
and keywords an admin gave them). For each weight of the learned department kinds, prints top-1 and top-3
accuracy of rank_departments, with the learned scores (a) of the shipped model (which saw these replies:
optimistic) and (b) of DepartmentSuggester trained on the other folds (3-fold stratified CV, as `minyi eval`).

    .venv/bin/python benchmarks/department_ranking.py [--data ../shared/data/teddycup2020]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from minyi.demo import DEPARTMENTS
from minyi.nlp.departments import (
    DepartmentCandidate,
    DepartmentSuggester,
    canonical_department,
    extract_department,
    rank_departments,
)
from minyi.nlp.evaluation import stratified_folds
from minyi.nlp.pipeline import clean_message, load_default_analyzer
from minyi.nlp.text import join_text
from minyi.nlp.training import load_training_data

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "teddycup2020"
WEIGHTS = (0.0, 0.5, 1.0, 2.0)


def candidates() -> list[DepartmentCandidate]:
    return [
        DepartmentCandidate(id=i, name=name, domains=tuple(domains), keywords=tuple(w for w in kw.split(",") if w))
        for i, (name, _parent, domains, kw) in enumerate(DEPARTMENTS)
    ]


def gold(data: Path, depts: list[DepartmentCandidate]) -> list[tuple[str, str, int]]:
    """(title, body, id of the demo department that answered) of every reply naming one."""
    by_kind = {canonical_department(d.name): d.id for d in depts}
    out = []
    with open(data / "messages_with_replies.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            name = extract_department(row.get("reply", ""))
            if name and canonical_department(name) in by_kind:
                out.append((row["title"], row["body"], by_kind[canonical_department(name)]))
    return out


def cv_learned(data: Path, texts: list[str]) -> list[list[tuple[str, float]]]:
    """The top-3 learned kinds of each text by a DepartmentSuggester that did not see it (3-fold CV)."""
    training = load_training_data(data)
    counts = Counter(d for d in training.department_labels if d)
    kept = [i for i, d in enumerate(training.department_labels) if d and counts[d] >= 3]
    train_texts = [training.department_texts[i] for i in kept]
    y = np.array([training.department_labels[i] for i in kept], dtype=object)
    fold_of = {}
    for n, (_, test) in enumerate(stratified_folds(y, 3, 0)):
        fold_of.update({train_texts[i]: n for i in test})
    features = load_default_analyzer().features_
    out: list[list[tuple[str, float]]] = [[] for _ in texts]
    for n, (train, _) in enumerate(stratified_folds(y, 3, 0)):
        model = DepartmentSuggester(features=features, min_examples=1)
        model.fit([train_texts[i] for i in train], list(y[train]))
        mine = [j for j, t in enumerate(texts) if fold_of.get(t) == n]
        for j, top in zip(mine, model.suggest([texts[j] for j in mine], k=3), strict=True):
            out[j] = top
    return out


def accuracy(ranked: list[list[int]], truth: list[int]) -> tuple[float, float]:
    return (
        sum(r[:1] == [t] for r, t in zip(ranked, truth, strict=True)) / len(truth),
        sum(t in r[:3] for r, t in zip(ranked, truth, strict=True)) / len(truth),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    depts = candidates()
    rows = gold(args.data, depts)
    truth = [dept for _, _, dept in rows]
    results = load_default_analyzer().analyze_many([(t, b) for t, b, _ in rows])
    cleaned = [clean_message(t, b)[0].joined for t, b, _ in rows]
    learned = {
        "shipped model (saw these replies)": [r["departments"] for r in results],
        "3-fold CV": cv_learned(args.data, cleaned),
    }
    print(
        f"{len(rows)} replies answered by one of the {len(depts)} demo departments: "
        f"{dict(Counter(depts[t].name for t in truth).most_common())}"
    )
    for what, kinds in learned.items():
        for weight in WEIGHTS:
            ranked = [
                [
                    d["id"]
                    for d in rank_departments(
                        depts, text=join_text(t, b), domain_scores=r["domain_scores"], learned=k, learned_weight=weight
                    )
                ]
                for (t, b, _), r, k in zip(rows, results, kinds, strict=True)
            ]
            top1, top3 = accuracy(ranked, truth)
            print(f"  learned weight {weight:3.1f}, {what:<36} top-1 {top1:.3f}  top-3 {top3:.3f}")


if __name__ == "__main__":
    main()
