"""TextFeatures: word (rjieba) and char 1-3-gram TF-IDF of a message text and of its title, in NumPy.

The vocabulary and IDF are learned without labels on every text available (~10k shared messages);
transform() has no per-document Python loop but the segmenter's. Char n-grams are exact 63-bit keys
(three 21-bit code points), words 64-bit polynomial hashes, both looked up in a KeyIndex (_hashing.py).
Shared by the domain classifier and the department suggester (one pass per batch).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from minyi.nlp._hashing import KeyIndex
from minyi.nlp.segment import cut, tokenize

__all__ = ["TextFeatures", "sparsify"]

_WS = re.compile(r"\s+")
_SENTINEL = np.uint64(0x1FFFFF)  # above every Unicode code point: marks the empty slots of 1- and 2-grams
_MAX_TITLE = 200


def _char_keys(
    texts: Sequence[str], max_chars: int, orders: tuple[int, ...] = (1, 2, 3)
) -> tuple[np.ndarray, np.ndarray]:
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


def _char_keys_split(
    texts: Sequence[str], max_chars: int, orders: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(doc, code point) of every char when 1 is in `orders`, then (doc, key) of the longer n-grams."""
    parts = [t[:max_chars].replace("\x00", " ") for t in texts]
    lengths = np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts))
    # every text then U+0000, the last one's twice: the next two code points of every character are views
    padded = np.frombuffer("\x00".join(parts).encode("utf-32-le", "surrogatepass") + bytes(8), dtype=np.uint32)
    padded = padded.astype(np.uint64)
    n = padded.size - 2
    codes, nxt1, nxt2 = padded[:n], padded[1 : n + 1], padded[2:]
    doc = np.repeat(np.arange(len(parts)), lengths)[:n]
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


def _unigram_direct(keys: np.ndarray) -> np.ndarray:
    """Direct-address table of the unigram keys of the Basic Multilingual Plane: code point -> position (-1)."""
    direct = np.full(1 << 16, -1, dtype=np.int32)
    unigram = (keys >> np.uint64(21)) == (_SENTINEL | (_SENTINEL << np.uint64(21)))
    code = keys & _SENTINEL
    bmp = np.flatnonzero(unigram & (code < np.uint64(1 << 16)))
    direct[code[bmp].astype(np.intp)] = bmp
    return direct


class _CharIndex:
    """KeyIndex of the char n-gram keys, with unigrams of the BMP (most lookups) in a direct-address table."""

    def __init__(self, keys: np.ndarray) -> None:
        self.index = KeyIndex(keys)
        self.direct = _unigram_direct(keys)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        return self.index.lookup(keys)

    def lookup_unigrams(self, codes: np.ndarray) -> np.ndarray:
        """lookup() of the unigram keys of these code points."""
        small = codes < np.uint64(1 << 16)
        if small.all():
            return self.direct[codes.astype(np.intp)].astype(np.int64)
        out = np.full(codes.size, -1, dtype=np.int64)
        out[small] = self.direct[codes[small].astype(np.intp)]
        out[~small] = self.index.lookup(_unigram_keys(codes[~small]))
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
        joined = "\x01".join(
            "\x00".join(t.replace("\x00", "").replace("\x01", "") for t in tokens) for tokens in token_lists
        )
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


