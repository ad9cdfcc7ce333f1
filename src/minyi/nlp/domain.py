"""Domain (领域) classification: fast sparse text features + taxonomy keyword scores + a linear SVM.

What makes it work on only 414 labelled messages (see docs/nlp.md for the figures):
- TextFeatures: word (rjieba) and char 1-3-gram TF-IDF of the whole text and of the title, with the
  vocabulary and IDF learned on all ~10k shared messages (label-free); computed with NumPy, not per-doc
  Python loops, so that predict stays fast.
- KeywordScorer: per-domain scores from the official taxonomy's level-2/level-3 terms (keyword seeds).
- Distant supervision: messages whose official reply names a department of one domain (教育局 -> 教育文体 …)
  are added to the training data with a small weight (see domain_from_reply).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.svm import LinearSVC

from minyi.nlp.segment import cut, tokenize
from minyi.nlp.text import split_text

__all__ = [
    "DomainClassifier",
    "KeywordScorer",
    "TextFeatures",
    "domain_from_reply",
    "load_taxonomy_keywords",
    "split_title",
]

_WS = re.compile(r"\s+")
_SENTINEL = np.uint64(0x1FFFFF)  # above every Unicode code point: marks the empty slots of 1- and 2-grams
_MAX_TITLE = 200


def split_title(text: str) -> tuple[str, str]:
    """(title, body) of a message text written as title + "\\n" + body, whitespace collapsed."""
    title, body = split_text(text or "")
    return _WS.sub(" ", title).strip(), _WS.sub(" ", body).strip()


def _char_keys(texts: Sequence[str], max_chars: int,
               orders: tuple[int, ...] = (1, 2, 3)) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, 63-bit key) of every char n-gram (n in `orders`) of every text, without Python loops per char."""
    uni_docs, uni_codes, docs, keys = _char_keys_split(texts, max_chars, orders)
    if uni_codes.size:
        docs = np.concatenate([uni_docs, docs])
        keys = np.concatenate([_unigram_keys(uni_codes), keys])
    return docs, keys


def _unigram_keys(codes: np.ndarray) -> np.ndarray:
    return codes | (_SENTINEL << np.uint64(21)) | (_SENTINEL << np.uint64(42))


def _bigram_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Keys of the bigrams (first[i], second[i]) of code points: the third slot is empty."""
    return first | (second << np.uint64(21)) | (_SENTINEL << np.uint64(42))


def _char_keys_split(texts: Sequence[str], max_chars: int,
                     orders: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(doc, code point) of every char when 1 is in `orders`, then (doc, key) of the longer n-grams."""
    parts = [t[:max_chars].replace("\x00", " ") for t in texts]
    lengths = np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts))
    codes = np.frombuffer("\x00".join(parts).encode("utf-32-le", "surrogatepass") + bytes(8),
                          dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(parts)), lengths)
    doc = np.concatenate([doc, np.zeros(codes.size - doc.size, np.int64)])  # the padding is never valid
    nxt1 = np.concatenate([codes[1:], np.zeros(1, np.uint64)])
    nxt2 = np.concatenate([codes[2:], np.zeros(2, np.uint64)])
    valid1 = codes != 0
    valid2 = valid1 & (nxt1 != 0)
    keys, docs = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
    uni_docs, uni_codes = (doc[valid1], codes[valid1]) if 1 in orders else (docs[0], keys[0])
    if 2 in orders:
        keys.append(_bigram_keys(codes[valid2], nxt1[valid2]))
        docs.append(doc[valid2])
    if 3 in orders:
        valid3 = valid2 & (nxt2 != 0)
        keys.append(codes[valid3] | (nxt1[valid3] << np.uint64(21)) | (nxt2[valid3] << np.uint64(42)))
        docs.append(doc[valid3])
    return uni_docs, uni_codes, np.concatenate(docs), np.concatenate(keys)


