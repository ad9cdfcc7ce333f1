"""One voice counted once: every item that repeats an earlier one points to it (`duplicate_of`).

Three keys, in order: the canonical URL (the same page under several URLs); the exact text, folded (a repost or
the same article on two sites) — for short texts only with the same author, since two people who both write
"支持" are two voices; and near-duplicate text by MinHash (minyi.nlp.dedup) for texts long enough to tell
(`NEAR_MIN_CHARS`), which catches a copy with a changed line or a different site footer. Each group points to its
first item in crawl order.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from minyi.collect.extract import Item
from minyi.nlp.dedup import near_duplicate_groups

EXACT_MIN_CHARS = 30  # shorter texts collapse only with the same author
NEAR_MIN_CHARS = 80
NEAR_THRESHOLD = 0.7  # estimated Jaccard similarity of character 3-grams
_NOISE = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Width and case folded, whitespace and punctuation removed: what two copies of a text share."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


def duplicate_of(items: Sequence[Item]) -> list[str | None]:
    """For each item, the url of the first item it repeats, or None."""
    root = list(range(len(items)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            root[max(a, b)] = min(a, b)

    first_by_key: dict[tuple[str, str], int] = {}
    folded = [fold(item.text) for item in items]
    for i, item in enumerate(items):
        keys = [("url", item.canonical_url)]
        if folded[i]:
            exact = folded[i] if len(folded[i]) >= EXACT_MIN_CHARS else f"{item.author or ''}\x00{folded[i]}"
            if len(folded[i]) >= EXACT_MIN_CHARS or item.author:
                keys.append(("text", hashlib.blake2b(exact.encode(), digest_size=16).hexdigest()))
        for key in keys:
            if key in first_by_key:
                union(first_by_key[key], i)
            else:
                first_by_key[key] = i
    long_ones = [i for i, text in enumerate(folded) if len(text) >= NEAR_MIN_CHARS]
    if len(long_ones) >= 2:
        for group in near_duplicate_groups([folded[i] for i in long_ones], threshold=NEAR_THRESHOLD):
            members = [long_ones[g] for g in group]
            for other in members[1:]:
                union(members[0], other)
    return [None if find(i) == i else items[find(i)].url for i in range(len(items))]
