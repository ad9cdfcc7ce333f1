"""Loose matching of place and organisation names: one typo or variant apart (58车货 ~ 58车贷, 魅力城 ~ 魅力之城).

Two names of three characters or more are *aliases* when one edit turns one into the other (a
substitution, an insertion or deletion, or two neighbouring characters swapped) and the edit does not
touch a character that tells places apart on purpose: digits and numerals (一期/二期, 58/59), directions
(东/西/南/北/中) and the kind of place (路/街/村/镇/区 …). The rarer name of a pair maps to the commoner one.

``canonical_names`` finds the aliases in a vocabulary (deletion neighbourhoods, so it never compares
every pair); ``TypoScanner`` finds misspelt occurrences of known names in a text that the extractor
missed because the typo broke the name's ending (58车货 is no 车贷 any more).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

P = TypeVar("P", bound=Any)

_MEANINGFUL = re.compile(
    r"[0-9０-９一二三四五六七八九十百千两零〇东西南北中上下前后左右内外新老旧大小期栋号"
    r"路街道巷村镇乡区县市省州湾园苑城府庭居坊院校站法医局所厅委会]"
)
MIN_LENGTH = 3


def one_edit_apart(a: str, b: str) -> bool:
    """One substitution, insertion/deletion or neighbour swap, touching no meaningful character."""
    if a == b or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < MIN_LENGTH:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        if len(diff) == 1:
            return not _MEANINGFUL.match(a[diff[0]]) and not _MEANINGFUL.match(b[diff[0]])
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        return swapped and not _MEANINGFUL.match(a[diff[0]]) and not _MEANINGFUL.match(a[diff[1]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    k = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[k:] == long_[k + 1 :] and not _MEANINGFUL.match(long_[k])


def _deletes(name: str) -> set[str]:
    return {name[:k] + name[k + 1 :] for k in range(len(name))}


def canonical_names(counts: Counter[str]) -> dict[str, str]:
    """variant -> canonical name (the commoner of two aliases; ties by the longer, then by order)."""
    by_key: dict[str, list[str]] = defaultdict(list)
    names = [n for n in counts if len(n) >= MIN_LENGTH]
    for name in names:
        for key in _deletes(name) | {name}:
            by_key[key].append(name)
    parent = {n: n for n in names}

    def root(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for group in by_key.values():
        if len(group) < 2 or len(group) > 20:  # a key shared by many names says nothing
            continue
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                a, b = group[x], group[y]
                if one_edit_apart(a, b):
                    ra, rb = root(a), root(b)
                    if ra != rb:
                        keep, drop = sorted((ra, rb), key=lambda n: (-counts[n], -len(n), n))
                        parent[drop] = keep
    return {n: root(n) for n in names if root(n) != n}


class TypoScanner:
    """Finds, in a text, a substitution typo of a known name of four characters or more.

    A single substitution in a name of four characters or more leaves its first two or its last two
    characters intact: only the places where such a pair of characters occurs are compared.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.by_head: dict[str, list[str]] = defaultdict(list)
        self.by_tail: dict[str, list[str]] = defaultdict(list)
        self.names = {n for n in names if len(n) >= 4}
        for name in self.names:
            self.by_head[name[:2]].append(name)
            self.by_tail[name[-2:]].append(name)

    def find(self, text: str) -> set[str]:
        """Known names written in ``text`` with exactly one (non-meaningful) substitution."""
        found: set[str] = set()
        if not self.names:
            return found
        for s in range(len(text) - 1):
            pair = text[s : s + 2]
            for name in self.by_head.get(pair, ()):
                if text.startswith(name, s):
                    continue
                piece = text[s : s + len(name)]
                if len(piece) == len(name) and piece != name and one_edit_apart(piece, name):
                    found.add(name)
            for name in self.by_tail.get(pair, ()):
                begin = s + 2 - len(name)
                piece = text[begin : s + 2] if begin >= 0 else ""
                if len(piece) == len(name) and piece != name and one_edit_apart(piece, name):
                    found.add(name)
        return found


def resolve_aliases(places: Sequence[P], titles: Sequence[str]) -> list[P]:
    """The places of each message with aliases mapped to one name, and misspelt known names added.

    ``places`` are ``MessagePlaces``; a name counts once per message. An organisation of four characters
    or more named by at least two titles is *known*: a title that writes it with one typo gets it too.
    """
    counts: Counter[str] = Counter(n for p in places for n in p.all_fine | p.organisations)
    canonical = canonical_names(counts)
    known_orgs = Counter(n for p in places for n in p.organisations)
    scanner = TypoScanner([n for n, c in known_orgs.items() if c >= 2])
    out = []
    for p, title in zip(places, titles, strict=True):
        typos = scanner.find(title) - p.organisations
        orgs = p.organisations | typos
        fine: frozenset[str] = frozenset()

        def mapped(names: frozenset[str]) -> frozenset[str]:
            return frozenset(canonical.get(n, n) for n in names)

        if not typos and not any(n in canonical for n in p.all_fine | p.organisations):
            out.append(p)
            continue
        out.append(
            replace(
                p,
                primary_fine=mapped(p.primary_fine | fine),
                all_fine=mapped(p.all_fine | fine),
                strong=mapped(p.strong | fine),
                organisations=mapped(orgs),
            )
        )
    return out
