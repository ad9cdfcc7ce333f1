"""KeyIndex: the one lookup table of minyi.nlp's n-gram features: uint64 keys -> their position in a key array.

A cascade of direct-mapped tables (cell = the top bits of key * an odd constant, at most a quarter full)
answers a whole batch with NumPy gathers. Each cell holds one key and its position side by side (one cache
line read per lookup), with a flag when more keys fell in that cell: a key that is not the one its cell holds is
absent, unless the cell is flagged, and then it is looked up in the next table, which holds only the keys that
lost their cell (about 12% of them), under another multiplier. After four tables the few keys left (a handful
in 100,000) are found by binary search. No Python loop per key. The domain model's char n-grams, words and
taxonomy terms, the appeal-kind model's salted n-grams and the urgency model's pairs all use it. Only the keys
are pickled; the tables are rebuilt on loading (milliseconds), which keeps model files small.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KeyIndex"]

# odd 64-bit constants, one per table (the golden ratio, then MurmurHash3's and xxHash's): each spreads any key over
# the top bits, and the keys that share a cell under one rarely share one under the next
_MULTS = tuple(np.uint64(m) for m in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93))
_SHARED = np.int64(1) << np.int64(40)  # flag on a cell's position: more than one key fell in this cell
_EMPTY = -1


class KeyIndex:
    """Position of each uint64 key in `keys` (unique, in any order), -1 where absent (an int32 array)."""

    def __init__(self, keys: np.ndarray, load: float = 0.25) -> None:
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.load = load
        self._build()

    def _build(self) -> None:
        keys = self.keys
        # (multiplier, shift, table): table[cell] = (key as int64, position | _SHARED when shared, or _EMPTY)
        self.levels: list[tuple[np.uint64, np.uint64, np.ndarray]] = []
        rest = np.arange(keys.size, dtype=np.int64)  # the keys not placed yet
        for mult in _MULTS:
            if not rest.size:
                break
            bits = max(8, int(np.ceil(np.log2(rest.size / self.load))))
            shift = np.uint64(64 - bits)
            sub = keys[rest]
            cells, first, counts = np.unique(_cells(sub, mult, shift), return_index=True, return_counts=True)
            table = np.zeros((1 << bits, 2), dtype=np.int64)
            table[:, 1] = _EMPTY
            table[cells, 0] = sub[first].view(np.int64)
            table[cells, 1] = rest[first] | np.where(counts > 1, _SHARED, np.int64(0))
            self.levels.append((mult, shift, table))
            placed = np.zeros(rest.size, dtype=bool)
            placed[first] = True
            rest = rest[~placed]
        self.rest_order = rest[np.argsort(keys[rest], kind="stable")]  # left after the last table: binary search
        self.rest_sorted = keys[self.rest_order]

    def __getstate__(self) -> dict:
        return {"keys": self.keys, "load": self.load}

    def __setstate__(self, state: dict) -> None:
        self.keys, self.load = np.asarray(state["keys"], dtype=np.uint64), state["load"]
        self._build()

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Position of every key in `self.keys`, -1 where absent."""
        keys = np.asarray(keys, dtype=np.uint64)
        if not self.levels:
            return np.full(keys.size, -1, dtype=np.int32)
        out = np.empty(0, dtype=np.int32)
        todo = None  # indices into `keys` still looked for (None: all of them)
        query = keys
        for mult, shift, table in self.levels:
            got = table.take(_cells(query, mult, shift), axis=0)
            miss = got[:, 0] != query.view(np.int64)
            pos = got[:, 1]
            onward = np.flatnonzero(miss & (pos >= _SHARED))  # another key holds a shared cell: look further
            found = pos.astype(np.int32)  # a position is below 2**31: the cast drops the flag
            found[miss] = -1
            if todo is None:
                out = found
            else:
                out[todo] = found
            if not onward.size:
                return out
            todo = onward if todo is None else todo[onward]
            query = keys[todo]
        if todo is not None and self.rest_sorted.size:
            where = np.minimum(np.searchsorted(self.rest_sorted, query), self.rest_sorted.size - 1)
            out[todo] = np.where(self.rest_sorted[where] == query, self.rest_order[where], -1)
        return out


def _cells(keys: np.ndarray, mult: np.uint64, shift: np.uint64) -> np.ndarray:
    """The cell of each key in a table of 2**(64 - shift) cells (an int64 view, no copy)."""
    with np.errstate(over="ignore"):
        cells = keys * mult
    cells >>= shift
    return cells.view(np.int64)
