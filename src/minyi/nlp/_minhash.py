"""One-permutation MinHash signatures (Li, Owen & Zhang 2012) with rotation densification.

Classic MinHash applies K hash functions to every shingle; one-permutation hashing hashes each
shingle once, splits the hash range into K bins (the top bits pick the bin) and keeps the minimum
of the low 32 bits in each bin. The cost is one pass over the shingles whatever K is. A bin that
received no shingle borrows the value of the next non-empty bin to its right (circularly) plus a
per-distance offset (Shrivastava & Li 2014), which keeps the collision probability equal to the
Jaccard similarity. The fraction of equal entries of two signatures estimates the Jaccard
similarity of the two shingle sets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minyi.nlp._ngrams import text_ngram_hashes

EMPTY = np.uint32(0xFFFFFFFF)
_ROTATION_OFFSET = np.uint32(0x9E3779B1)  # odd constant added per bin of distance when borrowing


def signatures(texts: Sequence[str], *, num_bins: int = 64, shingle_size: int = 3) -> np.ndarray:
    """(len(texts), num_bins) uint32 signatures; a text without any shingle gets all ``EMPTY``."""
    if num_bins < 2 or num_bins & (num_bins - 1) or num_bins > 1024:
        raise ValueError(f"num_bins must be a power of two between 2 and 1024, got {num_bins}")
    hashes, doc = text_ngram_hashes(texts, shingle_size)
    bits = int(num_bins).bit_length() - 1
    bins = (hashes >> np.uint64(64 - bits)).astype(np.int64)
    values = (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    values[values == EMPTY] -= np.uint32(1)  # EMPTY is reserved for "no shingle in this bin"
    sig = np.full((len(texts), num_bins), EMPTY, dtype=np.uint32)
    np.minimum.at(sig.reshape(-1), doc * num_bins + bins, values)
    return _densify(sig)


def _densify(sig: np.ndarray) -> np.ndarray:
    """Fill empty bins of non-empty rows from the next non-empty bin to the right (circularly)."""
    empty = sig == EMPTY
    rows = empty.any(axis=1) & ~empty.all(axis=1)
    if not rows.any():
        return sig
    part = sig[rows]
    original = part.copy()
    todo = part == EMPTY
    for distance in range(1, sig.shape[1]):
        donor = np.roll(original, -distance, axis=1)
        take = todo & (donor != EMPTY)
        if take.any():
            part[take] = donor[take] + np.uint32((int(_ROTATION_OFFSET) * distance) & 0xFFFFFFFF)
            part[take & (part == EMPTY)] -= np.uint32(1)
            todo &= ~take
        if not todo.any():
            break
    sig[rows] = part
    return sig


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Row-wise fraction of equal signature entries (rows with an empty text estimate 0)."""
    same = (sig_a == sig_b).mean(axis=-1)
    return np.where((sig_a[..., 0] == EMPTY) & (sig_a == EMPTY).all(axis=-1), 0.0, same)
