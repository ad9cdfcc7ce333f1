"""Vectorised character n-gram hashing for many texts at once (NumPy, no Python loop per character).

A batch of texts becomes one ``uint32`` array of code points plus document offsets. Characters are
folded first (full-width to ASCII, upper to lower case) and everything that is not a letter or a
digit (whitespace, punctuation, symbols) is dropped, so that reposts that differ only in spacing or
punctuation give the same n-grams. An n-gram never crosses a document boundary. Hashes are 64-bit
(a polynomial of the code points finished with MurmurHash3's ``fmix64``); arithmetic wraps modulo
2**64 on purpose.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

_U64 = np.uint64
# odd 64-bit multipliers for the polynomial (one per position) and MurmurHash3's finaliser constants
_POSITION_MULTIPLIERS = tuple(
    _U64(m)
    for m in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD)
)
_FMIX_1 = _U64(0xFF51AFD7ED558CCD)
_FMIX_2 = _U64(0xC4CEB9FE1A85EC53)
_SHIFT_33 = _U64(33)


@lru_cache(maxsize=1)
def fold_table() -> np.ndarray:
    """Code point (< 0x10000) -> folded code point, or 0 for a character that is dropped."""
    table = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        folded = unicodedata.normalize("NFKC", chr(cp)).lower()
        if len(folded) == 1 and unicodedata.category(folded)[0] in "LN":
            table[cp] = ord(folded)
    return table


def codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Folded code points of all texts concatenated, and offsets (len(texts) + 1) into them."""
    raw = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    bmp = raw < 0x10000
    folded = np.where(bmp, fold_table()[np.where(bmp, raw, 0)], raw)
    keep = folded != 0
    kept_before = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
    starts = np.concatenate(([0], np.cumsum(lengths)))
    return folded[keep], kept_before[starts]


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, in place."""
    h ^= h >> _SHIFT_33
    h *= _FMIX_1
    h ^= h >> _SHIFT_33
    h *= _FMIX_2
    h ^= h >> _SHIFT_33
    return h


def ngram_hashes(cps: np.ndarray, offsets: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every n-gram inside each document, and the document index of each.

    A document shorter than ``n`` (but not empty) gives one hash of its whole text, so that short
    texts still have a feature.
    """
    if not 1 <= n <= len(_POSITION_MULTIPLIERS):
        raise ValueError(f"n-gram size must be between 1 and {len(_POSITION_MULTIPLIERS)}, got {n}")
    lengths = np.diff(offsets)
    counts = np.maximum(lengths - n + 1, 0)
    short = np.flatnonzero((lengths > 0) & (lengths < n))
    total = len(cps)
    # hash at every position of the concatenation, then drop the n-grams that cross a boundary
    values = cps.astype(np.uint64) + _U64(1)
    width = max(total - n + 1, 0)
    h = np.full(width, _U64(n), dtype=np.uint64)
    for k in range(n):
        h += values[k : k + width] * _POSITION_MULTIPLIERS[k]
    if n > 1 and width:
        keep = np.ones(width, dtype=bool)
        nonempty = lengths > 0
        crossing = offsets[1:][nonempty, None] - np.arange(1, n)[None, :]
        crossing = crossing[crossing >= offsets[:-1][nonempty, None]]
        keep[crossing[crossing < width]] = False
        h = h[keep]
    doc = np.repeat(np.arange(len(lengths), dtype=np.int64), counts)
    if len(short):
        h, doc = _with_short_documents(h, doc, values, offsets, short)
    return _fmix64(h), doc


def _with_short_documents(
    h: np.ndarray, doc: np.ndarray, values: np.ndarray, offsets: np.ndarray, short: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Append one whole-text hash for each document shorter than the n-gram size."""
    extra = np.zeros(len(short), dtype=np.uint64)
    for j, d in enumerate(short):
        acc = int(offsets[d + 1] - offsets[d])
        for k, value in enumerate(values[offsets[d] : offsets[d + 1]].tolist()):
            acc += value * int(_POSITION_MULTIPLIERS[k])
        extra[j] = acc & 0xFFFFFFFFFFFFFFFF
    return np.concatenate((h, extra)), np.concatenate((doc, short.astype(np.int64)))


def text_ngram_hashes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """``ngram_hashes`` of raw texts (folding included)."""
    cps, offsets = codepoints(texts)
    return ngram_hashes(cps, offsets, n)
