"""Which jurisdiction a message belongs to, from the place names it contains (pure: no database, no web).

Each jurisdiction of the tree (省 → 市 → 区/县 → 街道/乡镇, any depth) lists its area: its own name, aliases
(雨花区 / 雨花) and sub-areas (the communities, estates and roads of a street). A message's text is scanned once
for all of these names (one Aho-Corasick automaton over the tree); the jurisdictions named are then reduced to
one:

- names on one line of descent (A市 … 雨花区 … 桂花坪街道) give the deepest of them;
- names in two branches (two districts) give the deepest jurisdiction holding both, with that said in the
  reason: the case goes to the level that can send it down to either;
- no name gives no jurisdiction (the caller keeps the root, or what the citizen chose).

A longer name wins over a shorter one it contains (桂花坪街道 over 桂花), and a name is only counted where it
is not part of a longer one found at the same place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ahocorasick_rs import AhoCorasick, MatchKind

from minyi.nlp._matching import find_matches

MIN_NAME = 2  # a one-character area name would match everywhere


@dataclass(frozen=True)
class Area:
    """One jurisdiction as the matcher sees it: its id, its parent's, its name and the other names of its area."""

    id: int
    parent_id: int | None
    name: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placement:
    """The jurisdiction a text was placed in, the names that decided it, and the reason in words."""

    jurisdiction_id: int
    names: tuple[str, ...]
    reason: str
    ambiguous: bool = False  # names of two branches: the common level above them


@dataclass
class AreaIndex:
    """The area names of a whole tree, ready to place texts."""

    areas: Sequence[Area]
    _by_id: dict[int, Area] = field(init=False, repr=False)
    _names: list[str] = field(init=False, repr=False)
    _owners: list[int] = field(init=False, repr=False)
    _matcher: AhoCorasick | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {a.id: a for a in self.areas}
        owners: dict[str, int] = {}
        for area in self.areas:
            for name in (area.name, *area.names):
                name = name.strip()
                if len(name) >= MIN_NAME and name not in owners:  # a name listed twice belongs to the first
                    owners[name] = area.id
        self._names = list(owners)
        self._owners = [owners[n] for n in self._names]
        self._matcher = AhoCorasick(self._names, matchkind=MatchKind.LeftmostLongest) if self._names else None

    def chain(self, jurisdiction_id: int) -> list[int]:
        """The ids from the root down to `jurisdiction_id` (its ancestors first)."""
        out: list[int] = []
        seen: set[int] = set()
        current: int | None = jurisdiction_id
        while current is not None and current in self._by_id and current not in seen:
            seen.add(current)
            out.append(current)
            current = self._by_id[current].parent_id
        return out[::-1]

    def name_of(self, jurisdiction_id: int) -> str:
        """A jurisdiction's name, or its id in words when unknown."""
        area = self._by_id.get(jurisdiction_id)
        return area.name if area else f"辖区 {jurisdiction_id}"

    def found(self, texts: Iterable[str]) -> list[tuple[str, int]]:
        """(name, jurisdiction id) of each area name in `texts`, in order of appearance, each name once."""
        if self._matcher is None:
            return []
        seen: dict[str, int] = {}
        for text in texts:
            for index, _start, _end in find_matches(self._matcher, text or ""):
                seen.setdefault(self._names[index], self._owners[index])
        return list(seen.items())

    def place(self, *texts: str) -> Placement | None:
        """The jurisdiction the place names of `texts` point to (see the module's rules), or None."""
        found = self.found(texts)
        if not found:
            return None
        chains = {jid: self.chain(jid) for _name, jid in found}
        deepest = max(chains.values(), key=len)
        if all(chain == deepest[: len(chain)] for chain in chains.values()):
            target = deepest[-1]
            names = tuple(n for n, jid in found if jid == target) or tuple(n for n, _ in found)
            reason = f"留言提到“{'、'.join(names)}”，属于{self._path_words(target)}"
            return Placement(target, tuple(n for n, _ in found), reason)
        common = _common_prefix(list(chains.values()))
        if not common:
            return None  # names of two trees (should not happen: one root)
        target = common[-1]
        branches = sorted({self.name_of(chain[len(common)]) for chain in chains.values() if len(chain) > len(common)})
        names = tuple(n for n, _ in found)
        reason = f"留言提到“{'、'.join(names)}”，涉及{'、'.join(branches)}，由{self._path_words(target)}统筹"
        return Placement(target, names, reason, ambiguous=True)

    def _path_words(self, jurisdiction_id: int) -> str:
        return "".join(self.name_of(j) for j in self.chain(jurisdiction_id)[1:]) or self.name_of(jurisdiction_id)


def _common_prefix(chains: list[list[int]]) -> list[int]:
    out: list[int] = []
    for step in zip(*chains, strict=False):
        if len(set(step)) != 1:
            break
        out.append(step[0])
    return out
