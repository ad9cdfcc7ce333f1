"""Whole hot issues: loose name matching, organisation clashes, problem kinds, the second merge pass and
neutral descriptions (fixed tiny examples; the figures on the shared data are in docs/hot-issues.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
from scipy.sparse import csr_matrix

from minyi.nlp._aliases import TypoScanner, canonical_names, one_edit_apart, resolve_aliases
from minyi.nlp._concepts import kinds_disagree, kinds_matrix
from minyi.nlp._describe import central_order, where_label
from minyi.nlp._grouping import MessagePlaces
from minyi.nlp._merge import merge_groups
from minyi.nlp._organisations import organisations, organisations_clash
from minyi.nlp.hot import IssueGrouper


def _places(fine: set[str] = frozenset(), orgs: set[str] = frozenset()) -> MessagePlaces:
    fine = frozenset(fine)
    return MessagePlaces(fine, fine, fine, frozenset(), frozenset({"A市"}), tuple(sorted(fine | orgs)), frozenset(orgs))


def test_one_edit_apart_but_not_on_meaningful_characters() -> None:
    assert one_edit_apart("58车货", "58车贷")
    assert one_edit_apart("魅力城", "魅力之城")
    assert one_edit_apart("地绿海外滩", "绿地海外滩")  # neighbours swapped
    assert not one_edit_apart("东六路", "东八路")  # numerals tell places apart
    assert not one_edit_apart("金星北路", "金星南路")  # so do directions
    assert not one_edit_apart("凉塘路", "凉塘街")  # and kinds of place
    assert not one_edit_apart("车贷", "车货")  # too short


def test_rarer_alias_maps_to_the_commoner_name() -> None:
    mapping = canonical_names(Counter({"58车贷": 12, "58车货": 1, "绿地海外滩": 8, "地绿海外滩": 1, "丽发新城": 9}))
    assert mapping == {"58车货": "58车贷", "地绿海外滩": "绿地海外滩"}


def test_typo_scanner_finds_a_misspelt_known_name() -> None:
    scanner = TypoScanner(["58车贷", "涉外经济学院"])
    assert scanner.find("请问A4区公安派出所对58车货一案办案的进度如何了") == {"58车贷"}
    assert scanner.find("A市58车贷恶性退出") == set()  # written right: the extractor has it
    assert scanner.find("路灯坏了") == set()


def test_resolve_aliases_adds_the_misspelt_organisation() -> None:
    places = [_places(orgs={"58车贷"}), _places(orgs={"58车贷"}), _places()]
    titles = ["A市58车贷恶性退出", "58车贷立案半年无进展", "A4区58车货一案的进度如何"]
    assert resolve_aliases(places, titles)[2].organisations == {"58车贷"}


def test_organisations_of_a_title() -> None:
    assert organisations("A8县市楚都职业技术学校组织未成年学生外出打工合理吗？") == {"楚都职业技术学校"}
    assert organisations("A市商贸旅游职业技术学院强制学生实习") == {"商贸旅游职业技术学院"}
    assert organisations("希望有一所普惠性幼儿园") == set()  # a kind of school, not a school
    assert organisations("孩子不能上小区配套小学") == set()
    assert organisations("A市中医院看病难") == set()  # a generic word that eats the ending never crashes


def test_two_schools_clash_and_a_shorter_name_matches_a_longer_one() -> None:
    assert organisations_clash(frozenset({"涉外经济学院"}), frozenset({"商贸旅游职业技术学院"}))
    assert not organisations_clash(frozenset({"经济学院"}), frozenset({"涉外经济学院"}))
    assert organisations_clash(frozenset({"涉外经济学院", "经济学院"}), frozenset({"财政经济学院"}))
    assert not organisations_clash(frozenset(), frozenset({"涉外经济学院"}))


def test_problem_kinds() -> None:
    kinds = kinds_matrix(
        [
            "泉星物流园7栋后街井盖裂开了",
            "泉星物流园超市后街摆放游戏赌博机",
            "魅力之城一楼夜宵摊油烟",
            "魅力之城底层商铺营业到凌晨噪音",
        ]
    )
    assert kinds_disagree(kinds[[0]], kinds[[1]])[0]
    assert not kinds_disagree(kinds[[2]], kinds[[3]])[0]  # both about ground-floor shops


GAMBLING_AND_MANHOLE = [
    (
        "A7县泉塘泉星物流园a区7栋后街墙角井盖裂开了",
        "A7县泉塘街道泉星物流园a区7栋后街墙角的井盖裂开了，行人容易踩空，请尽快更换。",
    ),
    (
        "A7县泉塘泉星物流园a区7栋锦和超市后街公然摆放游戏赌博机",
        "A7县泉塘泉星物流园a区7栋锦和超市后街公然摆放游戏赌博机，很多人围着赌博，请派出所查处。",
    ),
]


def test_a_shared_address_alone_does_not_make_one_issue() -> None:
    texts = [f"{t}\n{b}" for t, b in GAMBLING_AND_MANHOLE]
    labels = IssueGrouper().fit(texts, times=[0.0, 5.0]).labels_
    assert labels[0] != labels[1]


INTERNSHIPS = [
    ("A市涉外经济学院强制学生实习", "学校强制安排学生去外地工厂实习，不去就不给毕业证，请教育厅调查。"),
    ("A市商贸旅游职业技术学院强制学生实习", "学校强制安排学生去外地工厂实习，不去就不给毕业证，请教育厅调查。"),
]


def test_the_same_problem_at_two_colleges_is_two_issues() -> None:
    texts = [f"{t}\n{b}" for t, b in INTERNSHIPS]
    labels = IssueGrouper().fit(texts, times=[0.0, 1.0]).labels_
    assert labels[0] != labels[1]


def test_merge_pass_joins_groups_sharing_an_estate_with_close_problems() -> None:
    problem = csr_matrix(
        np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.0, 0.6, 0.8], [0.0, 0.0, 1.0]], dtype=np.float32)
    )
    places = [_places({"魅力之城"}), _places({"万科魅力之城"}), _places({"魅力之城"}), _places({"丽发新城"})]
    titles = ["魅力之城一楼夜宵摊油烟", "万科魅力之城底层餐馆油烟", "魅力之城商铺噪音", "丽发新城商铺噪音"]
    kinds = kinds_matrix(titles)
    days = np.array([0.0, 3.0, 6.0, 9.0])
    labels = merge_groups(
        np.array([0, 1, 2, 3]),
        problem,
        places,
        titles,
        kinds,
        days,
        days,
        threshold=0.5,
        weak_threshold=0.9,
        max_days=365,
    )
    assert labels[0] == labels[1]  # shared estate (by its end), close problems
    assert labels[2] != labels[0]  # the merged group has drifted away from it
    assert labels[3] not in {labels[0], labels[2]}  # another estate
    far = merge_groups(
        np.array([0, 1, 2, 3]),
        problem,
        places,
        titles,
        kinds,
        days * 100,
        days * 100,
        threshold=0.5,
        weak_threshold=0.9,
        max_days=30,
    )
    assert far[0] != far[1]  # periods too far apart


def test_descriptions_prefer_neutral_words_and_never_double_a_place() -> None:
    titles = [
        "A市湖楚财富及两大国资委股东侵吞百姓血汗钱",
        "举报湖楚财富及两大国资委侵吞百姓血汗钱",
        "湖楚财富逾期未兑付",
        "湖楚财富还未兑付出借人的钱",
    ]
    assert "侵吞" not in titles[central_order(titles)[0]]
    places = [replace(_places({"A7县凉塘路"}), cities=frozenset({"A7县"})) for _ in range(3)]
    where, _fine = where_label(places, ["A7县凉塘路改造"] * 3)
    assert "A7县A7县" not in where
