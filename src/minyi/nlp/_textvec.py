"""TF-IDF over hashed character n-grams, built with NumPy (no Python loop per n-gram).

Chinese has no spaces; character bigrams approximate words well enough for "is this the same
problem" and need no segmenter, so a 100,000-message window is vectorised in seconds. A text is
``title + "\\n" + body``; the title's n-grams count ``title_weight`` times (titles name the place
and the problem, bodies add detail and noise).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix, vstack

from minyi.nlp._ngrams import codepoints, ngram_hashes
from minyi.nlp.text import split_text


def split_title(text: str) -> tuple[str, str]:
    """(title, body) of ``title + "\\n" + body`` (minyi.nlp.text.split_text) after leading blank lines."""
    return split_text(text.strip())


def hashed_counts(
    texts: Sequence[str], *, ngram_range: tuple[int, int], n_features: int, title_weight: float, chunk_size: int = 5_000
) -> csr_matrix:
    """(len(texts), n_features) weighted n-gram counts, title n-grams weighted ``title_weight``.

    Built chunk by chunk (COO -> CSR sums repeated n-grams without a global sort).
    """
    parts = [
        _chunk_counts(texts[s : s + chunk_size], ngram_range, n_features, title_weight)
        for s in range(0, len(texts), chunk_size)
    ]
    if not parts:
        return csr_matrix((0, n_features), dtype=np.float32)
    return vstack(parts, format="csr") if len(parts) > 1 else parts[0]


def _chunk_counts(
    texts: Sequence[str], ngram_range: tuple[int, int], n_features: int, title_weight: float
) -> csr_matrix:
    titles, bodies = zip(*map(split_title, texts), strict=True)
    docs: list[np.ndarray] = []
    feats: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for part, weight in ((titles, title_weight), (bodies, 1.0)):
        cps, offsets = codepoints(part)
        for n in range(ngram_range[0], ngram_range[1] + 1):
            h, doc = ngram_hashes(cps, offsets, n)
            docs.append(doc)
            feats.append((h % np.uint64(n_features)).astype(np.int32))
            weights.append(np.full(len(h), weight, dtype=np.float32))
    matrix = coo_matrix(
        (np.concatenate(weights), (np.concatenate(docs), np.concatenate(feats))), shape=(len(texts), n_features)
    ).tocsr()
    matrix.sum_duplicates()
    return matrix


class HashedTfidf:
    """Sublinear TF-IDF of hashed character n-grams, rows L2-normalised.

    After ``fit``: ``idf_`` (float32 array of ``n_features``) and ``n_samples_``.
    """

    def __init__(
        self, *, ngram_range: tuple[int, int] = (2, 2), n_features: int = 2**20, title_weight: float = 2.0
    ) -> None:
        self.ngram_range = ngram_range
        self.n_features = n_features
        self.title_weight = title_weight

    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {"ngram_range": self.ngram_range, "n_features": self.n_features, "title_weight": self.title_weight}

    def set_params(self, **params: object) -> HashedTfidf:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def _counts(self, X: Sequence[str]) -> csr_matrix:
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi <= 5:
            raise ValueError(f"ngram_range must satisfy 1 <= lo <= hi <= 5, got {self.ngram_range}")
        counts = hashed_counts(
            list(X), ngram_range=(lo, hi), n_features=self.n_features, title_weight=self.title_weight
        )
        counts.eliminate_zeros()
        return counts

    def fit(self, X: Sequence[str], y: object = None) -> HashedTfidf:
        self._fit_counts(self._counts(X))
        return self

    def _fit_counts(self, counts: csr_matrix) -> None:
        df = np.bincount(counts.indices, minlength=self.n_features)
        n = counts.shape[0]
        self.idf_ = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        self.n_samples_ = n

    def transform(self, X: Sequence[str]) -> csr_matrix:
        return self._weigh(self._counts(X))

    def fit_transform(self, X: Sequence[str], y: object = None) -> csr_matrix:
        counts = self._counts(X)
        self._fit_counts(counts)
        return self._weigh(counts)

    def _weigh(self, counts: csr_matrix) -> csr_matrix:
        out = counts.copy()
        out.data = ((1.0 + np.log(out.data)) * self.idf_[out.indices]).astype(np.float32)
        lengths = np.diff(out.indptr)
        rows = np.repeat(np.arange(out.shape[0]), lengths)
        norms = np.sqrt(np.bincount(rows, weights=out.data.astype(np.float64) ** 2, minlength=out.shape[0]))
        out.data /= np.where(norms > 0, norms, 1.0)[rows].astype(np.float32)
        return out
