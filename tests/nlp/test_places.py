"""PlaceExtractor: fixed examples, the estimator contract, bad input and the shared-data floors."""

from __future__ import annotations

import pickle

import pytest

from minyi.nlp.places import LEVELS, PlaceExtractor, evaluate, extract_places


def places(text: str) -> set[tuple[str, str]]:
    return {(p["level"], p["name"]) for p in extract_places(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "我住在西地省A市A2区桂花坪街道景蓉华苑",
            {
                ("province", "西地省"),
                ("city", "A市"),
                ("district", "A2区"),
                ("street", "桂花坪街道"),
                ("estate", "景蓉华苑"),
            },
        ),
        ("K8县春华镇金鼎村四组的水泥路", {("district", "K8县"), ("street", "春华镇"), ("community", "金鼎村")}),
        ("B9市李畋镇大草坪村", {("city", "B9市"), ("street", "李畋镇"), ("community", "大草坪村")}),
        ("M6州的朋友", {("city", "M6州")}),
        ("位于书院路主干道", {("road", "书院路")}),
        ("投诉A市A1区杜鹃文苑小区物业", {("city", "A市"), ("district", "A1区"), ("estate", "杜鹃文苑")}),
        ("青山新村社区的居民", {("community", "青山新村社区")}),
        ("A8县市楚沩中路125号", {("district", "A8县"), ("road", "楚沩中路")}),
        ("A3区大道西行便道", {("road", "A3区大道")}),
        ("广东省深圳市南山区的公司", {("province", "广东省"), ("city", "深圳市"), ("district", "南山区")}),
        ("万科城二期的业主", {("estate", "万科城")}),
    ],
)
def test_places_are_found(text: str, expected: set[tuple[str, str]]) -> None:
    assert places(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "农村的马路上停满了车，乡镇干部不管。",  # generic 农村, 马路, 乡镇
        "老旧小区改造，住宅小区的物业",  # generic estates
        "沿海城市的市场很大",  # 海城市 inside 沿海城市, 市场
        "小区B区的车库",  # a block of an estate, not a district
        "在这条路上走了很久，这是我们的出路",
        "公园和幼儿园都很好",  # weak estate suffix without estate context
    ],
)
def test_generic_words_are_not_places(text: str) -> None:
    assert places(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "我们村几十年了还是泥巴路，下雨天没法走",  # material before 路
        "门口的砂石路和水泥路都坏了",
        "我们的维权之路太难了，这是必经之路",  # figurative 之路
        "国家是否有政策村村通公路",  # 村村通, not a village
        "整条路都是坑，两条路都堵，上述路段",  # counted or determined roads
        "行车走路都不方便，部门上路检查，老套路",  # 路 glued into an ordinary word
        "今天路上很堵，全村的人都知道",  # time word, 全村
    ],
)
def test_ordinary_phrases_are_not_roads_or_villages(text: str) -> None:
    assert {p for p in places(text) if p[0] in ("road", "community")} == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("小区旁边龙江路经常有大车。旁边龙江路很吵", {("road", "龙江路")}),  # position word dropped
        ("B9市都汇城C3栋漏水", {("city", "B9市"), ("estate", "都汇城")}),  # 都 after a city begins a name
        ("我在深圳打工，在广州买房", {("city", "深圳"), ("city", "广州")}),  # short city names
        (
            "西地省I3县大通湖区千山红镇",
            {("province", "西地省"), ("district", "I3县"), ("district", "大通湖区"), ("street", "千山红镇")},
        ),
        (
            "中山路和八一路、东六路口，劳动路口",
            {("road", "中山路"), ("road", "八一路"), ("road", "东六路"), ("road", "劳动路")},
        ),
        ("金鼎村村委会和茶园村", {("community", "金鼎村"), ("community", "茶园村")}),
    ],
)
def test_names_that_look_ordinary_are_kept(text: str, expected: set[tuple[str, str]]) -> None:
    assert places(text) == expected


def test_order_and_no_repeats() -> None:
    found = extract_places("A市的事，A市A5区的事，A5区")
    assert found == [{"level": "city", "name": "A市"}, {"level": "district", "name": "A5区"}]


def test_levels_parameter_filters() -> None:
    extractor = PlaceExtractor(levels=("city",)).fit([])
    assert extractor.extract("A市A2区") == [{"level": "city", "name": "A市"}]
    with pytest.raises(ValueError, match="unknown place levels"):
        PlaceExtractor(levels=("planet",)).fit([])


def test_contract_fit_returns_self_transform_and_pickle() -> None:
    extractor = PlaceExtractor()
    assert extractor.fit(["A市"]) is extractor
    texts = ["A市A2区", "西地省"]
    before = extractor.transform(texts)
    clone = pickle.loads(pickle.dumps(extractor))  # noqa: S301 - our own object
    assert clone.transform(texts) == before
    assert extractor.transform(texts) == before
    assert set(LEVELS) == set(extractor.get_params()["levels"])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "😀😀😀🏠",
        "Only English: 12 Baker Street, London",
        "路" * 1_000_000,
        "A市" * 300_000,
        "\x00\ud800村",
        None,
        12,
    ],
)
def test_bad_input_does_not_crash(text: object) -> None:
    result = PlaceExtractor().fit([]).extract(text)  # type: ignore[arg-type]
    assert isinstance(result, list)
    assert all(p["level"] in LEVELS for p in result)


@pytest.mark.shared_data
def test_precision_and_recall_on_hand_labels(shared_data_dir, request) -> None:
    result = evaluate(shared_data_dir, request.config.rootpath / "gold")
    assert result["n"] >= 170
    assert result["strict"]["precision"] >= 0.91  # measured 0.940
    assert result["strict"]["recall"] >= 0.89  # measured 0.918
    assert result["lenient"]["recall"] >= result["strict"]["recall"]
    for level in ("province", "city", "district"):
        assert result["per_level"][level]["recall"] >= 0.95, level
