"""Near-duplicate detection: reposts and lightly edited copies of the same message.

Texts are folded (width, case) and stripped of whitespace and punctuation, cut into character
``shingle_size``-grams, and summarised by one-permutation MinHash signatures of ``num_bins``
32-bit values (``minyi.nlp._minhash``). Locality-sensitive hashing splits each signature into
``bands`` bands of ``num_bins // bands`` rows: two texts whose signatures agree on a whole band
become a candidate pair, and a candidate is kept when the estimated Jaccard similarity of the two
shingle sets reaches ``threshold``. Duplicate clusters are the connected components of the kept
pairs.

Everything runs on NumPy arrays in chunks of ``chunk_size`` texts, so memory is bounded by the
signatures (``num_bins * 4`` bytes a text) and a band index (8 bytes a text per band), not by the
texts: ``fit`` accepts any iterable of str, including a generator.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from minyi.nlp._minhash import EMPTY, signatures

_BAND_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
        0x27D4EB2F165667C5,
        0x85EBCA77C2B2AE63,
    ],
    dtype=np.uint64,
)
_VERIFY_BATCH = 100_000  # candidate pairs compared at once (bounds the temporary arrays)
_MAX_QUERY_CANDIDATES = 64  # per band and query text in `query`/`predict`


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(texts)
    while chunk := list(islice(iterator, size)):
        for text in chunk:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
        yield chunk


def _progress(iterable: Iterable, *, enabled: bool, total: int | None, desc: str) -> Iterable:
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="chunk", file=sys.stderr, leave=False)


class NearDuplicateDetector:
    """MinHash/LSH near-duplicate clusters over character shingles (see the module docstring).

    After ``fit(texts)``: ``labels_`` (one cluster id per text; texts without a near duplicate are
    clusters of one), ``signatures_`` ((n, num_bins) uint32), ``n_duplicates_`` (texts that belong to
    a cluster of an earlier text: n minus the number of clusters) and the
    band index that ``predict``/``query`` use to find the fitted texts a new text duplicates.
    """

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        num_bins: int = 64,
        bands: int = 16,
        shingle_size: int = 3,
        chunk_size: int = 10_000,
        progress: bool = False,
    ) -> None:
        self.threshold = threshold
        self.num_bins = num_bins
        self.bands = bands
        self.shingle_size = shingle_size
        self.chunk_size = chunk_size
        self.progress = progress

    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "num_bins": self.num_bins,
            "bands": self.bands,
            "shingle_size": self.shingle_size,
            "chunk_size": self.chunk_size,
            "progress": self.progress,
        }

    def set_params(self, **params: object) -> NearDuplicateDetector:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    # -- fitting ---------------------------------------------------------------------------------
    def _check_params(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.bands < 1 or self.num_bins % self.bands:
            raise ValueError(f"bands ({self.bands}) must divide num_bins ({self.num_bins})")
        if self.num_bins // self.bands > len(_BAND_MULTIPLIERS):
            raise ValueError(f"at most {len(_BAND_MULTIPLIERS)} rows per band")
        if self.chunk_size < 1:
            raise ValueError("chunk_size must be positive")

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """MinHash signatures ((n, num_bins) uint32) of texts, computed chunk by chunk."""
        self._check_params()
        size = len(X) if isinstance(X, Sequence) else None
        total = None if size is None else -(-size // self.chunk_size)
        parts: list[np.ndarray] = []
        out = None if size is None else np.empty((size, self.num_bins), dtype=np.uint32)
        done = 0
        for chunk in _progress(_chunks(X, self.chunk_size), enabled=self.progress, total=total, desc="minhash"):
            sig = signatures(chunk, num_bins=self.num_bins, shingle_size=self.shingle_size)
            if out is not None:
                out[done : done + len(sig)] = sig
            else:
                parts.append(sig)
            done += len(sig)
        if out is not None:
            return out[:done]
        return np.concatenate(parts) if parts else np.empty((0, self.num_bins), dtype=np.uint32)

    def fit(self, X: Iterable[str], y: object = None) -> NearDuplicateDetector:
        sig = self.transform(X)
        n = len(sig)
        keys, orders = self._band_index(sig)
        labels = self._clusters(sig, keys, orders)
        self.signatures_ = sig
        self.band_keys_ = keys
        self.band_order_ = orders
        self.labels_ = labels
        self.n_duplicates_ = n - len(np.unique(labels))
        self.n_samples_ = n
        return self

    def fit_predict(self, X: Iterable[str], y: object = None) -> np.ndarray:
        return self.fit(X).labels_

    def _band_keys(self, sig: np.ndarray, band: int, which: np.ndarray | None = None) -> np.ndarray:
        """A 64-bit key per row (of ``which`` rows, default all) for one band (equal rows -> equal keys)."""
        rows = self.num_bins // self.bands
        columns = slice(band * rows, (band + 1) * rows)
        part = (sig[:, columns] if which is None else sig[which, columns]).astype(np.uint64)
        key = np.full(len(part), np.uint64(band + 1), dtype=np.uint64)
        for j in range(rows):
            key += part[:, j] * _BAND_MULTIPLIERS[j]
            key ^= key >> np.uint64(29)
        return key

    def _band_index(self, sig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per band: the sorted keys and the row order that sorts them (empty texts left out)."""
        valid = np.flatnonzero(sig[:, 0] != EMPTY) if len(sig) else np.empty(0, dtype=np.int64)
        keys = np.empty((self.bands, len(valid)), dtype=np.uint64)
        orders = np.empty((self.bands, len(valid)), dtype=np.int32 if len(sig) < 2**31 else np.int64)
        for band in range(self.bands):
            k = self._band_keys(sig, band, valid)  # only this band's columns are copied
            order = np.argsort(k, kind="stable")
            keys[band] = k[order]
            orders[band] = valid[order]
        return keys, orders

    def _clusters(self, sig: np.ndarray, keys: np.ndarray, orders: np.ndarray) -> np.ndarray:
        """Connected components of the verified pairs (pairs that share a band and reach the threshold).

        Links are kept as a spanning forest (each text -> the first text of its component), compacted
        whenever they outnumber the texts: memory stays O(n) whatever the number of pairs.
        """
        n = len(sig)
        left, right = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        bands = _progress(range(self.bands), enabled=self.progress, total=self.bands, desc="lsh bands")
        for band in bands:
            a, b = _star_pairs(keys[band], orders[band])
            kept_a, kept_b = [left], [right]
            for start in range(0, len(a), _VERIFY_BATCH):
                pa, pb = a[start : start + _VERIFY_BATCH], b[start : start + _VERIFY_BATCH]
                same = (sig[pa] == sig[pb]).mean(axis=1) >= self.threshold
                kept_a.append(pa[same])
                kept_b.append(pb[same])
            left, right = np.concatenate(kept_a), np.concatenate(kept_b)
            if len(left) > n:
                left, right = _spanning_forest(n, left, right)
        return _components(n, left, right)

    # -- new texts -------------------------------------------------------------------------------
    def query(self, text: str, *, signature: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Fitted texts that ``text`` nearly duplicates: (index, estimated Jaccard), best first."""
        sig = (
            signature
            if signature is not None
            else signatures([text], num_bins=self.num_bins, shingle_size=self.shingle_size)[0]
        )
        if sig[0] == EMPTY:
            return []
        candidates: set[int] = set()
        for band in range(self.bands):
            key = self._band_keys(sig[None, :], band)[0]
            lo = np.searchsorted(self.band_keys_[band], key, side="left")
            hi = min(np.searchsorted(self.band_keys_[band], key, side="right"), lo + _MAX_QUERY_CANDIDATES)
            candidates.update(self.band_order_[band][lo:hi].tolist())
        if not candidates:
            return []
        index = np.fromiter(candidates, dtype=np.int64)
        sim = (self.signatures_[index] == sig).mean(axis=1)
        keep = sim >= self.threshold
        ranked = sorted(zip(index[keep].tolist(), sim[keep].tolist(), strict=True), key=lambda p: (-p[1], p[0]))
        return ranked

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """For each text, the label of the fitted cluster it nearly duplicates, or -1."""
        sig = self.transform(X)
        out = np.full(len(sig), -1, dtype=np.int64)
        for i, row in enumerate(sig):
            match = self.query("", signature=row)
            if match:
                out[i] = self.labels_[match[0][0]]
        return out

    def groups(self, *, min_size: int = 2) -> list[np.ndarray]:
        """Indices of the fitted texts in each cluster of at least ``min_size``, biggest first."""
        order = np.argsort(self.labels_, kind="stable")
        bounds = np.flatnonzero(np.diff(self.labels_[order])) + 1
        parts = [p for p in np.split(order, bounds) if len(p) >= min_size]
        return sorted(parts, key=lambda p: (-len(p), int(p[0])))


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def _spanning_forest(n: int, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Links with the same components: every clustered text -> the first text of its component."""
    labels = _components(n, left, right)
    first = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n, dtype=np.int64))
    root = first[labels]
    linked = np.flatnonzero(root != np.arange(n))
    return linked, root[linked]