class _KeyTable:
    """Vectorised open-addressing hash table: uint64 keys -> their index in a key array (-1 when absent).

    Built lazily from the key array (not pickled), so that a model file stays small.
    """

    _MULT = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: np.ndarray) -> None:
        self.bits = max(4, int(np.ceil(np.log2(max(4 * keys.size, 2)))))
        self.mask = np.uint64((1 << self.bits) - 1)
        self.slot_keys = np.zeros(1 << self.bits, dtype=np.uint64)
        self.slot_vals = np.full(1 << self.bits, -1, dtype=np.int32)
        pending = np.arange(keys.size)
        probe = 0
        while pending.size:
            slots = self._slots(keys[pending], probe)
            free = self.slot_vals[slots] < 0
            cand_slots, cand = slots[free], pending[free]
            uniq, first = np.unique(cand_slots, return_index=True)
            self.slot_keys[uniq] = keys[cand[first]]
            self.slot_vals[uniq] = cand[first]
            placed = np.zeros(keys.size, dtype=bool)
            placed[cand[first]] = True
            pending = pending[~placed[pending]]
            probe += 1
        self.max_probe = probe
        # direct-address table for the unigrams of the Basic Multilingual Plane (most lookups, no hashing)
        self.direct = np.full(1 << 16, -1, dtype=np.int32)
        unigram = (keys >> np.uint64(21)) == (_SENTINEL | (_SENTINEL << np.uint64(21)))
        code = keys & _SENTINEL
        bmp = np.flatnonzero(unigram & (code < np.uint64(1 << 16)))
        self.direct[code[bmp].astype(np.intp)] = bmp

    def lookup_unigrams(self, codes: np.ndarray) -> np.ndarray:
        """lookup() of the unigram keys of these code points."""
        small = codes < np.uint64(1 << 16)
        if small.all():
            return self.direct[codes.astype(np.intp)].astype(np.int64)
        out = np.full(codes.size, -1, dtype=np.int64)
        out[small] = self.direct[codes[small].astype(np.intp)]
        out[~small] = self.lookup(_unigram_keys(codes[~small]))
        return out

    def _slots(self, keys: np.ndarray, probe: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            h = (keys * self._MULT) >> np.uint64(64 - self.bits)
        if probe:
            h = (h + np.uint64(probe)) & self.mask
        return h.astype(np.intp)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        out = np.full(keys.size, -1, dtype=np.int64)
        todo = np.arange(keys.size)
        for probe in range(self.max_probe):
            if not todo.size:
                break
            slots = self._slots(keys[todo], probe)
            vals = self.slot_vals[slots]
            hit = (vals >= 0) & (self.slot_keys[slots] == keys[todo])
            out[todo[hit]] = vals[hit]
            todo = todo[(vals >= 0) & ~hit]
        return out


_WORD_BASE = np.uint64(0x100000001B3)  # odd, so invertible modulo 2**64
_WORD_BASE_INV = np.uint64(pow(int(_WORD_BASE), -1, 1 << 64))
_powers: list[tuple[np.ndarray, np.ndarray]] = []  # one (powers, inverse powers) pair, replaced whole


def _power_table(n: int) -> tuple[np.ndarray, np.ndarray]:
    """_WORD_BASE**i and its inverse for i < n (modulo 2**64), grown on demand and kept."""
    have = _powers[0] if _powers else None
    if have is None or have[0].size < n:
        size = max(n, 1 << 16, 2 * (0 if have is None else have[0].size))
        with np.errstate(over="ignore"):
            powers = np.cumprod(np.full(size, _WORD_BASE, dtype=np.uint64))
            inverse = np.cumprod(np.full(size, _WORD_BASE_INV, dtype=np.uint64))
        one = np.ones(1, np.uint64)
        have = (np.concatenate([one, powers[:-1]]), np.concatenate([one, inverse[:-1]]))
        _powers[:] = [have]  # one list item swapped at once: threads never see a half-built pair
    return have[0][:n], have[1][:n]


def _word_hashes(token_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, 64-bit polynomial hash) of every non-empty token, for a whole batch in NumPy.

    Tokens are joined with U+0000 and documents with U+0001 (a token holding either loses it); a
    token's hash is sum(code[i] * B**(i - start)) modulo 2**64, read off prefix sums and scaled back
    by the inverse power, so that equal tokens hash equally wherever they stand.
    """
    joined = "\x01".join("\x00".join(tokens) for tokens in token_lists)
    n_tokens = sum(map(len, token_lists))
    n_lists = sum(1 for tokens in token_lists if tokens)
    if joined.count("\x00") != n_tokens - n_lists or joined.count("\x01") != max(len(token_lists) - 1, 0):
        joined = "\x01".join("\x00".join(t.replace("\x00", "").replace("\x01", "") for t in tokens)
                              for tokens in token_lists)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    n = codes.size
    powers, inverse = _power_table(n + 1)
    with np.errstate(over="ignore"):
        prefix = np.concatenate([np.zeros(1, np.uint64), np.cumsum(codes * powers[:n])])
    is_doc_end = codes == 1
    ends = np.flatnonzero(is_doc_end | (codes == 0))
    starts = np.concatenate([[0], ends + 1])
    doc = np.concatenate([[0], np.cumsum(is_doc_end[ends])])
    ends = np.concatenate([ends, [n]])
    keep = ends > starts
    starts, ends, doc = starts[keep], ends[keep], doc[keep]
    with np.errstate(over="ignore"):
        hashes = (prefix[ends] - prefix[starts]) * inverse[starts]
    return doc, hashes


def _prefix_key(term: str) -> int:
    """The _char_keys() key of the bigram made of the first 2 chars of `term` (2+ chars long)."""
    return ord(term[0]) | (ord(term[1]) << 21) | (int(_SENTINEL) << 42)


def _tfidf_blocks(blocks: list[tuple[np.ndarray, np.ndarray]], n_docs: int, widths: list[int],
                  idfs: list[np.ndarray]) -> sp.csr_matrix:
    """Several TF-IDF blocks side by side, each row of each block L2-normalised, built as one matrix."""
    offsets = np.cumsum([0, *widths])
    docs = np.concatenate([d for d, _ in blocks])
    cols = np.concatenate([c + offsets[i] for i, (_, c) in enumerate(blocks)])
    m = sp.csr_matrix((np.ones(cols.size, np.float32), (docs, cols)), shape=(n_docs, int(offsets[-1])))
    m.sum_duplicates()
    m.data = (1.0 + np.log(m.data)) * np.concatenate(idfs)[m.indices]
    block = np.searchsorted(offsets[1:], m.indices, side="right")
    rows = np.repeat(np.arange(n_docs), np.diff(m.indptr))
    cell = rows * len(blocks) + block
    norms = np.sqrt(np.bincount(cell, weights=np.square(m.data, dtype=np.float64), minlength=n_docs * len(blocks)))
    norms[norms == 0] = 1.0
    m.data /= norms[cell].astype(np.float32)
    return m


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


class TextFeatures(TransformerMixin, BaseEstimator):
    """Word and char 1-3-gram TF-IDF of a message text and of its title, stacked in one sparse matrix.

    fit() needs no labels: fit it on every text available (labelled or not).
    """

    def __init__(self, *, min_df: int = 2, max_chars: int = 1000, char_chars: int = 300,
                 char_orders: tuple[int, ...] = (1, 2, 3), words: bool = True) -> None:
        self.min_df = min_df
        self.words = words
        self.max_chars = max_chars
        self.char_chars = char_chars
        self.char_orders = char_orders

    def fit(self, X: Iterable[str], y: object = None) -> TextFeatures:  # noqa: N803 - scikit-learn's name
        texts = [str(t) for t in X]
        words = [tokenize(t[: self.max_chars]) for t in texts] if self.words else []
        n = len(texts)
        df = Counter(w for ws in words for w in set(ws))
        vocab = sorted(w for w, c in df.items() if c >= self.min_df)
        self.word_vocab_ = {w: i for i, w in enumerate(vocab)}
        self.word_idf_ = _idf(np.array([df[w] for w in vocab], dtype=np.float64), n)
        docs, keys = _char_keys([_WS.sub(" ", t) for t in texts], self.char_chars, tuple(self.char_orders))
        order = np.lexsort((docs, keys))
        keys, docs = keys[order], docs[order]
        first = np.ones(keys.size, dtype=bool)
        first[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
        uniq, counts = np.unique(keys[first], return_counts=True)
        keep = counts >= self.min_df
        self.char_keys_ = uniq[keep]
        self.char_idf_ = _idf(counts[keep].astype(np.float64), n)
        self.n_features_out_ = 2 * (len(vocab) + self.char_keys_.size)
        return self

    @property
    def n_base_features(self) -> int:
        """Number of columns transform() returns."""
        return 2 * (len(self.word_vocab_) + self.char_keys_.size)

    def _words(self, token_lists: Sequence[Sequence[str]], n_docs: int) -> tuple[np.ndarray, np.ndarray]:
        """(doc, column) pairs of the known words (no token lists at all: none).

        Words are hashed in NumPy (:func:`_word_hashes`) and looked up in a hash table of the
        vocabulary's hashes, instead of one dict lookup per token in Python (about 3x faster).
        """
        if not token_lists:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        table = self._word_table()
        if table is None:  # two vocabulary words share a 64-bit hash: look words up one by one
            lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=n_docs)
            flat = chain.from_iterable(token_lists)
            cols = np.fromiter(map(self.word_vocab_.get, flat, repeat(-1)), dtype=np.int64, count=int(lengths.sum()))
            docs = np.repeat(np.arange(n_docs), lengths)
        else:
            docs, hashes = _word_hashes(token_lists)
            cols = table.lookup(hashes)
        known = cols >= 0
        return docs[known], cols[known]

    def _word_table(self) -> _KeyTable | None:
        """Hash table from word hashes to columns (None when two words collide), built once."""
        if "_words_table" not in self.__dict__:
            words = sorted(self.word_vocab_, key=self.word_vocab_.__getitem__)
            _, keys = _word_hashes([[w] for w in words])
            unique = np.unique(keys).size == keys.size and keys.size == len(words)
            self.__dict__["_words_table"] = _KeyTable(keys) if unique and keys.size else None
        return self.__dict__["_words_table"]

    def _chars(self, texts: Sequence[str], limit: int) -> tuple[np.ndarray, np.ndarray]:
        """(doc, column) pairs of the known char n-grams."""
        uni_docs, uni_codes, docs, keys = _char_keys_split(texts, limit, tuple(self.char_orders))
        table = self._char_table()
        docs = np.concatenate([uni_docs, docs])
        cols = np.concatenate([table.lookup_unigrams(uni_codes), table.lookup(keys)])
        known = cols >= 0
        return docs[known], cols[known]

    def restrict(self, used: np.ndarray) -> tuple[TextFeatures, np.ndarray]:
        """A copy that only computes the columns in `used`, and the old index of each of its columns."""
        n_words, n_chars = len(self.word_vocab_), self.char_keys_.size
        used = np.asarray(used, dtype=np.int64)
        blocks = np.searchsorted(np.cumsum([n_words, n_chars, n_words, n_chars]), used, side="right")
        offsets = np.array([0, n_words, n_words + n_chars, 2 * n_words + n_chars])
        local = used - offsets[np.minimum(blocks, 3)]
        word_keep = np.unique(local[(blocks == 0) | (blocks == 2)])
        char_keep = np.unique(local[(blocks == 1) | (blocks == 3)])
        words = sorted(self.word_vocab_, key=self.word_vocab_.__getitem__)
        new = TextFeatures(**self.get_params())
        new.word_vocab_ = {words[i]: j for j, i in enumerate(word_keep)}
        new.word_idf_ = self.word_idf_[word_keep]
        new.char_keys_ = self.char_keys_[char_keep]
        new.char_idf_ = self.char_idf_[char_keep]
        new.n_features_out_ = 2 * (word_keep.size + char_keep.size)
        old = np.concatenate([word_keep, n_words + char_keep, n_words + n_chars + word_keep,
                              2 * n_words + n_chars + char_keep])
        return new, old

    def _char_table(self) -> _KeyTable:
        table = self.__dict__.get("_table")
        if table is None:
            table = self.__dict__["_table"] = _KeyTable(self.char_keys_)
        return table

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_table", None)
        state.pop("_words_table", None)
        return state

    def transform(self, X: Iterable[str], tokens: Sequence[Sequence[str]] | None = None) -> sp.csr_matrix:  # noqa: N803
        """Features of texts; pass `tokens` (tokenize() of each text) to reuse a segmentation already done."""
        texts = [str(t) for t in X]
        # slice, never copy a whole (possibly huge) body: only its first max(max_chars, 4 * char_chars) chars
        window = 4 * self.char_chars
        head = max(self.max_chars, window)
        cuts = [t.find("\n") for t in texts]
        # " ".join(s.split()) is _WS.sub(" ", s).strip(), about 3x faster
        titles = [" ".join(t[: min(i, _MAX_TITLE) if i >= 0 else _MAX_TITLE].split())
                  for t, i in zip(texts, cuts, strict=True)]
        pairs = [(title, t[i + 1: i + 1 + head] if i >= 0 else "")
                 for title, t, i in zip(titles, texts, cuts, strict=True)]
        full = [f"{t} {' '.join(p[1][:window].split())}" for t, p in zip(titles, pairs, strict=True)]
        # whitespace tokens are not in the vocabulary, so the raw cut needs no filtering here
        no_words = not self.word_vocab_
        title_words = self._words([] if no_words else [cut(t) for t in titles], len(texts))
        if tokens is not None:
            full_words = self._words(tokens, len(texts))
        else:  # the title's words are looked up once and counted in both blocks
            body_words = self._words([] if no_words else [cut(p[1][: self.max_chars]) for p in pairs], len(texts))
            full_words = (np.concatenate([title_words[0], body_words[0]]),
                          np.concatenate([title_words[1], body_words[1]]))
        blocks = [full_words, self._chars(full, self.char_chars), title_words, self._chars(titles, _MAX_TITLE)]
        n_words, n_chars = len(self.word_vocab_), self.char_keys_.size
        return _tfidf_blocks(blocks, len(texts), [n_words, n_chars, n_words, n_chars],
                             [self.word_idf_, self.char_idf_, self.word_idf_, self.char_idf_])


def sparsify(coef: np.ndarray, max_weights: int | None) -> sp.csr_matrix:
    """Keep each row's `max_weights` largest |weights| (all when None), as a float32 CSR matrix."""
    coef = np.asarray(coef, dtype=np.float32)
    if max_weights is not None and coef.shape[1] > max_weights:
        cut = np.partition(np.abs(coef), coef.shape[1] - max_weights, axis=1)[:, coef.shape[1] - max_weights]
        coef = np.where(np.abs(coef) >= cut[:, None], coef, np.float32(0))
    return sp.csr_matrix(coef)


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

    def fit(self, X: object = None, y: object = None) -> KeywordScorer:  # noqa: N803
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

    def _table(self) -> _KeyTable:
        table = self.__dict__.get("_table_cache")
        if table is None:
            table = self.__dict__["_table_cache"] = _KeyTable(self.term_keys_)
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

    def transform(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        texts = [str(t) for t in X]
        n_terms = len(self.terms_)
        if not texts or not n_terms:
            return np.zeros((len(texts), len(getattr(self, "domains_", []))), dtype=np.float32)
        table = self._table()
        lengths, term_codes = self.__dict__["_lengths"], self.__dict__["_term_codes"]
        width = term_codes.shape[1]
        parts = [t[: self.max_chars].replace("\x00", " ") for t in texts]
        codes = np.frombuffer(("\x00".join(parts) + "\x00" * (width + 1)).encode("utf-32-le", "surrogatepass"),
                              dtype=np.uint32).astype(np.uint64)
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


class DomainClassifier(ClassifierMixin, BaseEstimator):
    """Linear SVM over TextFeatures + keyword scores of the whole text and of the title."""

    def __init__(self, *, keywords: dict[str, dict[str, float]] | None = None, C: float = 1.0,  # noqa: N803
                 keyword_weight: float = 0.5, title_keyword_weight: float = 1.0, min_df: int = 2,
                 class_weight: str | None = "balanced", temperature: float = 0.3,
                 max_weights: int | None = 50000, keyword_chars: int = 3000,
                 features: TextFeatures | None = None) -> None:
        self.keywords = keywords
        self.C = C
        self.keyword_weight = keyword_weight
        self.title_keyword_weight = title_keyword_weight
        self.min_df = min_df
        self.class_weight = class_weight
        self.temperature = temperature
        self.max_weights = max_weights
        self.keyword_chars = keyword_chars
        self.features = features

    def fit(self, X: Iterable[str], y: Sequence[str], *, sample_weight: Sequence[float] | None = None,  # noqa: N803
            unlabeled: Iterable[str] | None = None, base: sp.csr_matrix | None = None) -> DomainClassifier:
        """Learn from labelled texts; `unlabeled` texts only widen the vocabulary and IDF (no labels used).

        A `features` parameter that is already fitted is used as it is (shared across CV folds), and then
        `base` may hold its transform of X.
        """
        texts = [str(t) for t in X]
        if self.features is not None and hasattr(self.features, "word_vocab_"):
            self.features_ = self.features
        else:
            every_text = texts + [str(t) for t in (unlabeled or [])]
            self.features_ = TextFeatures(min_df=self.min_df).fit(every_text)
        self.keyword_scorer_ = KeywordScorer(keywords=self.keywords, max_chars=self.keyword_chars).fit()
        matrix = self._matrix(texts, base=base if self.features_ is self.features else None)
        svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=0)
        svm.fit(matrix, np.asarray(y), sample_weight)
        self.classes_ = svm.classes_
        coef, intercept = svm.coef_, svm.intercept_
        if coef.shape[0] == 1:  # binary: LinearSVC keeps one row for the positive class
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        self.coef_ = sparsify(coef, self.max_weights)
        self.intercept_ = intercept.astype(np.float32)
        return self

    def use_features(self, features: TextFeatures, old_columns: np.ndarray) -> DomainClassifier:
        """Switch to a restricted TextFeatures (see TextFeatures.restrict); keyword columns are kept."""
        n_old = self.coef_.shape[1] - 2 * len(self.keyword_scorer_.domains_)
        keep = np.concatenate([old_columns, np.arange(n_old, self.coef_.shape[1])])
        self.coef_ = self.coef_[:, keep].tocsr()
        self.features_ = self.features = features
        return self

    def _matrix(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None,
                base: sp.csr_matrix | None = None) -> sp.csr_matrix:
        if base is None:
            base = self.features_.transform(texts, tokens=tokens)
        return sp.hstack([base, sp.csr_matrix(self._keyword_block(texts))], format="csr", dtype=np.float32)

    def _keyword_block(self, texts: Sequence[str]) -> np.ndarray:
        titles = [split_text(t)[0] for t in texts]
        full = self.keyword_scorer_.transform(texts)
        title = self.keyword_scorer_.transform(titles)
        return np.hstack([self.keyword_weight * full, self.title_keyword_weight * title])

    def decision_function(self, X: Iterable[str], *, tokens: Sequence[Sequence[str]] | None = None,  # noqa: N803
                          base: sp.csr_matrix | None = None) -> np.ndarray:
        """Margins, one column per class; `base` = features_.transform(X) when already computed."""
        texts = [str(t) for t in X]
        if base is None:
            base = self.features_.transform(texts, tokens=tokens)
        dense = self.__dict__.get("_dense_coef")
        if dense is None or dense.shape[0] != self.coef_.shape[1]:
            dense = self.__dict__["_dense_coef"] = self.coef_.T.toarray()
        n_base = base.shape[1]
        return np.asarray(base @ dense[:n_base]) + self._keyword_block(texts) @ dense[n_base:] + self.intercept_

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_dense_coef", None)
        return state

    def predict_proba(self, X: Iterable[str], **kwargs: object) -> np.ndarray:  # noqa: N803
        """Softmax of the margins (a score that sums to 1, not a calibrated probability)."""
        margins = self.decision_function(X, **kwargs) / self.temperature
        margins -= margins.max(axis=1, keepdims=True)
        expd = np.exp(margins)
        return expd / expd.sum(axis=1, keepdims=True)

    def predict(self, X: Iterable[str], **kwargs: object) -> np.ndarray:  # noqa: N803
        return self.classes_[np.argmax(self.decision_function(X, **kwargs), axis=1)]


# Departments named in official replies -> the domain they handle (distant supervision, label-free).
_REPLY_DOMAIN_PATTERNS = {
    "教育文体": r"教育局|教育厅|文体|文化|体育局|招生|学校",
    "劳动和社会保障": r"人社局|人力资源和社会保障|社保|医保|社会保险|劳动监察|就业",
    "卫生计生": r"卫生|卫计|卫健|计生|医院|食药监|食品药品|疾控",
    "环境保护": r"环保局|环境保护局|生态环境|环境监测|环境执法",
    "交通运输": r"交通运输局|交通局|运管|公路局|出租车|客运|邮政",
    "城乡建设": r"住房和城乡建设|住建|城管|规划局|房产|城乡建设|住房保障|公积金|物业|街道",
    "商贸旅游": r"商务局|旅游|市场监督管理|工商|质监|质量技术监督|物价",
}
_REPLY_DOMAIN_RES = {d: re.compile(p) for d, p in _REPLY_DOMAIN_PATTERNS.items()}


def domain_from_reply(reply: str) -> str | None:
    """The domain implied by the departments an official reply names, when exactly one domain is implied."""
    if not reply:
        return None
    found = [d for d, pattern in _REPLY_DOMAIN_RES.items() if pattern.search(reply)]
    return found[0] if len(found) == 1 else None
