"""KeyIndex (minyi.nlp._hashing) against a plain dict: every key found at its position, every other key absent."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from minyi.nlp._hashing import KeyIndex


def _reference(keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """The straightforward lookup: a dict from key to position."""
    where = {int(k): i for i, k in enumerate(keys.tolist())}
    return np.array([where.get(int(q), -1) for q in queries.tolist()], dtype=np.int64)


def _char_ngram_keys(rng: np.random.Generator, n: int) -> np.ndarray:
    """Keys shaped like TextFeatures' char n-grams: three 21-bit code points, most of them CJK."""
    codes = rng.integers(0x4E00, 0x4E00 + 3000, size=(n, 3)).astype(np.uint64)
    keys = codes[:, 0] | (codes[:, 1] << np.uint64(21)) | (codes[:, 2] << np.uint64(42))
    return np.unique(keys)


@pytest.mark.parametrize("load", [0.25, 0.5, 4.0])  # 4.0: four keys a cell, every table and the binary search
@pytest.mark.parametrize("shape", ["random", "char_ngrams", "small_integers", "high_bits"])
def test_lookup_is_the_dict_lookup(load: float, shape: str) -> None:
    rng = np.random.default_rng(7)
    keys = {
        "random": rng.integers(0, 2**63, size=20_000, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1),
        "char_ngrams": _char_ngram_keys(rng, 20_000),
        "small_integers": np.arange(1, 5_000, dtype=np.uint64),
        "high_bits": np.arange(1, 3_000, dtype=np.uint64) << np.uint64(50),  # keys that differ in the top bits only
    }[shape]
    keys = rng.permutation(np.unique(keys))  # unique, in any order
    index = KeyIndex(keys, load=load)
    others = np.concatenate(
        [keys + np.uint64(1), keys >> np.uint64(1), rng.integers(0, 2**63, 5_000).astype(np.uint64)]
    )
    queries = rng.permutation(np.concatenate([keys, others, keys[:100]]))  # present, absent and repeated keys
    got = index.lookup(queries)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, _reference(keys, queries))
    if load == 4.0:
        assert index.rest_sorted.size > 0  # the binary search after the last table was exercised


def test_empty_index_and_empty_queries() -> None:
    empty = KeyIndex(np.zeros(0, dtype=np.uint64))
    assert empty.lookup(np.array([1, 2, 3], dtype=np.uint64)).tolist() == [-1, -1, -1]
    index = KeyIndex(np.array([5, 9], dtype=np.uint64))
    assert index.lookup(np.zeros(0, dtype=np.uint64)).tolist() == []
    assert index.lookup(np.array([9, 5, 7, 0], dtype=np.uint64)).tolist() == [1, 0, -1, -1]


def test_pickle_keeps_only_the_keys_and_rebuilds_the_tables() -> None:
    keys = _char_ngram_keys(np.random.default_rng(3), 5_000)
    index = KeyIndex(keys)
    state = index.__getstate__()
    assert set(state) == {"keys", "load"}
    again = pickle.loads(pickle.dumps(index))  # noqa: S301 - our own object
    np.testing.assert_array_equal(again.lookup(keys), np.arange(keys.size))
