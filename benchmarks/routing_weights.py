"""How the department routing's weights (minyi.nlp.departments.ROUTING_WEIGHTS) are chosen: 5-fold CV on the
training labels (gold/departments_train.csv, 2,700 messages, never scored as a gold set) over a grid of the
learned part's and the routing words' weights; prints each weighting's top-1, top-3 and abstentions, best first,
and the shipped one. The gold sets' figures are then `minyi eval` / benchmarks/department_routing.py.

    .venv/bin/python benchmarks/routing_weights.py [--data ../shared/data/teddycup2020] [--gold gold]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from minyi.nlp.departments import ROUTING_WEIGHTS, RoutingWeights
from minyi.nlp.pipeline import clean_message, load_default_analyzer
from minyi.nlp.routing_eval import TRAIN_SET, load_department_gold, weight_grid
from minyi.nlp.training import load_training_data

LEARNED = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
CUES = (0.25, 0.375, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/teddycup2020"))
    parser.add_argument("--gold", type=Path, default=Path("gold"))
    args = parser.parse_args()

    def clean(title: str, body: str) -> str:
        return clean_message(title, body)[0].joined

    data = load_training_data(args.data, args.gold)
    train = {clean(r["title"], r["body"]) for r in load_department_gold(args.data, args.gold, TRAIN_SET)}
    other = [(t, y) for t, y in zip(data.department_texts, data.department_labels, strict=True) if t not in train]
    base = ROUTING_WEIGHTS
    grid = [
        RoutingWeights(learned=lw, cues=cw, domains=base.domains, named=base.named)
        for lw, cw in itertools.product(LEARNED, CUES)
    ]
    if base not in grid:
        grid.append(base)
    rows = weight_grid(
        args.data,
        args.gold,
        other_texts=[t for t, _ in other],
        other_labels=[y for _, y in other],
        analyzer=load_default_analyzer(),
        clean=clean,
        grid=grid,
    )
    print(f"routing weights by 5-fold CV on {TRAIN_SET} (domains {base.domains}, named {base.named}), best first:")
    for r in rows:
        w = r["weights"]
        mark = "  <- shipped" if w == base else ""
        print(
            f"  learned {w.learned:<5} cues {w.cues:<6} top-1 {r['top1']:.3f} top-3 {r['top3']:.3f} "
            f"abstained {r['abstained']:.3f}{mark}"
        )


if __name__ == "__main__":
    main()
