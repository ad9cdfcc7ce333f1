"""Department routing on the gold sets, and jurisdiction on the departments an import of the replies creates.

1. The routing figures of `minyi eval` (dev set by 5-fold CV, the test set never tuned on, the passes'
   agreement, the concentration check on all unlabelled messages) with the shipped model's domain scores.
2. Jurisdiction: every department name the replies give (the 400-odd an import creates) is a candidate;
   every unlabelled message is ranked against them; counted: suggestions of a town office whose town the
   message does not name, and of a county's or district's office when the message names another region.
   The issue's report: 泉塘街道 and 安沙镇 were suggested for 250 messages that never name their county.

    .venv/bin/python benchmarks/department_routing.py [--data ../shared/data/teddycup2020] [--gold gold]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from minyi.nlp.department_names import parse_department
from minyi.nlp.departments import DepartmentCandidate, extract_department, rank_departments, routing_abstains
from minyi.nlp.io import read_messages
from minyi.nlp.pipeline import load_default_analyzer


def jurisdiction(data_dir: Path) -> dict[str, int]:
    names = sorted(
        {n for r in read_messages(data_dir / "messages_with_replies.jsonl") if (n := extract_department(r["reply"]))}
    )
    candidates = [DepartmentCandidate(id=i, name=n) for i, n in enumerate(names, start=1)]
    rows = read_messages(data_dir / "messages_unlabeled.jsonl")
    results = load_default_analyzer().analyze_many([(r["title"], r["body"]) for r in rows])
    town_off = region_off = suggested = 0
    for result in results:
        text = result["clean_text"]
        ranked = rank_departments(
            candidates,
            text=text,
            domain_scores=result["domain_scores"],
            learned=result["departments"],
            places=result["places"],
        )
        if routing_abstains(result["departments"]) or not ranked:
            continue
        suggested += 1
        regions = set(re.findall(r"[A-Z]\d{0,2}(?:市|区|县)", text))
        for dept in ranked:
            parsed = parse_department(dept["name"])
            if parsed is None:
                continue
            if parsed.town and re.sub(r"(?:镇|乡|街道)$", "", parsed.town) not in text:
                town_off += 1
            county = re.findall(r"[A-Z]\d+(?:区|县)", parsed.region)
            if county and regions and county[-1] not in regions:
                region_off += 1
    return {
        "departments": len(candidates),
        "messages": len(results),
        "messages_with_suggestions": suggested,
        "town_office_not_named": town_off,
        "other_region_office": region_off,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/teddycup2020"))
    parser.add_argument("--gold", type=Path, default=Path("gold"))
    args = parser.parse_args()
    from minyi.commands.nlp import _print_routing, _routing_scores
    from minyi.nlp.training import load_training_data

    data = load_training_data(args.data, args.gold)
    _print_routing(_routing_scores(data, args.data, args.gold, load_default_analyzer()))
    print("jurisdiction on the departments an import of the replies creates:", jurisdiction(args.data))


if __name__ == "__main__":
    main()
