"""KeyIndex: the one lookup table of minyi.nlp's n-gram features: uint64 keys -> their position in a key array.

A direct-mapped table (cell = the top bits of key * an odd constant, at most a quarter full) answers most
lookups of a whole batch with one NumPy gather; the few keys whose cell holds another key and is shared by
several keys fall back to a binary search in the sorted keys (a cell holding one key answers "absent" for
any other: ~1% of the lookups of absent keys search instead of ~15%). No Python loop per key. The domain
model's char n-grams, words and taxonomy terms and the appeal-kind model's salted n-grams all use it. Only
the keys are pickled; the table is rebuilt on loading (milliseconds), which keeps model files small.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KeyIndex"]

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio): spreads any key over the top bits


class KeyIndex:
    """Position of each uint64 key in `keys` (unique, in any order), -1 where absent."""

    def __init__(self, keys: np.ndarray, load: float = 0.25) -> None:
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.load = load
        self._build()

    def _build(self) -> None:
        keys = self.keys
        bits = max(8, int(np.ceil(np.log2(max(keys.size, 1) / self.load))))
        self.shift = np.uint64(64 - bits)
        self.cell_keys = np.zeros(1 << bits, dtype=np.uint64)
        self.cell_pos = np.full(1 << bits, -1, dtype=np.int32)
        cells, first, counts = np.unique(self._cells(keys), return_index=True, return_counts=True)
        self.cell_keys[cells] = keys[first]
        self.cell_pos[cells] = first
        # cells that more than one key falls in: only there can a key be other than the one the cell holds
        self.cell_shared = np.zeros(1 << bits, dtype=bool)
        self.cell_shared[cells[counts > 1]] = True
        self.order = np.argsort(keys, kind="stable")
        self.sorted = keys[self.order]

    def __getstate__(self) -> dict:
        return {"keys": self.keys, "load": self.load}

    def __setstate__(self, state: dict) -> None:
        self.keys, self.load = np.asarray(state["keys"], dtype=np.uint64), state["load"]
        self._build()

    def _cells(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys * _MULT) >> self.shift).astype(np.intp)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Position of every key in `self.keys`, -1 where absent."""
        cells = self._cells(keys)
        pos = self.cell_pos[cells]
        same = self.cell_keys[cells] == keys
        out = np.where(same, pos, -1)
        clash = np.flatnonzero(~same & (pos >= 0))  # the cell holds another key
        clash = clash[self.cell_shared[cells[clash]]]  # ... and the key may sit elsewhere (else it is absent)
        if clash.size:
            where = np.minimum(np.searchsorted(self.sorted, keys[clash]), self.sorted.size - 1)
            out[clash] = np.where(self.sorted[where] == keys[clash], self.order[where], -1)
        return out
