"""Urgency, issue 12 second pass: the issue's examples, the char n-gram part of the learned layer, the blind set's
report (aggregate figures only) and `minyi classify` printing the reasons.

The learned detector here is trained in the test on the written sets of gold/ (never on the blind set), so these
tests do not depend on the shipped model; the ones at the end that do are marked "shipped model" and pass once
the model has been retrained with this code (`minyi train`).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from minyi.nlp import urgency
from minyi.nlp.urgency import UrgencyDetector
from minyi.nlp.urgency_report import blind_figures, load_written_set

# The issue's misses and false alarms, in our own words around the quoted phrases.
SELF_HARM = "工资讨不回来\n跑了一年没人管，我实在熬不下去了，不如一了百了。"
LIVE_WIRES = "公园路灯\n人民公园里的路灯被人打坏了，灯打坏，电线落出来了，小孩子天天在那边跑。"
SHACK = (
    "五保户的危房改造款\n我们村一个65岁的五保户，一个人还住在漏风漏雨的棚子里，"
    "上面拨给他的危房改造款被村干部拿走了，房子到现在也没修。"
)
VIRUS_RUMOUR = "网上的说法\n网上说喝醋能杀死病毒、预防新冠，是真的吗？政府为什么不推广？"
COMPARISON = "小区楼道\n我们小区的楼道脏得跟危房一样，墙皮掉了也没人刷，物业费照收，希望管一管。"


@pytest.fixture(scope="module")
def rules() -> UrgencyDetector:
    return UrgencyDetector().fit([])


@pytest.fixture(scope="module")
def learned(request: pytest.FixtureRequest) -> UrgencyDetector:
    """The learned detector trained on the written development sets (not on the blind set)."""
    gold = request.config.rootpath / "gold"
    texts: list[str] = []
    labels: list[int] = []
    harm: list[int] = []
    for name in urgency.WRITTEN_TRAINING_SETS:
        if (gold / name).is_file():
            t, y, categories = load_written_set(gold / name)
            texts += t
            labels += y
            harm += urgency.harm_labels(y, categories)
    return UrgencyDetector(learned=True).fit(texts, labels, harm=harm)


def test_the_blind_set_is_never_a_training_set() -> None:
    assert urgency.BLIND_SET not in urgency.WRITTEN_TRAINING_SETS
    assert urgency.BLIND_SET == "urgency_blind5.csv"


def test_despair_in_plain_words_is_self_harm_by_rules_alone(rules: UrgencyDetector) -> None:
    assert rules.predict([SELF_HARM]) == [True]
    reasons = rules.explain(SELF_HARM)
    assert reasons[0].startswith("自伤/轻生：") and any("一了百了" in r for r in reasons), reasons


@pytest.mark.parametrize("text", [VIRUS_RUMOUR, COMPARISON])
def test_issue_false_alarms_are_not_flagged_by_rules(rules: UrgencyDetector, text: str) -> None:
    assert rules.predict([text]) == [False], rules.explain(text)


def test_a_danger_word_in_a_comparison_is_hedged(rules: UrgencyDetector) -> None:
    assert any("假设或否定" in r for r in rules.explain(COMPARISON))
    assert rules.predict(["老房子\n后墙歪了，屋顶在掉土，是危房，老人还住在里面。"]) == [True]


@pytest.mark.parametrize("text", [SELF_HARM, LIVE_WIRES, SHACK])
def test_issue_misses_are_caught_by_the_learned_detector(learned: UrgencyDetector, text: str) -> None:
    assert learned.predict([text]) == [True]
    assert learned.explain(text)


@pytest.mark.parametrize("text", [VIRUS_RUMOUR, COMPARISON])
def test_issue_false_alarms_are_not_flagged_by_the_learned_detector(learned: UrgencyDetector, text: str) -> None:
    assert learned.predict([text]) == [False], learned.explain(text)


def test_ngram_part_is_a_lookup_and_pickles(learned: UrgencyDetector) -> None:
    assert learned.ngram_index_ is not None and learned.ngram_weights_.size == learned.ngram_index_.keys.size
    texts = [LIVE_WIRES, VIRUS_RUMOUR, "", "火" * 5000]
    scores, harm_scores = learned._ngram_scores(texts)
    assert scores.shape == harm_scores.shape == (4,) and scores[2] == harm_scores[2] == 0.0
    assert learned.harm_ngram_weights_.size == learned.ngram_index_.keys.size  # one index, one lookup for both
    clone = pickle.loads(pickle.dumps(learned))  # noqa: S301 - our own object
    assert np.allclose(clone.predict_proba(texts), learned.predict_proba(texts))
    assert clone.predict(texts) == learned.predict(texts)


def test_ngram_keys_mark_bigrams_and_skip_the_joins() -> None:
    docs, keys = urgency._ngram_keys(["ab", "c"], 200)
    assert sorted(zip(docs.tolist(), keys.tolist(), strict=True)) == sorted(
        [(0, ord("a")), (0, ord("b")), (1, ord("c")), (0, (1 << 42) | (ord("a") << 21) | ord("b"))]
    )


def test_a_model_from_before_the_ngrams_still_predicts(learned: UrgencyDetector) -> None:
    old = pickle.loads(pickle.dumps(learned))  # noqa: S301 - our own object
    del old.ngram_index_, old.ngram_weights_
    assert old.predict([SELF_HARM, VIRUS_RUMOUR])[0] is True
    assert old._ngram_scores([LIVE_WIRES])[0].tolist() == [0.0]
    del old.harm_coef_, old.harm_unigram_weights_, old.harm_ngram_weights_  # and from before the self-harm model
    assert old.harm_proba([SELF_HARM]).tolist() == [0.0]
    assert old.predict([SELF_HARM, VIRUS_RUMOUR])[0] is True


# Veiled farewells without any self-harm cue (written for this test, in none of the gold sets)
VEILED = [
    "房子的事\n房东您好，这个月房租我放在桌上了，钥匙在门口地垫下面。猫粮够它吃一个礼拜，麻烦您帮它找个好人家。",
    "麻烦转告\n麻烦社区转告我妈，存折在衣柜第二层，密码是她生日。我这边以后都不用她操心了。",
]


def test_the_self_harm_model_learns_from_the_self_harm_rows(learned: UrgencyDetector) -> None:
    assert learned.harm_coef_ is not None
    harm = learned.harm_proba([*VEILED, VIRUS_RUMOUR, LIVE_WIRES])
    assert harm[0] >= urgency.HARM_THRESHOLD and harm[1] >= urgency.HARM_THRESHOLD
    assert harm[2] < urgency.HARM_THRESHOLD and harm[3] < urgency.HARM_THRESHOLD  # other dangers are not self-harm
    assert learned.predict(VEILED) == [True, True]
    assert any(r.startswith("学习模型：轻生迹象") for r in learned.explain(VEILED[0]))


def test_without_self_harm_labels_there_is_no_self_harm_model() -> None:
    texts = [LIVE_WIRES, VIRUS_RUMOUR, SELF_HARM, "路灯坏了\n小区门口路灯坏了一周"]
    plain = UrgencyDetector(learned=True).fit(texts, [1, 0, 1, 0])
    assert plain.harm_coef_ is None and plain.harm_proba(texts).tolist() == [0.0] * 4
    unknown = UrgencyDetector(learned=True).fit(texts, [1, 0, 1, 0], harm=[-1, 0, -1, 0])  # one class known only
    assert unknown.harm_coef_ is None
    assert urgency.harm_labels([1, 0], ["self_harm", "negated"]) == [1, 0]
    assert urgency.harm_labels([1, 0]) == [-1, 0]  # an urgent message of unknown kind is left out


def test_blind_report_gives_aggregates_only(tmp_path: Path, rules: UrgencyDetector) -> None:
    assert blind_figures(tmp_path, rules) is None  # no file: nothing read, nothing printed
    (tmp_path / urgency.BLIND_SET).write_text(
        "id,label,category,title,body\n"
        "x1,danger,self_harm,撑不下去,药攒够了今晚睡过去不醒\n"
        "x2,danger,fire,冒烟,楼道里冒浓烟了人还在里面\n"
        "x3,near_miss,figurative,慢,网速慢得让人想死\n",
        encoding="utf-8",
    )
    f = blind_figures(tmp_path, rules)
    assert f is not None
    assert set(f) == {"n", "dangers", "near_misses", "recall", "near_miss_flagged", "precision", "self_harm_recall",
                      "recall_by_category"}  # fmt: skip
    assert set(f["recall_by_category"]) == {"self_harm", "fire"} and f["self_harm_recall"] == 1.0
    assert all(isinstance(v, (int, float, dict)) for v in f.values())


def test_report_runs_on_a_small_gold_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from minyi.nlp.urgency_report import main

    (tmp_path / "urgency_dev.csv").write_text(
        "id,label,category,title,body\n"
        + "".join(f"d{i},danger,fire,冒烟{i},楼道里冒浓烟了人还在里面{i}\n" for i in range(6))
        + "".join(f"n{i},near_miss,figurative,慢{i},网速慢得让人想死{i}\n" for i in range(6)),
        encoding="utf-8",
    )
    assert main(["--gold", str(tmp_path), "--data", str(tmp_path / "none"), "--no-cv", "--blind"]) == 0
    out = capsys.readouterr().out
    assert "dev [urgency_dev.csv]" in out and "blind set 5: gold/urgency_blind5.csv not found" in out


def test_classify_prints_urgent_reasons(tmp_path: Path) -> None:
    from minyi.cli import main

    infile = tmp_path / "in.csv"
    infile.write_text(
        "id,title,body\n1,小区燃气泄漏,3栋楼道里燃气泄漏，煤气味很浓，已经一个小时了没人来处理。\n"
        "2,咨询公积金,请问公积金异地转移需要多久？\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["classify", str(infile), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["urgent"] is True and rows[0]["urgent_reasons"], rows[0]
    assert any("燃气" in r or "煤气" in r for r in rows[0]["urgent_reasons"])
    assert rows[1]["urgent"] is False and rows[1]["urgent_reasons"] == []


# -- shipped model: these pass once default.pkl is retrained with this code (`minyi train`) ------------------
def test_shipped_model_has_the_ngram_layer() -> None:
    from minyi.nlp.pipeline import load_default_analyzer

    det = load_default_analyzer().urgency_
    assert getattr(det, "ngram_index_", None) is not None, "retrain the shipped model (minyi train)"


@pytest.mark.parametrize(("text", "urgent"), [(LIVE_WIRES, True), (SHACK, True), (SELF_HARM, True),
                                               (VIRUS_RUMOUR, False), (COMPARISON, False)])  # fmt: skip
def test_shipped_model_on_the_issue_examples(text: str, urgent: bool) -> None:
    from minyi.nlp.pipeline import load_default_analyzer

    result = load_default_analyzer().analyze(*text.split("\n", 1))
    assert result["urgent"] is urgent, result["urgent_reasons"]
    assert bool(result["urgent_reasons"]) is urgent


PLAIN_DANGERS = [
    "路上的铁板\n修路铺的铁板翘起来一个角，车一压就弹起来，刚才一辆摩托车直接飞出去了，晚上什么都看不见。",
    "楼顶的招牌\n街边楼顶的铁皮招牌一角已经垂下来了，风一吹哐哐响，底下就是公交站，等车的人很多。",
]


@pytest.mark.parametrize("text", PLAIN_DANGERS)
def test_a_flag_always_comes_with_a_reason(learned: UrgencyDetector, text: str) -> None:
    assert learned.predict([text]) == [True]
    reasons = learned.explain(text)
    assert reasons and all(isinstance(r, str) and r for r in reasons), reasons


def test_model_reason_names_word_pairs_only_when_the_model_flags(learned: UrgencyDetector) -> None:
    assert learned._model_reason("咨询\n请问公积金异地转移需要多久？") == []
    reason = learned._model_reason(PLAIN_DANGERS[0])
    assert reason and reason[0].startswith("学习模型：危险措辞"), reason


def test_fast_ngram_scores_equal_the_training_features(learned: UrgencyDetector) -> None:
    """The run-time gather + lookup gives the same score as the count matrix the model was trained on."""
    from minyi.nlp._hashing import KeyIndex

    texts = [LIVE_WIRES, SHACK, VIRUS_RUMOUR, "", "标题\n2019年12月３日，楼道里一股煤气味", "x" * 300, "只有标题"]
    scores = learned._ngram_scores(texts)
    for table, pairs, fast in (
        (learned.unigram_weights_, learned.ngram_weights_, scores[0]),
        (learned.harm_unigram_weights_, learned.harm_ngram_weights_, scores[1]),
    ):
        uni = np.flatnonzero(table)
        keys = np.concatenate([uni.astype(np.uint64), learned.ngram_index_.keys])
        weights = np.concatenate([table[uni], pairs])
        counts = urgency._ngram_matrix(texts, learned.ngram_chars, KeyIndex(keys))
        assert np.allclose(counts @ weights, fast)
