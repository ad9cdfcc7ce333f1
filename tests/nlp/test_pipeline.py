"""MessageAnalyzer: contract, the agreed result keys, odd input, batching, missing or failing parts."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from minyi.nlp import pipeline
from minyi.nlp.domain import DomainClassifier
from minyi.nlp.pipeline import MessageAnalyzer, load_default_analyzer, loads_model

KEYS = {
    "domain",
    "domain_scores",
    "domain_confidence",
    "appeal_kind",
    "appeal_scores",
    "urgent",
    "urgent_reasons",
    "places",
    "departments",
    "clean_text",
    "repairs",
}
DOMAIN = [
    ("小区垃圾无人清理\n小区门口垃圾堆积，物业不管。", "城乡建设"),
    ("路灯不亮\n小区外面的路灯坏了。", "城乡建设"),
    ("违章建筑\n楼顶搭建违章建筑。", "城乡建设"),
    ("学校乱收费\n学校要求学生购买资料。", "教育文体"),
    ("教师工资拖欠\n乡村教师工资没有发放。", "教育文体"),
    ("学生负担重\n作业太多。", "教育文体"),
]
DEPTS = [
    ("学校乱收费\n学校收费", "教育局"),
    ("教师工资\n老师工资", "教育局"),
    ("招生\n学位", "教育局"),
    ("垃圾\n垃圾没人管", "城管局"),
    ("违建\n违章建筑", "城管局"),
    ("摆摊\n占道经营", "城管局"),
]


class Exploding:
    """A component that fails on every call (a bug elsewhere must not lose the analysis)."""

    classes_ = ("a", "b")

    def predict_proba(self, texts: list[str]) -> None:
        raise RuntimeError("boom")

    def predict(self, texts: list[str]) -> None:
        raise RuntimeError("boom")

    def transform(self, texts: list[str]) -> None:
        raise RuntimeError("boom")


def _analyzer(**params: object) -> MessageAnalyzer:
    texts = [t for t, _ in DOMAIN] + [t for t, _ in DEPTS]
    return MessageAnalyzer(domain=DomainClassifier(min_df=1), **params).fit(
        texts,
        domain_data=([t for t, _ in DOMAIN], [d for _, d in DOMAIN], [1.0] * len(DOMAIN)),
        department_data=([t for t, _ in DEPTS], [d for _, d in DEPTS]),
    )


@pytest.fixture(scope="module")
def analyzer() -> MessageAnalyzer:
    return _analyzer()


def test_contract(analyzer: MessageAnalyzer) -> None:
    fresh = MessageAnalyzer()
    assert set(vars(fresh)) == set(fresh.get_params())
    assert all(name.endswith("_") for name in set(vars(analyzer)) - set(analyzer.get_params()))
    state = pickle.dumps(analyzer)
    result = analyzer.analyze("学校收费太高", "学生负担太重了")
    assert pickle.dumps(analyzer) == state, "analyze() changed the fitted state"
    assert pickle.loads(state).analyze("学校收费太高", "学生负担太重了") == result  # noqa: S301 - our bytes


def test_result_has_the_agreed_keys(analyzer: MessageAnalyzer) -> None:
    result = analyzer.analyze("学校乱收费", "学校要求学生购买资料，请教育局管一管。")
    assert set(result) == KEYS
    assert result["domain"] == "教育文体" and abs(sum(result["domain_scores"].values()) - 1) < 1e-3
    assert result["departments"][0][0] == "教育局"  # alternatives below 0.3 of the best are not shown
    assert result["clean_text"].startswith("学校乱收费\n")
    json.dumps(result, ensure_ascii=False)  # serialisable as it is


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("", ""),
        (None, None),
        ("😀😀😀", "🎉🎉"),
        ("Road broken", "The road near my house is broken."),
        (bytes(range(256)).decode("latin-1"), "\x00\x01\x02\ufffd" * 100),
        ("标题", "路灯坏了。" * 200_000),
        (b"\xe5\xad\xa6\xe6\xa0\xa1", b"\xff\xfe"),
    ],
)
def test_odd_input_never_crashes(analyzer: MessageAnalyzer, title: object, body: object) -> None:
    result = analyzer.analyze(title, body)  # type: ignore[arg-type]
    assert set(result) == KEYS
    assert len(result["clean_text"]) <= analyzer.max_chars + 1001


def test_empty_message_gets_no_suggestions(analyzer: MessageAnalyzer) -> None:
    result = analyzer.analyze(" ", "\n\t")
    assert result["domain"] is None and result["departments"] == [] and result["clean_text"] == ""


def test_analyze_many_matches_analyze_across_batches() -> None:
    analyzer = _analyzer(batch_size=2)
    messages = [("学校乱收费", "学生负担"), ("", ""), ("违章建筑", "楼顶违建"), ("路灯", "不亮"), ("学校", "招生")]
    assert analyzer.analyze_many(messages) == [analyzer.analyze(t, b) for t, b in messages]
    assert analyzer.analyze_many([]) == []


def test_missing_and_failing_components_leave_their_keys_empty() -> None:
    bare = MessageAnalyzer().fit(["一些文本\n正文"])
    result = bare.analyze("学校", "收费")
    assert result["domain"] is None and result["appeal_kind"] is None and result["places"] == []
    broken = _analyzer(appeal=Exploding(), urgency=Exploding(), places=Exploding())
    result = broken.analyze("学校乱收费", "学生负担")
    assert result["domain"] == "教育文体" and result["appeal_kind"] is None and result["urgent"] is False


def test_other_components_are_used_when_present() -> None:
    appeal = pytest.importorskip("minyi.nlp.appeal")
    urgency = pytest.importorskip("minyi.nlp.urgency")
    places = pytest.importorskip("minyi.nlp.places")
    texts = ["建议增加公交线路\n希望开通公交", "投诉物业乱收费\n物业乱收费", "咨询社保政策\n请问如何办理社保"] * 2
    kinds = ["suggestion", "complaint", "inquiry"] * 2
    analyzer = _analyzer(
        appeal=appeal.AppealKindClassifier().fit(texts, kinds),
        urgency=urgency.UrgencyDetector().fit(texts),
        places=places.PlaceExtractor().fit(texts),
    )
    result = analyzer.analyze("A市A3区小区燃气泄漏", "小区燃气管道泄漏，随时可能爆炸，请立即处理！")
    assert result["appeal_kind"] in kinds and result["appeal_scores"]
    assert isinstance(result["urgent"], bool) and isinstance(result["urgent_reasons"], list)
    assert any(p["name"] == "A市" for p in result["places"])


def test_whitespace_cleanup_stands_in_for_a_failing_normalize(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "normalize", broken)
    assert pipeline.clean("  标题\n\t\t正文 \x00 ") == ("标题\n正文", [])
    assert pipeline.clean(" 标题\n 二 ", one_line=True) == ("标题 二", [])
    assert pipeline.clean("第一段。 \n\n\t 第二段\u3000\u3000结束")[0] == "第一段。\n第二段 结束"


def test_model_bytes_round_trip(analyzer: MessageAnalyzer) -> None:
    again = loads_model(pipeline.dumps_model(analyzer))
    assert again.analyze("学校", "收费") == analyzer.analyze("学校", "收费")
    with pytest.raises(TypeError):
        loads_model(pickle.dumps({"not": "a model"}))


@pytest.mark.shared_data
def test_shipped_model_on_the_shared_messages(shared_data_dir: Path) -> None:
    path = Path(pipeline.__file__).parent / "models" / "default.pkl"
    assert path.stat().st_size < 8_000_000
    analyzer = load_default_analyzer()
    assert load_default_analyzer() is analyzer  # cached
    with open(shared_data_dir / "teddycup2020" / "messages_labeled.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle][:200]
    results = analyzer.analyze_many([(r["title"], r["body"]) for r in rows])
    hits = sum(res["domain"] == r["category"] for res, r in zip(results, rows, strict=True))
    assert hits / len(rows) >= 0.9  # messages it was trained on
    assert all(set(res) == KEYS and 1 <= len(res["departments"]) <= 5 for res in results)
    # every component of the shipped model still works with today's code (else: retrain with `minyi train`)
    assert all(res["appeal_kind"] for res in results), "appeal-kind model no longer runs: retrain"
    assert analyzer.urgency_ is not None and analyzer.places_ is not None
    assert sum(bool(res["places"]) for res in results) > 100
    provenance = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert provenance["model_sha256"] and provenance["inputs"]


def test_fit_on_nothing_still_analyses() -> None:
    analyzer = MessageAnalyzer().fit([])
    assert analyzer.analyze("学校", "收费")["domain"] is None
    assert analyzer.analyze_many([]) == []


def test_loading_the_shipped_model_takes_it_out_of_the_collectors_scans() -> None:
    import gc

    from minyi.nlp.pipeline import load_default_analyzer

    load_default_analyzer.cache_clear()
    gc.unfreeze()
    try:
        analyzer = load_default_analyzer()
        assert gc.get_freeze_count() > 0
        assert analyzer.analyze("路灯坏了", "小区门口的路灯坏了一个月")["clean_text"]
    finally:
        gc.unfreeze()


def test_model_files_written_before_a_class_moved_still_load() -> None:
    import io

    import numpy as np

    from minyi.nlp._hashing import KeyIndex

    keys = np.array([5, 1, 9], dtype=np.uint64)
    data = pickle.dumps(KeyIndex(keys), protocol=2)  # protocol 2 names a class as "c<module>\n<name>\n"
    old = data.replace(b"cminyi.nlp._hashing\nKeyIndex\n", b"cminyi.nlp.appeal\nHashIndex\n")
    assert old != data
    index = pipeline._ModelUnpickler(io.BytesIO(old)).load()
    assert isinstance(index, KeyIndex)
    assert index.lookup(np.array([9, 2, 5], dtype=np.uint64)).tolist() == [2, -1, 0]
    for (module, _name), cls in pipeline._MOVED.items():
        assert cls.__module__ != module  # the old place no longer holds it


def test_analyze_many_pauses_the_cyclic_collector_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    analyzer = load_default_analyzer()
    seen: list[bool] = []
    batch = analyzer._batch
    monkeypatch.setattr(analyzer, "_batch", lambda pairs: seen.append(gc.isenabled()) or batch(pairs))
    assert gc.isenabled()
    try:
        first = analyzer.analyze_many([("小区停水三天", "请尽快恢复供水。")] * 3)
        assert gc.isenabled() and seen == [False]
        gc.disable()  # a caller that paused the collector itself keeps it paused
        assert analyzer.analyze_many([("小区停水三天", "请尽快恢复供水。")] * 3) == first
        assert not gc.isenabled()
        gc.enable()
        monkeypatch.setattr(analyzer, "_batch", lambda pairs: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            analyzer.analyze_many([("标题", "正文")])
        assert gc.isenabled()  # resumed after a failure too
    finally:
        gc.enable()
