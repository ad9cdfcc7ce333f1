"""Appeal-kind classifier: tiny fixed examples, the estimator contract, and the gold-set score."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from minyi.nlp._hashing import KeyIndex
from minyi.nlp.appeal import (
    CUE_PHRASES,
    LABELS,
    MAX_N,
    AppealKindClassifier,
    evaluate,
    ngram_keys,
    phrase_keys,
    rule_scores,
)
from minyi.nlp.labels import APPEAL_KINDS

GOLD_DIR = Path(__file__).resolve().parents[2] / "gold"

# Two made-up messages per kind (title + "\n" + body), written for these tests.
TRAIN = [
    ("建议增开公交线路\n建议在高峰期增开公交车班次，方便市民出行。", "suggestion"),
    ("希望增设人行天桥\n学校门口车多，希望增设一座人行天桥，保障学生安全。", "suggestion"),
    ("残疾家庭生活困难求助\n我家三口人都是残疾，看病欠债，生活困难，恳请政府救助。", "help"),
    ("患病村民求助\n我患尿毒症多年，医药费负担不起，走投无路，请求帮助。", "help"),
    ("咨询户口迁移流程\n请问户口迁入需要哪些材料？在哪里办理？", "inquiry"),
    ("咨询医保办理手续\n请问新生儿医保怎么办理，需要什么材料？", "inquiry"),
    ("不理解补贴政策\n为什么别的县有补贴我们县没有？不是说全省统一吗？搞不懂。", "confusion"),
    ("对收费标准的疑惑\n既然文件说免费，为什么还要收费？这个规定到底怎么理解？", "confusion"),
    ("投诉饭店噪音扰民\n楼下饭店每天深夜噪音扰民，多次投诉无果，请尽快处理。", "complaint"),
    ("举报工厂偷排污水\n该厂违法偷排污水，污染严重，请环保部门查处。", "complaint"),
    ("反对建变电站\n变电站辐射会导致白血病和癌症，危害身体健康，坚决反对。", "misconception"),
    ("基站辐射危害健康\n听说基站电磁辐射致癌，小区居民生命安全受威胁。", "misconception"),
    ("感谢社区干部\n问题得到解决，非常感谢社区干部的耐心帮助，为你们点赞！", "praise"),
    ("表扬派出所民警\n民警热心帮我找回钱包，特此表扬，谢谢！", "praise"),
]
TEXTS = [t for t, _ in TRAIN]
KINDS = [k for _, k in TRAIN]


@pytest.fixture(scope="module")
def fitted() -> AppealKindClassifier:
    return AppealKindClassifier().fit(TEXTS, KINDS)


def test_labels_are_the_shared_appeal_kinds() -> None:
    assert tuple(APPEAL_KINDS) == LABELS
    assert set(KINDS) == set(LABELS)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("建议延长末班车时间\n建议公交末班车延长到晚上十点。", "suggestion"),
        ("咨询社保办理\n请问社保转移需要哪些材料，在哪里办理？", "inquiry"),
        ("投诉工地夜间施工扰民\n工地每晚施工到凌晨，噪音扰民，请查处。", "complaint"),
        ("感谢环卫工人\n街道干净多了，感谢环卫工人的辛苦付出，点赞！", "praise"),
        ("贫困家庭求助\n家里有病人，生活困难，欠债累累，恳请救助。", "help"),
    ],
)
def test_predicts_obvious_examples(fitted: AppealKindClassifier, text: str, kind: str) -> None:
    assert fitted.predict([text])[0] == kind


def test_fit_returns_self_and_sets_classes() -> None:
    model = AppealKindClassifier()
    assert model.fit(TEXTS, KINDS) is model
    assert sorted(model.classes_) == sorted(LABELS)


def test_learned_state_ends_with_underscore() -> None:
    model = AppealKindClassifier(C=1.0)
    before = set(vars(model))
    model.fit(TEXTS, KINDS)
    learned = set(vars(model)) - before
    assert learned
    assert all(name.endswith("_") for name in learned)
    assert {k: v for k, v in vars(model).items() if k in before} == clone(model).get_params()


def test_init_only_stores_parameters() -> None:
    model = AppealKindClassifier(C=0.5, tail_weight=0.2)
    assert model.get_params()["C"] == 0.5
    assert not [k for k in vars(model) if k.endswith("_")]
    assert clone(model).get_params() == model.get_params()


def test_predict_does_not_change_state(fitted: AppealKindClassifier) -> None:
    before = pickle.dumps(fitted)
    fitted.predict(TEXTS)
    fitted.predict_proba(TEXTS)
    fitted.decision_function(["", "x"])
    assert pickle.dumps(fitted) == before


def test_pickle_round_trip(fitted: AppealKindClassifier) -> None:
    restored = pickle.loads(pickle.dumps(fitted))  # noqa: S301 - our own bytes
    np.testing.assert_array_equal(restored.predict(TEXTS), fitted.predict(TEXTS))
    np.testing.assert_allclose(restored.predict_proba(TEXTS), fitted.predict_proba(TEXTS))


def test_probabilities_are_a_distribution(fitted: AppealKindClassifier) -> None:
    proba = fitted.predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS), len(fitted.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(fitted.classes_[proba.argmax(axis=1)], fitted.predict(TEXTS))


def test_fast_scores_match_the_sparse_matrix_path(fitted: AppealKindClassifier) -> None:
    # decision_function skips scikit-learn; it must agree with coef @ transform(X)
    x = fitted.features_.transform(TEXTS).toarray()
    n_vocab = fitted.features_.vocabulary_.size
    coef = np.hstack([fitted.ngram_coef_.T, fitted.cue_coef_.T])
    assert x.shape[1] == n_vocab + fitted.cue_coef_.shape[0]
    rules = np.zeros((len(TEXTS), len(fitted.classes_)))
    for j, (kind, bias) in enumerate((("help", fitted.rule_bias), ("misconception", fitted.claim_bias))):
        rules[:, list(fitted.classes_).index(kind)] = bias * rule_scores(TEXTS)[:, j]
    expected = x @ coef.T + fitted.intercept_ + rules
    np.testing.assert_allclose(fitted.decision_function(TEXTS), expected, rtol=1e-4, atol=1e-5)


def test_a_text_scores_the_same_alone_and_in_a_batch(fitted: AppealKindClassifier) -> None:
    batch = fitted.decision_function(TEXTS)
    for i, text in enumerate(TEXTS):
        np.testing.assert_allclose(fitted.decision_function([text])[0], batch[i], rtol=1e-6)


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        ["\n"],
        ["   \n\t\t "],
        ["只有标题"],
        ["a\x00b\nc\x00d"],
        ["English only\nno Chinese at all"],
        ["😀🚧\n𠮷野家"],
        ["标题\n" + "噪音扰民" * 50_000],
    ],
)
def test_odd_input_gets_a_valid_answer(fitted: AppealKindClassifier, texts: list[str]) -> None:
    pred = fitted.predict(texts)
    assert len(pred) == len(texts)
    assert set(pred) <= set(LABELS)
    assert np.isfinite(fitted.predict_proba(texts)).all()


def test_fit_rejects_bad_labels() -> None:
    with pytest.raises(ValueError, match="unknown appeal kinds"):
        AppealKindClassifier().fit(["投诉噪音", "建议修路"], ["complaint", "rant"])
    with pytest.raises(ValueError, match="labels"):
        AppealKindClassifier().fit(["投诉噪音", "建议修路"], ["complaint"])


def test_ngram_keys_stay_inside_each_text() -> None:
    doc, keys = ngram_keys(["ab", "", "cde"])
    # "ab": a, b, ab; "cde": c, d, e, cd, de, cde; nothing spans two texts
    assert doc.tolist() == [0, 0, 0, 2, 2, 2, 2, 2, 2]
    assert len(set(keys.tolist())) == 9
    assert (np.diff(doc) >= 0).all()
    _, alone = ngram_keys(["cde"])
    assert sorted(alone.tolist()) == sorted(keys[3:].tolist())


def test_salt_separates_fields() -> None:
    _, plain = ngram_keys(["投诉"], np.array([1]))
    _, other = ngram_keys(["投诉"], np.array([2]))
    assert not set(plain.tolist()) & set(other.tolist())
    assert phrase_keys(["投诉"], 1)[0] in plain
    with pytest.raises(ValueError):
        phrase_keys(["x" * (MAX_N + 1)], 1)


def test_cue_phrases_fit_the_ngram_size() -> None:
    for group, phrases in CUE_PHRASES.items():
        assert phrases.split(), group
        assert all(1 <= len(p) <= MAX_N for p in phrases.split()), group


def test_key_index_finds_exactly_its_keys() -> None:
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(1, 2**63, size=5000, dtype=np.int64).astype(np.uint64))
    index = KeyIndex(keys)
    np.testing.assert_array_equal(index.lookup(keys), np.arange(keys.size))
    others = rng.integers(1, 2**63, size=5000, dtype=np.int64).astype(np.uint64)
    others = others[~np.isin(others, keys)]
    assert (index.lookup(others) == -1).all()
    assert KeyIndex(np.zeros(0, dtype=np.uint64)).lookup(keys).tolist() == [-1] * keys.size


@pytest.mark.shared_data
def test_cross_validated_macro_f1_on_gold(shared_data_dir: Path) -> None:
    result = evaluate(shared_data_dir, GOLD_DIR)
    assert result["labels"] == list(LABELS)
    assert result["n"] >= 300
    assert all(result["support"][label] >= 10 for label in LABELS)
    matrix = np.asarray(result["confusion"])
    assert matrix.shape == (len(LABELS), len(LABELS))
    assert matrix.sum() == result["n"]
    np.testing.assert_array_equal(matrix.sum(axis=1), [result["support"][label] for label in LABELS])
    # measured 0.686 on 1,267 messages (5-fold stratified, near-duplicates grouped, random_state=0;
    # mean 0.677 over random_state 0..4); the floor catches regressions
    assert result["macro_f1"] >= 0.66
    assert min(result["per_class_f1"].values()) >= 0.3
    assert result["accuracy"] >= 0.78  # measured 0.813


def test_near_duplicates_share_a_group() -> None:
    from minyi.nlp.appeal import duplicate_groups

    petition = "反对在小区门口建设变电站\n" + (
        "我们小区居民强烈反对在小区门口建设变电站，该项目未经环评，也没有公示。" * 3
    )
    texts = [petition, "咨询公积金提取\n请问公积金提取需要哪些材料？", petition + "业主王某", "感谢民警\n点赞"]
    groups = duplicate_groups(texts)
    assert groups[0] == groups[2]
    assert len({groups[0], groups[1], groups[3]}) == 3


def test_agreement_of_two_passes(tmp_path: Path) -> None:
    from minyi.nlp.appeal import agreement

    rows = [
        "source,id,pass_a,pass_b,adjudicated",
        "f,1,complaint,complaint,",
        "f,2,help,complaint,help",
        "f,3,inquiry,inquiry,",
        "f,4,praise,praise,",
    ]
    (tmp_path / "appeal_kind_passes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = agreement(tmp_path)
    assert result["n"] == 4
    assert result["accuracy"] == 0.75
    assert result["adjudicated"] == 1
    assert 0 < result["kappa"] < 1


def test_gold_passes_match_the_gold_labels() -> None:
    import csv

    with open(GOLD_DIR / "appeal_kind.csv", encoding="utf-8") as f:
        final = {(r["source"], r["id"]): r for r in csv.DictReader(f)}
    with open(GOLD_DIR / "appeal_kind_passes.csv", encoding="utf-8") as f:
        passes = {(r["source"], r["id"]): r for r in csv.DictReader(f)}
    assert final.keys() == passes.keys()
    for key, row in final.items():
        p = passes[key]
        if p["pass_a"] == p["pass_b"]:
            assert (row["label"], row["agreement"], p["adjudicated"]) == (p["pass_a"], "agreed", ""), key
        else:
            assert (row["label"], row["agreement"]) == (p["adjudicated"], "adjudicated"), key


def test_two_kinds_only() -> None:
    texts = [t for t, k in TRAIN if k in {"complaint", "praise"}]
    kinds = [k for _, k in TRAIN if k in {"complaint", "praise"}]
    model = AppealKindClassifier().fit(texts, kinds)
    assert list(model.classes_) == ["complaint", "praise"]
    proba = model.predict_proba(["投诉噪音扰民\n请查处", "感谢\n点赞"])
    assert proba.shape == (2, 2)
    assert model.predict(["投诉噪音扰民\n请查处", "感谢民警\n点赞，谢谢"]).tolist() == ["complaint", "praise"]


def test_empty_title_keeps_the_body_as_body() -> None:
    from minyi.nlp.appeal import AppealFeatures

    fields = AppealFeatures()._fields
    assert fields(["\n正文第一行\n第二行"]) == ["", "正文第一行第二行", ""]
    assert fields(["  标题 \n正文"]) == ["标题", "正文", ""]
    assert fields(["只有标题"]) == ["只有标题", "", ""]


def test_max_ngrams_keeps_the_strongest_ngrams_and_every_cue_phrase() -> None:
    full = AppealKindClassifier(max_ngrams=None).fit(TEXTS, KINDS)
    n_cues = int((full.features_.cue_column_ >= 0).sum())
    small = AppealKindClassifier(max_ngrams=50).fit(TEXTS, KINDS)
    assert full.features_.vocabulary_.size > 50 + n_cues
    assert small.features_.vocabulary_.size <= 50 + n_cues
    assert int((small.features_.cue_column_ >= 0).sum()) == n_cues  # cue phrases are never dropped
    assert small.ngram_coef_.shape[0] == small.features_.vocabulary_.size
    # the kept table answers lookups for exactly its own keys
    kept = small.features_.vocabulary_
    assert (small.features_.index_.lookup(kept) == np.arange(kept.size)).all()
    assert small.predict(["建议增开公交线路\n建议在高峰期增开公交车班次"]).tolist() == ["suggestion"]


def test_fields_drop_every_kind_of_whitespace() -> None:
    from minyi.nlp.appeal import AppealFeatures

    features = AppealFeatures(max_body_chars=4, tail_chars=3)
    text = " 标 题\u3000\n\t正\n文 一二\u2028三四五六七八九\xa0十 "
    assert features._fields([text]) == ["标题", "正文一二", "八九十"]
    assert features._fields(["只有标题"]) == ["只有标题", "", ""]


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("喝醋能防新冠，政府为什么不推广\n听说喝醋能防新冠病毒，政府为什么不大力推广？", [0, 1]),
        ("喝醋能防新冠吗\n请问喝醋能防新冠是真的吗？", [0, 0]),  # asks whether it is true: an inquiry
        ("本人患尿毒症多年，生活困难\n恳请政府给予救助", [1, 0]),
        ("贫困户请求帮助\n家里房子漏雨，请领导帮忙解决", [1, 0]),  # the title names the hardship
        ("举报单位拖欠工资\n我患病在家，单位拖欠工资，请求帮助", [0, 0]),  # a wrongdoer: a complaint
        ("建议增开公交线路\n希望增开一条公交线路", [0, 0]),
    ],
)
def test_rule_patterns(text: str, hits: list[int]) -> None:
    np.testing.assert_array_equal(rule_scores([text])[0], hits)


def test_rules_move_the_scores_by_rule_bias(fitted: AppealKindClassifier) -> None:
    texts = [
        "喝醋能防新冠，政府为什么不推广\n听说喝醋能防新冠病毒，政府为什么不推广？",
        "本人患尿毒症，生活困难\n恳请救助",
    ]
    off = clone(fitted).set_params(rule_bias=0.0, claim_bias=0.0).fit(TEXTS, KINDS).decision_function(texts)
    shift = fitted.decision_function(texts) - off
    classes = list(fitted.classes_)
    assert shift[0, classes.index("misconception")] == pytest.approx(fitted.claim_bias)
    assert shift[1, classes.index("help")] == pytest.approx(fitted.rule_bias)
    assert fitted.rule_bias > 0 and fitted.claim_bias > 0


def test_a_model_pickled_without_rule_bias_uses_the_default(fitted: AppealKindClassifier) -> None:
    restored = pickle.loads(pickle.dumps(fitted))  # noqa: S301 - our own bytes
    for name in ("rule_bias", "claim_bias"):  # as in a model file written before the rules existed
        del restored.__dict__[name]
        assert getattr(restored, name) == getattr(AppealKindClassifier, name)
    np.testing.assert_allclose(restored.decision_function(TEXTS), fitted.decision_function(TEXTS))


@pytest.mark.shared_data
def test_the_shipped_model_reads_a_health_rumour_as_a_misconception() -> None:
    # needs the model retrained after issue 12 (or any model: the rules apply to older files too)
    from minyi.nlp.pipeline import load_default_analyzer

    result = load_default_analyzer().analyze(
        "喝醋能防新冠，政府为什么不推广", "听说喝醋能防新冠病毒，政府为什么不推广？"
    )
    assert result["appeal_kind"] == "misconception"
