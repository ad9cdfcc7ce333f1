"""NearDuplicateDetector: fixed reposts, the estimator contract, bad input, and recall on the shared data."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from minyi.nlp._minhash import EMPTY, signatures
from minyi.nlp._ngrams import codepoints, text_ngram_hashes
from minyi.nlp.dedup import NearDuplicateDetector, near_duplicate_groups

ORIGINAL = (
    "A市A2区丽景花园小区附近搅拌站噪音扰民\n小区旁边新建了一个混凝土搅拌站，每天晚上搅拌机和运输车的"
    "噪音很大，灰尘满天飞，居民根本无法休息，请有关部门尽快处理，还我们一个安静的生活环境。"
)
REPOST = (
    "A市A2区丽景花园小区附近搅拌站噪音扰民！\n\t\t小区旁边新建了一个混凝土搅拌站，每天晚上搅拌机和"
    "运输车的噪音特别大，灰尘满天飞， 居民根本无法休息，请有关部门尽快处理，还我们安静的生活环境！"
)
UNRELATED = [
    "A7县星沙镇开元路路灯不亮\n开元路东段的路灯已经坏了一个多月，晚上行人和车辆通行很不安全。",
    "咨询住房公积金贷款政策\n请问在A市买第二套房，公积金贷款的首付比例和额度是多少？",
    "A3区某小学门口交通拥堵\n每天早上上学时间学校门口车辆乱停，交通十分拥堵，希望交警加强疏导。",
]


def _texts() -> list[str]:
    return [ORIGINAL, *UNRELATED, REPOST]


def test_repost_with_small_edits_is_a_near_duplicate() -> None:
    labels = NearDuplicateDetector().fit_predict(_texts())
    assert labels[0] == labels[4]
    assert len({labels[0], labels[1], labels[2], labels[3]}) == 4


def test_unrelated_messages_are_not_duplicates() -> None:
    detector = NearDuplicateDetector().fit(UNRELATED)
    assert len(set(detector.labels_.tolist())) == len(UNRELATED)
    assert detector.n_duplicates_ == 0
    assert detector.groups() == []


def test_groups_and_helper_list_the_repost_pair() -> None:
    assert near_duplicate_groups(_texts()) == [[0, 4]]


def test_whitespace_punctuation_and_width_do_not_matter() -> None:
    a = signatures(["丽景花园，小区 噪音ＡＢＣ１２３扰民"])
    b = signatures(["丽景花园小区噪音abc123扰民！"])
    assert np.array_equal(a, b)


def test_estimated_jaccard_is_close_to_the_exact_value() -> None:
    cps, offsets = codepoints([ORIGINAL, REPOST])
    shingles = [{tuple(cps[s : s + 3]) for s in range(offsets[k], offsets[k + 1] - 2)} for k in range(2)]
    exact = len(shingles[0] & shingles[1]) / len(shingles[0] | shingles[1])
    sig = signatures([ORIGINAL, REPOST], num_bins=256)
    assert abs((sig[0] == sig[1]).mean() - exact) < 0.1


def test_ngrams_never_cross_documents_and_short_texts_still_hash() -> None:
    hashes, doc = text_ngram_hashes(["abcd", "xy", "", "abcd"], 3)
    assert doc.tolist() == [0, 0, 3, 3, 1]
    assert set(hashes[doc == 0]) == set(hashes[doc == 3])
    assert signatures([""])[0].tolist() == [EMPTY] * 64


def test_predict_and_query_find_the_fitted_duplicate() -> None:
    detector = NearDuplicateDetector().fit([ORIGINAL, *UNRELATED])
    before = detector.labels_.copy()
    assert detector.predict([REPOST, "完全无关的一条新留言，讲的是别的事情"]).tolist() == [detector.labels_[0], -1]
    assert detector.query(REPOST)[0][0] == 0
    assert detector.query("") == []
    assert np.array_equal(detector.labels_, before), "predict must not change the fitted state"


def test_estimator_contract() -> None:
    detector = NearDuplicateDetector(threshold=0.6, chunk_size=2)
    assert detector.get_params()["threshold"] == 0.6
    assert not [k for k in vars(detector) if k.endswith("_")], "__init__ must only store parameters"
    assert detector.fit(_texts()) is detector
    assert detector.labels_.shape == (5,) and detector.signatures_.dtype == np.uint32
    clone = pickle.loads(pickle.dumps(detector))  # noqa: S301 - our own object
    assert np.array_equal(clone.predict([REPOST]), detector.predict([REPOST]))
    assert detector.set_params(threshold=0.7) is detector and detector.threshold == 0.7


def test_chunking_and_generators_give_the_same_clusters() -> None:
    texts = _texts() * 3
    whole = NearDuplicateDetector().fit_predict(texts)
    chunked = NearDuplicateDetector(chunk_size=2).fit_predict(t for t in texts)
    assert np.array_equal(whole, chunked)


def test_bad_input_and_parameters() -> None:
    assert NearDuplicateDetector().fit([]).labels_.shape == (0,)
    assert NearDuplicateDetector().fit(["", "", "x"]).n_duplicates_ == 0, "empty texts are nobody's duplicates"
    with pytest.raises(TypeError, match="str"):
        NearDuplicateDetector().fit(["ok", None])
    with pytest.raises(ValueError, match="bands"):
        NearDuplicateDetector(bands=5).fit(["a"])
    with pytest.raises(ValueError, match="threshold"):
        NearDuplicateDetector(threshold=0).fit(["a"])
    with pytest.raises(ValueError, match="power of two"):
        signatures(["a"], num_bins=48)
    huge = "噪音扰民" * 50_000
    assert NearDuplicateDetector().fit([huge, huge + "。"]).n_duplicates_ == 1


def test_recall_of_near_duplicate_pairs_on_the_shared_data(shared_data_dir: Path) -> None:
    """Pairs with exact shingle Jaccard >= 0.6 end in one cluster (measured: 402 of 403)."""
    path = shared_data_dir / "teddycup2020" / "messages_with_votes.jsonl"
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    texts = [f"{r['title']}\n{r['body']}" for r in rows]
    labels = NearDuplicateDetector().fit_predict(texts)
    hashes, doc = text_ngram_hashes(texts, 3)
    _, column = np.unique(hashes, return_inverse=True)
    sets = csr_matrix((np.ones(len(doc)), (doc, column)), shape=(len(texts), column.max() + 1))
    sets.data[:] = 1.0
    overlap = (sets @ sets.T).tocoo()
    sizes = np.asarray(sets.sum(axis=1)).ravel()
    upper = overlap.row < overlap.col
    i, j, both = overlap.row[upper], overlap.col[upper], overlap.data[upper]
    jaccard = both / (sizes[i] + sizes[j] - both)
    near = jaccard >= 0.6
    recall = float((labels[i[near]] == labels[j[near]]).mean())
    assert near.sum() > 300
    assert recall >= 0.97, recall


def test_band_keys_are_shared_by_near_copies_and_stable() -> None:
    from minyi.nlp.dedup import band_keys

    keys = band_keys([ORIGINAL, REPOST, UNRELATED[0], ORIGINAL])
    assert keys.shape == (4, 16) and keys.dtype == np.int64
    assert (keys[0] == keys[3]).all()  # the same text, the same keys (stored, then looked up in a later run)
    assert set(keys[0].tolist()) & set(keys[1].tolist())  # a repost shares at least one band
    assert not set(keys[0].tolist()) & set(keys[2].tolist())


def test_containment_tells_a_quote_from_its_source() -> None:
    from minyi.nlp.dedup import containment, jaccard, shingles

    source, quote = shingles(ORIGINAL), shingles(ORIGINAL[20:60])
    assert containment(quote, source) == 1.0 and containment(source, quote) < 0.5
    assert jaccard(quote, source) < 0.5  # Jaccard alone misses a quote
    assert shingles("") == set() and shingles("ab") == {"ab"} and containment(set(), source) == 0.0
