"""KeywordScorer: per-domain scores from the official taxonomy's level-2/level-3 terms (keyword seeds).

The terms are read from taxonomy.csv at training time only (load_taxonomy_keywords) and matched in NumPy:
the key of each term's first two chars is looked up in a KeyIndex, longer terms confirmed char by char.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from minyi.nlp._hashing import KeyIndex
from minyi.nlp.features import _SENTINEL, _bigram_keys
from minyi.nlp.segment import tokenize

__all__ = ["KeywordScorer", "load_taxonomy_keywords"]


def _prefix_key(term: str) -> int:
    """The _char_keys() key of the bigram made of the first 2 chars of `term` (2+ chars long)."""
    return ord(term[0]) | (ord(term[1]) << 21) | (int(_SENTINEL) << 42)


def load_taxonomy_keywords(path: str | Path, *, full_term_weight: float = 2.0) -> dict[str, dict[str, float]]:
    """Keyword seeds per level-1 domain from taxonomy.csv (level1, level2, level3), read at training time only.

    Each level-2/level-3 term counts `full_term_weight`; its words of 2+ chars count 1.
    """
    seeds: dict[str, dict[str, float]] = defaultdict(dict)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            for term in (row.get("level2", ""), row.get("level3", "")):
                term = (term or "").strip()
                if not term or term == "其他":
                    continue
                seeds[row["level1"]][term] = full_term_weight
                for word in tokenize(term):
                    if len(word) >= 2 and word not in _GENERIC and word != term:
                        seeds[row["level1"]].setdefault(word, 1.0)
    return {k: dict(v) for k, v in seeds.items()}


_GENERIC = frozenset({"其他", "管理", "问题"})


class KeywordScorer(TransformerMixin, BaseEstimator):
    """log(1 + sum of matched keyword weights / number of domains sharing the keyword), one column per domain."""

    def __init__(self, *, keywords: dict[str, dict[str, float]] | None = None, max_chars: int = 3000) -> None:
        self.keywords = keywords
        self.max_chars = max_chars

    def fit(self, X: object = None, y: object = None) -> KeywordScorer:
        keywords = {d: {t: w for t, w in terms.items() if len(t) >= 2} for d, terms in (self.keywords or {}).items()}
        self.domains_ = sorted(keywords)
        df = Counter(term for d in self.domains_ for term in keywords[d])
        terms = sorted(df)
        self.terms_ = terms
        weights = np.zeros((len(terms), len(self.domains_)), dtype=np.float32)
        index = {t: i for i, t in enumerate(terms)}
        for j, d in enumerate(self.domains_):
            for term, w in keywords[d].items():
                weights[index[term], j] = w / df[term]
        self.weights_ = weights
        # Index the terms by the key of their first 2 chars: 2-char terms match exactly on that key,
        # longer ones are confirmed by comparing the characters after the match, all in NumPy.
        prefix = np.array([_prefix_key(t) for t in terms], dtype=np.uint64)
        self.term_keys_, group = np.unique(prefix, return_inverse=True)
        members: list[list[int]] = [[] for _ in range(self.term_keys_.size)]
        for i, g in enumerate(group.tolist()):
            members[g].append(i)
        self.key_terms_ = [tuple(m) for m in members]
        return self

    def _table(self) -> KeyIndex:
        table = self.__dict__.get("_table_cache")
        if table is None:
            table = self.__dict__["_table_cache"] = KeyIndex(self.term_keys_)
            sizes = np.array([len(m) for m in self.key_terms_], dtype=np.int64)
            self.__dict__["_indptr"] = np.concatenate([[0], np.cumsum(sizes)])
            self.__dict__["_ids"] = np.array([c for m in self.key_terms_ for c in m], dtype=np.int64)
            lengths = np.array([len(t) for t in self.terms_], dtype=np.int64)
            codes = np.zeros((len(self.terms_), int(lengths.max(initial=2))), dtype=np.uint64)
            for i, term in enumerate(self.terms_):
                codes[i, : len(term)] = [ord(c) for c in term]
            self.__dict__["_lengths"], self.__dict__["_term_codes"] = lengths, codes
        return table

    def _candidates(self, where: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position, term) for every term indexed under the key found at each position, without a Python loop."""
        indptr, ids = self.__dict__["_indptr"], self.__dict__["_ids"]
        counts = indptr[groups + 1] - indptr[groups]
        at = np.repeat(where, counts)
        first = np.repeat(indptr[groups] - (np.cumsum(counts) - counts), counts)
        return at, ids[first + np.arange(at.size)]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        for cache in ("_table_cache", "_indptr", "_ids", "_lengths", "_term_codes"):
            state.pop(cache, None)
        return state

    def transform(self, X: Iterable[str]) -> np.ndarray:
        texts = [str(t) for t in X]
        n_terms = len(self.terms_)
        if not texts or not n_terms:
            return np.zeros((len(texts), len(getattr(self, "domains_", []))), dtype=np.float32)
        table = self._table()
        lengths, term_codes = self.__dict__["_lengths"], self.__dict__["_term_codes"]
        width = term_codes.shape[1]
        parts = [t[: self.max_chars].replace("\x00", " ") for t in texts]
        codes = np.frombuffer(
            ("\x00".join(parts) + "\x00" * (width + 1)).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        ).astype(np.uint64)
        starts = np.flatnonzero((codes[:-1] != 0) & (codes[1:] != 0))  # every bigram inside one text
        keys = _bigram_keys(codes[starts], codes[starts + 1])
        found = table.lookup(keys)
        hit = found >= 0
        at, cols = self._candidates(starts[hit], found[hit])
        ok = lengths[cols] == 2
        longer = np.flatnonzero(~ok)
        if longer.size:  # terms of 3+ chars: compare the characters that follow the matched bigram
            window = codes[at[longer, None] + np.arange(width)]
            needed = np.arange(width) < lengths[cols[longer], None]
            ok[longer] = ((window == term_codes[cols[longer]]) | ~needed).all(axis=1)
        docs = np.searchsorted(np.flatnonzero(codes == 0), at[ok])  # separators before = the text it is in
        rows, cols = np.divmod(np.unique(docs * n_terms + cols[ok]), n_terms)  # a term counts once per text
        hits = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(len(texts), n_terms))
        return np.log1p(np.asarray(hits @ self.weights_, dtype=np.float32))
