"""UrgencyDetector: fixed examples, the estimator contract, bad input and the shared-data floors."""

from __future__ import annotations

import pickle

import pytest

from minyi.nlp.urgency import UrgencyDetector, evaluate

URGENT = [
    "A1区定王台危房存在安全隐患\n屋顶边缘木头己塌，随时可能会掉落砸伤人，巷子行人较多。",
    "小区燃气泄漏\n3栋楼道里有很浓的煤气味，燃气泄漏已经一个小时了，没人来处理。",
    "开发商跑路\n我们已经走投无路，再不解决，有业主说要跳楼。",
    "业主维权\n现在业主们与开发商的矛盾日益尖锐，极有可能酿成大的群体性事件。",
    "沙场挖防洪堤\n采沙船在夜晚疯狂采挖防洪堤，河堤有垮塌危险。",
    "村民被打\n施工方纠集社会闲散人员几次殴打村民，扬言砍死几个没事。",
    "邻居报复\n她被打成耳膜穿孔，只能拿把刀去他家寻死。",
]
NOT_URGENT = [
    "投诉物业乱收停车费\n车辆乱停堵塞消防通道，物业只收费不管理。",
    "噪音扰民\n楼下烧烤店每天凌晨很吵，希望有关部门管一管。",
    "房屋跳楼价\n开发商跳楼价甩卖，老业主要求补差价。",
    "违建塌方式发展\n小区违建现象已成塌方式地发展，请城管执法。",
    "咨询公积金\n请问公积金异地转移需要多久？",
    "咨询\n目前没有倒塌危险，只想问问危房改造补助政策。",
    "办事难\n找了相关人员三次，都说不归他们管。",
]


@pytest.fixture(scope="module")
def detector() -> UrgencyDetector:
    return UrgencyDetector().fit([])


@pytest.mark.parametrize("text", URGENT)
def test_urgent_examples_are_flagged(detector: UrgencyDetector, text: str) -> None:
    assert detector.predict([text]) == [True]
    assert detector.explain(text), "an urgent message must come with reasons"


@pytest.mark.parametrize("text", NOT_URGENT)
def test_non_acute_mentions_are_not_flagged(detector: UrgencyDetector, text: str) -> None:
    assert detector.predict([text]) == [False], detector.explain(text)


def test_explain_names_the_phrases(detector: UrgencyDetector) -> None:
    reasons = detector.explain("小区燃气泄漏\n楼道里燃气泄漏，很危险。")
    assert reasons[0] == "燃气泄漏"


def test_hypothetical_mentions_are_marked(detector: UrgencyDetector) -> None:
    text = "建议\n一旦发生火灾，后果不堪设想。"
    assert detector.predict([text]) == [False]
    assert any("假设" in r for r in detector.explain(text))


def test_fit_returns_self_and_keeps_params() -> None:
    det = UrgencyDetector(threshold=0.9)
    assert det.fit(["a"], [0]) is det
    assert det.get_params()["threshold"] == 0.9


def test_learned_part_trains_and_pickles() -> None:
    texts = URGENT + NOT_URGENT
    labels = [1] * len(URGENT) + [0] * len(NOT_URGENT)
    det = UrgencyDetector(learned=True).fit(texts, labels)
    assert det.model_ is not None
    before = det.predict(texts)
    clone = pickle.loads(pickle.dumps(det))  # noqa: S301 - our own object
    assert clone.predict(texts) == before
    assert det.predict(texts) == before, "predict must not change the fitted state"


@pytest.mark.parametrize(
    "text",
    ["", "\n", "😀😀😀🔥", "only English text about a fire hazard", "火" * 1_000_000,
     "危" * 10 + "\x00\ud800"],
)
def test_bad_input_does_not_crash(detector: UrgencyDetector, text: str) -> None:
    assert len(detector.predict([text])) == 1
    assert isinstance(detector.explain(text), list)


def test_none_and_empty_list(detector: UrgencyDetector) -> None:
    assert detector.predict([]) == []
    assert detector.predict([None]) == [False]  # type: ignore[list-item]


@pytest.mark.shared_data
def test_recall_and_precision_on_hand_labels(shared_data_dir, request) -> None:
    gold_dir = request.config.rootpath / "gold"
    result = evaluate(shared_data_dir, gold_dir)
    assert result["n"] >= 400
    assert result["recall"] >= 0.85  # measured 0.918
    assert result["precision"] >= 0.45  # measured 0.508


def test_a_smell_of_gas_is_urgent() -> None:
    detector = UrgencyDetector().fit([])
    text = "燃气管道有异味疑似泄漏\n滨江小区5栋一楼楼道里这两天一直有很重的燃气味，担心发生危险，请尽快处理！"
    assert detector.predict([text]) == [True]
    assert any("燃气味" in reason for reason in detector.explain(text))
