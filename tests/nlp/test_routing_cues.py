"""Routing words: a letter's salutation is not read, and the words written from categories of misses (issue 12)."""

from __future__ import annotations

import pytest

from minyi.nlp._routing_cues import family_cues


@pytest.mark.parametrize(
    "text",
    [
        "尊敬的易书记：\n学校乱收费",
        "胡书记您好 我是中交中央公园的业主",
        "请懿文书记关注一下A7县水渡坪社区棚户改造",
        "书记：您好！因写论文需要",
        "敬请的市委易书记您好：我是一名党员",
    ],
)
def test_a_salutation_is_no_cue(text: str) -> None:
    assert "纪委监委" not in family_cues(text)


def test_a_secretary_in_the_matter_is_still_a_cue() -> None:
    assert family_cues("羊古坳镇书记米柱成与村支书彭某私分扶贫款")["纪委监委"] == ["书记", "村支书"]
    assert "纪委监委" in family_cues("村里的书记把低保名额给了亲戚")


@pytest.mark.parametrize(
    ("text", "family", "word"),
    [
        ("卫校周边的按摩店容留妇女卖淫", "公安局", "卖淫"),  # vice is a police matter
        ("M10县看守所违法违规管理", "公安局", "看守所"),  # detention centres are run by public security
        ("城管执法支队任人唯亲", "纪委监委", "任人唯亲"),  # misconduct of officials
        ("局里裙带关系严重", "纪委监委", "裙带"),
        ("领导用公款吃喝", "纪委监委", "公款"),
        ("旺达沙场在水库上游大挖", "自然资源和规划局", "沙场"),  # mining
        ("老街卖的是病死猪肉还是注水肉", "市场监管局", "注水肉"),  # food safety
        ("卫生许可证要多久才能办下来", "市场监管局", "许可证"),  # business licences
        ("家属区棚户改造把路灯线路截断了", "住建局", "棚户"),  # shanty-town renovation
        ("13栋年久失修，落石伤人", "住建局", "年久失修"),
        ("工厂机器噪声太大", "生态环境局", "噪声"),  # industrial noise
        ("清理库区的挖机要挖掉我们的桔园", "水利局", "库区"),  # reservoirs and their resettlement
        ("想申请创业担保贷款", "人社局", "创业"),  # business start-up support
        ("个人可以申请开车票代卖点吗", "交通运输局", "车票"),  # road transport
    ],
)
def test_words_written_from_categories_of_misses(text: str, family: str, word: str) -> None:
    assert word in family_cues(text).get(family, [])


def test_a_detention_centre_is_ours_and_a_court_is_not() -> None:
    assert "其他" not in family_cues("看守所不让家属探视")
    assert "其他" in family_cues("区人民法院执行不力")