def _star_pairs(sorted_keys: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Within each run of equal keys, pair every member with the run's first member."""
    if len(sorted_keys) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    starts = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
    run = np.cumsum(starts) - 1
    first = order[np.flatnonzero(starts)][run]
    member = ~starts
    return first[member].astype(np.int64), order[member].astype(np.int64)


def near_duplicate_groups(texts: Sequence[str], *, threshold: float = 0.5) -> list[list[int]]:
    """Indices of groups of near-duplicate texts (groups of two or more), biggest first."""
    detector = NearDuplicateDetector(threshold=threshold).fit(texts)
    return [p.tolist() for p in detector.groups()]


# -- stored fingerprints: repeats and quotes across runs -------------------------------------------------------------
def band_keys(texts: Sequence[str], *, num_bins: int = 64, bands: int = 16, shingle_size: int = 3) -> np.ndarray:
    """(len(texts), bands) int64 LSH keys of the texts' MinHash signatures, to be stored and looked up by equality:
    two texts whose estimated Jaccard similarity is s share at least one key with probability 1 - (1 - s^r)^bands
    (r = num_bins // bands). A text without any shingle gets no meaningful key (check it is long enough first)."""
    detector = NearDuplicateDetector(num_bins=num_bins, bands=bands, shingle_size=shingle_size)
    detector._check_params()
    sig = signatures(list(texts), num_bins=num_bins, shingle_size=shingle_size)
    keys = np.empty((len(sig), bands), dtype=np.uint64)
    for band in range(bands):
        keys[:, band] = detector._band_keys(sig, band)
    return keys.view(np.int64)


def shingles(text: str, size: int = 3) -> set[str]:
    """The character ``size``-grams of a (folded) text; a shorter text is its own single shingle."""
    if len(text) <= size:
        return {text} if text else set()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def containment(part: set[str], whole: set[str]) -> float:
    """|part ∩ whole| / |part|: how much of ``part`` is found in ``whole`` (a quote is contained in its source)."""
    return len(part & whole) / len(part) if part else 0.0
