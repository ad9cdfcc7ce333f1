"""One voice counted once: every item that repeats an earlier one points to it (`duplicate_of`).

Three keys, in order: the canonical URL (the same page under several URLs); the exact text, folded (a repost or
the same article on two sites) — for short texts only with the same author, since two people who both write
"支持" are two voices; and near-duplicate text by MinHash (minyi.nlp.dedup) for texts long enough to tell
(`NEAR_MIN_CHARS`), which catches a copy with a changed line or a different site footer. Each group points to its
first item in crawl order.

Across runs (`Fingerprint`, stored by minyi.collect.store in `web_item_keys`): a stored item keeps the LSH band keys of
its MinHash signature and a key per sentence; a new item looks its own keys up (an index lookup, never a scan of the
items) and is a repeat of a candidate whose text it nearly duplicates (`NEAR_THRESHOLD`, exact Jaccard of the
shingles) or mostly quotes (`QUOTE_CONTAINMENT` of its shingles found in the candidate's text).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from minyi.collect.extract import Item
from minyi.nlp.dedup import band_keys, containment, jaccard, near_duplicate_groups, shingles

EXACT_MIN_CHARS = 30  # shorter texts collapse only with the same author
NEAR_MIN_CHARS = 80
NEAR_THRESHOLD = 0.7  # estimated Jaccard similarity of character 3-grams
_NOISE = re.compile(r"[\W_]+")
QUOTE_MIN_CHARS = EXACT_MIN_CHARS  # a shorter text is no quote (支持, 顶)
QUOTE_CONTAINMENT = 0.8  # this share of a new item's shingles found in a stored item: it mostly quotes it
SENTENCE_MIN_CHARS = 12  # a sentence keyed on its own (folded characters); shorter ones are common phrases
MAX_SENTENCE_KEYS = 64  # per item: the first sentences of a long article
_SENTENCE_END = re.compile(r"[。！？!?；;…\n]+")


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


@dataclass(frozen=True)
class Fingerprint:
    """What a text is looked up and stored by across runs: its folded form and its keys (LSH bands of a long
    text, one key per sentence long enough)."""

    folded: str
    keys: tuple[int, ...]

    @property
    def indexable(self) -> bool:
        """Long enough to be found again or to quote another."""
        return len(self.folded) >= QUOTE_MIN_CHARS


def _sentence_key(sentence: str) -> int:
    digest = hashlib.blake2b(sentence.encode(), digest_size=8, person=b"minyi-sentence").digest()
    return int.from_bytes(digest, "big", signed=True)


def fingerprints(texts: Sequence[str]) -> list[Fingerprint]:
    """The fingerprint of each (clean) text: band keys when it is long enough for MinHash, then sentence keys."""
    folded = [fold(text) for text in texts]
    long_ones = [i for i, f in enumerate(folded) if len(f) >= NEAR_MIN_CHARS]
    bands = band_keys([folded[i] for i in long_ones]) if long_ones else None
    band_of = {i: bands[k].tolist() for k, i in enumerate(long_ones)} if bands is not None else {}
    out = []
    for i, text in enumerate(texts):
        sentences = {fold(s) for s in _SENTENCE_END.split(text)}
        keyed = sorted({_sentence_key(s) for s in sentences if len(s) >= SENTENCE_MIN_CHARS})[:MAX_SENTENCE_KEYS]
        keys = tuple(dict.fromkeys([*band_of.get(i, []), *keyed])) if len(folded[i]) >= QUOTE_MIN_CHARS else ()
        out.append(Fingerprint(folded[i], keys))
    return out


def repeats(new: str, stored: str) -> bool:
    """Whether the folded text `new` nearly duplicates `stored` or mostly quotes it."""
    if len(new) < QUOTE_MIN_CHARS or not stored:
        return False
    a, b = shingles(new), shingles(stored)
    return jaccard(a, b) >= NEAR_THRESHOLD or containment(a, b) >= QUOTE_CONTAINMENT
