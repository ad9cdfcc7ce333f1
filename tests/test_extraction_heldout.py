"""The held-out extraction set (benchmarks/extraction_heldout/) stays whole and its answers stay true to its pages:
every page has an answer, ≥ 24 pages in ≥ 4 layouts, and each right answer is on its page as a reader sees it.
(What the extractors score on it is measured by benchmarks/compare_extraction.py --held-out, never asserted.)"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

HELD_OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "extraction_heldout"
GOLD = json.loads((HELD_OUT / "gold.json").read_text(encoding="utf-8"))


def _seen(page: str) -> str:
    """The page's text as a reader sees it, without spaces (tags and scripts out, entities read)."""
    return re.sub(r"\s+|　", "", html.unescape(re.sub(r"<[^>]+>", "", page)))


def _squeezed(text: str) -> str:
    return re.sub(r"\s+|　", "", text)


def test_every_page_has_an_answer_in_enough_layouts() -> None:
    pages = sorted(p.name for p in (HELD_OUT / "pages").glob("*.html"))
    assert pages == sorted(GOLD)
    assert len(pages) >= 24 and len({answer["layout"] for answer in GOLD.values()}) >= 4


@pytest.mark.parametrize("name", sorted(GOLD))
def test_each_right_answer_is_on_its_page(name: str) -> None:
    answer, seen = GOLD[name], _seen((HELD_OUT / "pages" / name).read_text(encoding="utf-8"))
    for field in ("title", "author"):
        assert answer[field] is None or _squeezed(answer[field]) in seen, (name, field)
    assert all(_squeezed(line) in seen for line in answer["text"].split("\n")), name
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", answer["published"])
    for comment in answer["comments"]:
        assert _squeezed(comment["author"]) in seen and _squeezed(comment["text"]) in seen, (name, comment)
