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
    assert "燃气泄漏" in reasons[0]


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
    ["", "\n", "😀😀😀🔥", "only English text about a fire hazard", "火" * 1_000_000, "危" * 10 + "\x00\ud800"],
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


# -- issue 12: plain-word dangers, context, the learned layer (fixed examples written for these tests) --------
SELF_HARM = [
    "撑不住了\n欠的钱还不上，药我已经攒了一瓶，今晚睡过去就好了。",
    "求助\n我弟弟把东西全送人了，还发了再见了这个世界，电话打不通。",
    "讨薪\n工地的老王爬上塔吊顶上，说不给钱就往下跳。",
    "熬不下去了\n低保被取消，看病的钱也没有，不如一了百了。",
]
NEAR_MISS = [
    "声明\n我不会想不开，只是想问公积金为什么三年没缴。",
    "表扬\n几年前我想过轻生，幸亏社区开导，现在工作稳定了，谢谢。",
    "网速慢\n宽带慢得让人想死，请通信管理部门督促整改。",
    "辟谣\n网上传我们小区有人跳楼，是谣言，请有关部门核实。",
]


@pytest.mark.parametrize("text", SELF_HARM)
def test_indirect_self_harm_is_caught_by_rules_alone(detector: UrgencyDetector, text: str) -> None:
    assert detector.predict([text]) == [True]
    assert detector.explain(text)[0].startswith("自伤/轻生："), detector.explain(text)


@pytest.mark.parametrize("text", NEAR_MISS)
def test_negated_past_figurative_and_rumoured_self_harm_is_not(text: str) -> None:
    from minyi.nlp._urgency_cues import self_harm

    assert self_harm(text) == [], text


def test_cue_context() -> None:
    from minyi.nlp._urgency_cues import scan

    found = scan("楼道里没有燃气味，房子像危房一样，一旦着火就麻烦，现在冒烟了")
    contexts = {c.text: c.context for c in found}
    assert {c.context for c in found if c.text.endswith("燃气味")} == {"negated"}  # "燃气味" or "有燃气味"
    assert contexts["危房"] == "comparison"
    assert contexts["着火"] == "hypothetical"
    assert contexts["冒烟"] == ""


def _learned() -> UrgencyDetector:
    danger = [
        "公园路灯打坏，电线落出来，小孩在旁边跑。",
        "楼道一股很浓的煤气味，越来越重，老人在家。",
        "隔壁房子墙裂了大口子，还在掉土，一家人还住在里面。",
        "河水漫进屋，齐腰深，老人困在屋里。",
        "食堂吃完饭好多学生上吐下泻，还在营业。",
        "村口电线耷拉下来离地一米，孩子放学要过。",
    ]
    near = [
        "建议在公园加装路灯，晚上太黑了。",
        "上个月的燃气味已经修好了，谢谢师傅。",
        "房价高得要命，希望出台限价政策。",
        "网传明天要发洪水，请问是真的吗？",
        "去年食堂出过腹泻，已经换了承包商，想问合同。",
        "物业费涨得像坐火箭，请查一查。",
    ]
    return UrgencyDetector(learned=True).fit(danger + near, [1] * len(danger) + [0] * len(near))


def test_learned_layer_is_a_dot_product_and_pickles() -> None:
    det = _learned()
    texts = ["小区配电箱敞着，线头裸露，孩子摸了被电了一下。", "建议开展安全用电宣传。"]
    proba = det.predict_proba(texts)
    assert proba.shape == (2,) and proba[0] > proba[1]
    clone = pickle.loads(pickle.dumps(det))  # noqa: S301 - our own object
    assert clone.predict(texts) == det.predict(texts)
    assert det.coef_.shape == (det.n_features_,)


def test_self_harm_is_rule_first_even_with_a_learned_layer() -> None:
    det = _learned().set_params(model_threshold=1.1, rule_threshold=99.0)  # the model can flag nothing
    assert det.predict(SELF_HARM) == [True] * len(SELF_HARM)


@pytest.mark.parametrize("path", ["urgency_dev.csv"])
def test_dev_set_figures_by_cross_validation(request, path: str) -> None:
    """The development set (written for tuning) by 5-fold CV of the learned layer — not the blind set."""
    from minyi.nlp.urgency import cross_validate_dev, load_dev_set
    from minyi.nlp.urgency_report import figures

    gold = request.config.rootpath / "gold"
    texts, labels, cats = load_dev_set(gold)
    f = figures(labels, cross_validate_dev(texts, labels, cats), cats)
    assert f["self_harm_recall"] == 1.0
    assert f["recall"] >= 0.95
    assert f["near_miss_flagged"] <= 0.20
    assert f["precision"] >= 0.85


def test_a_self_harm_cue_told_of_elsewhere_is_reported_not_plain() -> None:
    from minyi.nlp import _urgency_cues as cues

    news = "看到新闻说外地一个初中生因为作业太多跳楼了，心里很难受。学校能不能重视心理健康？"
    assert cues.self_harm(news) == []
    assert [c.context for c in cues.scan(news) if c.kind == "harm"] == ["reported"]
    # the writer's own clause keeps the cue plain, news or not
    assert cues.self_harm("看到新闻说有人跳楼，我也想从楼上跳下去") != []


def test_a_crisis_told_as_over_is_not_urgent_but_a_call_for_rescue_is() -> None:
    from minyi.nlp import _urgency_cues as cues

    over = "上个月我弟在大桥上想不开，民警劝了两个钟头把他劝下来的，现在他在接受心理治疗，特地来感谢。"
    assert cues.self_harm(over) == []
    assert cues.self_harm("他站在楼顶要跳，快来人把他劝下来") != []
    # thanks alone do not make a farewell past
    assert cues.self_harm("谢谢这些年帮过我的人。我先走了，别找我。") != []


def test_a_window_and_a_child_count_in_one_clause_only() -> None:
    from minyi.nlp import _urgency_cues as cues

    noise = "工地夜里十二点还在打桩，噪音震得窗户响，孩子第二天还要上学"
    assert not [c for c in cues.scan(noise) if c.kind == "children"]
    assert [c for c in cues.scan("三岁孩子一个人趴在窗台上") if c.kind == "children"]


@pytest.mark.parametrize(
    ("text", "harm"),
    [
        ("药一整瓶都吞了，现在有点困，想睡了", True),
        ("车开到江边，她给好几个人发语音说谢谢你、再见", True),
        ("已经把狗交给邻居了，谢谢这几年的照顾", True),
        ("我把哥哥的电话设成紧急联系人，你们到时候打给他", True),
        ("医生说一整瓶药吃完了再来复查", False),
        ("出差把猫托给邻居照顾几天，物业能不能帮忙看看门", False),
        ("填表时紧急联系人写谁，到时候会打电话核实吗", False),
        ("在桥头等了半小时公交，司机连声再见都不说", False),
    ],
)
def test_veiled_acts_and_farewells_against_everyday_sentences(text: str, harm: bool) -> None:
    from minyi.nlp._urgency_cues import self_harm

    assert bool(self_harm(text)) is harm, (text, self_harm(text))