def _tfidf_blocks(
    blocks: list[tuple[np.ndarray, np.ndarray]], n_docs: int, widths: list[int], idfs: list[np.ndarray]
) -> sp.csr_matrix:
    """Several TF-IDF blocks side by side, each row of each block L2-normalised, built as one matrix."""
    offsets = np.cumsum([0, *widths])
    docs = np.concatenate([d for d, _ in blocks])
    cols = np.concatenate([c + offsets[i] for i, (_, c) in enumerate(blocks)])
    # Rows in doc order (each block already is: a stable sort merges four runs), then CSR -> CSC -> CSR: two
    # counting sorts leave every row's columns sorted, so summing the duplicates needs no per-row comparison
    # sort (scipy's sum_duplicates on unsorted rows: ~10 µs a message more). Same matrix, same floats.
    order = np.argsort(docs, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(docs, minlength=n_docs))])
    m = sp.csr_matrix((np.ones(cols.size, np.float32), cols[order], indptr), shape=(n_docs, int(offsets[-1])))
    m = m.tocsc().tocsr()
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

    def __init__(
        self,
        *,
        min_df: int = 2,
        max_chars: int = 1000,
        char_chars: int = 300,
        char_orders: tuple[int, ...] = (1, 2, 3),
        words: bool = True,
    ) -> None:
        self.min_df = min_df
        self.words = words
        self.max_chars = max_chars
        self.char_chars = char_chars
        self.char_orders = char_orders

    def fit(self, X: Iterable[str], y: object = None) -> TextFeatures:
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

    def _word_table(self) -> KeyIndex | None:
        """Hash table from word hashes to columns (None when two words collide), built once."""
        if "_words_table" not in self.__dict__:
            words = sorted(self.word_vocab_, key=self.word_vocab_.__getitem__)
            _, keys = _word_hashes([[w] for w in words])
            unique = np.unique(keys).size == keys.size and keys.size == len(words)
            self.__dict__["_words_table"] = KeyIndex(keys) if unique and keys.size else None
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
        old = np.concatenate(
            [word_keep, n_words + char_keep, n_words + n_chars + word_keep, 2 * n_words + n_chars + char_keep]
        )
        return new, old

    def _char_table(self) -> _CharIndex:
        table = self.__dict__.get("_table")
        if table is None:
            table = self.__dict__["_table"] = _CharIndex(self.char_keys_)
        return table

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_table", None)
        state.pop("_words_table", None)
        return state

    def transform(self, X: Iterable[str], tokens: Sequence[Sequence[str]] | None = None) -> sp.csr_matrix:
        """Features of texts; pass `tokens` (tokenize() of each text) to reuse a segmentation already done."""
        texts = [str(t) for t in X]
        # slice, never copy a whole (possibly huge) body: only its first max(max_chars, 4 * char_chars) chars
        window = 4 * self.char_chars
        head = max(self.max_chars, window)
        cuts = [t.find("\n") for t in texts]
        # " ".join(s.split()) is _WS.sub(" ", s).strip(), about 3x faster
        titles = [
            " ".join(t[: min(i, _MAX_TITLE) if i >= 0 else _MAX_TITLE].split())
            for t, i in zip(texts, cuts, strict=True)
        ]
        pairs = [
            (title, t[i + 1 : i + 1 + head] if i >= 0 else "") for title, t, i in zip(titles, texts, cuts, strict=True)
        ]
        full = [f"{t} {' '.join(p[1][:window].split())}" for t, p in zip(titles, pairs, strict=True)]
        # whitespace tokens are not in the vocabulary, so the raw cut needs no filtering here
        no_words = not self.word_vocab_
        title_words = self._words([] if no_words else [cut(t) for t in titles], len(texts))
        if tokens is not None:
            full_words = self._words(tokens, len(texts))
        else:  # the title's words are looked up once and counted in both blocks
            body_words = self._words([] if no_words else [cut(p[1][: self.max_chars]) for p in pairs], len(texts))
            full_words = (
                np.concatenate([title_words[0], body_words[0]]),
                np.concatenate([title_words[1], body_words[1]]),
            )
        blocks = [full_words, self._chars(full, self.char_chars), title_words, self._chars(titles, _MAX_TITLE)]
        n_words, n_chars = len(self.word_vocab_), self.char_keys_.size
        return _tfidf_blocks(
            blocks,
            len(texts),
            [n_words, n_chars, n_words, n_chars],
            [self.word_idf_, self.char_idf_, self.word_idf_, self.char_idf_],
        )


def sparsify(coef: np.ndarray, max_weights: int | None) -> sp.csr_matrix:
    """Keep each row's `max_weights` largest |weights| (all when None), as a float32 CSR matrix."""
    coef = np.asarray(coef, dtype=np.float32)
    if max_weights is not None and coef.shape[1] > max_weights:
        cut = np.partition(np.abs(coef), coef.shape[1] - max_weights, axis=1)[:, coef.shape[1] - max_weights]
        coef = np.where(np.abs(coef) >= cut[:, None], coef, np.float32(0))
    return sp.csr_matrix(coef)
