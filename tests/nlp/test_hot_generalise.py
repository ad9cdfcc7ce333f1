"""Hot issues that generalise: one concrete problem at one place or organisation, never a shared topic.

Small hand-written cases (invented names and wording) of the error types found when the grouping was
re-read on messages it was not tuned on (docs/evaluation/hot-issues-fresh.md).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from minyi.nlp._describe import neutral, problem_phrase, undoubled_words, where_label
from minyi.nlp._grouping import message_places, places_clash, regions_of, title_estates
from minyi.nlp._organisations import clashing_organisations, organisations_clash
from minyi.nlp.hot import IssueGrouper, rank_hot_issues


def _labels(pairs: list[tuple[str, str]], days: list[float] | None = None) -> np.ndarray:
    texts = [f"{t}\n{b}" for t, b in pairs]
    return IssueGrouper().fit(texts, times=days or [float(k) for k in range(len(texts))]).labels_


def test_regions_are_prefecture_letters_or_real_cities() -> None:
    assert regions_of([("district", "A7县"), ("city", "A市")]) == {"A"}
    assert regions_of([("city", "D12市")]) == {"D"}
    assert regions_of([("city", "长沙市"), ("district", "雨花区")]) == {"长沙市"}
    assert not regions_of([("street", "北山镇")])


ROAD_SURFACING = [
    ("A7县石门村请求道路硬化", "村里通往镇上的土路一下雨就泥泞不堪，村民出行困难，请求政府早日硬化道路。"),
    ("L4县塘坪村请求道路硬化", "村里通往镇上的土路一下雨就泥泞不堪，孩子上学困难，请求政府尽快硬化道路。"),
    ("K2区白沙坳请求道路硬化", "通往镇上的土路一到雨天就泥泞不堪，老人出行困难，请求政府早日硬化道路。"),
]


def test_one_topic_in_three_villages_of_three_counties_is_three_issues() -> None:
    labels = _labels(ROAD_SURFACING)
    assert len(set(labels.tolist())) == 3


MATERNITY_PAY = [
    ("K市产假和生育津贴怎么算", "请问女职工的产假有多少天，生育津贴按什么标准发放，由哪个部门办理？"),
    ("L市产假和生育津贴的标准", "请问女职工的产假有多少天，生育津贴按什么标准发放，去哪里申请？"),
]


def test_the_same_question_in_two_cities_is_two_issues() -> None:
    labels = _labels(MATERNITY_PAY)
    assert labels[0] != labels[1]


ONE_SCHOOL_THREE_PROBLEMS = [
    ("A3区青枫小学食堂饭菜又冷又少", "青枫小学食堂的饭菜经常是冷的，分量也少，孩子们中午吃不饱。"),
    ("A3区青枫小学并校后没有校车", "青枫小学并校以后孩子要走四公里去新校区，没有校车接送。"),
    ("A3区青枫小学提前入学要送红包", "想让孩子提前进青枫小学读书，要给招生老师送红包。"),
]


def test_three_problems_at_one_school_are_three_issues() -> None:
    labels = _labels(ONE_SCHOOL_THREE_PROBLEMS)
    assert len(set(labels.tolist())) == 3


SAME_PROBLEM_AT_ONE_ESTATE = [
    ("A5区翠湖名苑小区楼下烧烤店油烟扰民", "翠湖名苑小区一楼的烧烤店每天营业到凌晨，油烟直冲楼上住户窗户。"),
    ("翠湖名苑小区临街烧烤油烟太大", "翠湖名苑小区临街的烧烤店油烟很大，家里窗户都不敢开。"),
    ("A5区翠湖名苑烧烤店油烟扰民问题", "翠湖名苑楼下的烧烤店没有安装油烟净化设备，油烟扰民严重。"),
]


def test_one_problem_at_one_estate_is_still_one_issue() -> None:
    labels = _labels(SAME_PROBLEM_AT_ONE_ESTATE)
    assert len(set(labels.tolist())) == 1


UNPAID_WAGES = [
    ("K2区宏远建材公司拖欠员工工资", "公司已经拖欠我们员工三个月工资，多次讨要无果，请劳动监察部门帮忙。"),
    ("K2区星辰电子公司拖欠员工工资", "公司已经拖欠我们员工四个月工资，老板避而不见，请劳动监察部门帮忙。"),
]


def test_unpaid_wages_at_two_companies_are_two_issues() -> None:
    labels = _labels(UNPAID_WAGES)
    assert labels[0] != labels[1]


def test_companies_match_without_their_legal_form() -> None:
    a = clashing_organisations({"玖星能源科技股份有限公司"})
    b = clashing_organisations({"玖星能源科技公司"})
    c = clashing_organisations({"宏远建材公司"})
    assert not organisations_clash(a, b)
    assert organisations_clash(a, c)


def test_an_estate_written_at_the_start_of_a_title_is_a_place() -> None:
    assert title_estates("翠湖名苑小区临街门面油烟直排") == {"翠湖名苑"}
    assert title_estates("A3区梅溪路青枫园小区噪音") == {"青枫园"}
    assert not title_estates("我们小区噪音太大")
    assert not title_estates("老旧小区改造何时启动")
    assert "翠湖名苑" in message_places("翠湖名苑小区临街门面油烟直排\n楼下烧烤店。").primary_fine


def test_places_in_two_prefectures_clash() -> None:
    assert places_clash(message_places("K市生育津贴\n"), message_places("L市生育津贴\n"))
    assert not places_clash(message_places("A7县生育津贴\n"), message_places("A市生育津贴\n"))


GENERAL_QUESTIONS = [
    ("住房公积金贷款的额度怎么算", "请问住房公积金贷款的额度怎么计算，和缴存基数、缴存年限有关系吗？"),
    ("住房公积金贷款的期限问题", "请问住房公积金贷款最长能贷多少年，快退休了还能贷吗？"),
    ("二套房住房公积金贷款利率", "请问第二套房用住房公积金贷款，利率和首付比例有什么不同？"),
]


def test_general_questions_naming_no_place_stay_apart() -> None:
    background = ROAD_SURFACING + MATERNITY_PAY + SAME_PROBLEM_AT_ONE_ESTATE + UNPAID_WAGES
    labels = _labels(GENERAL_QUESTIONS + background)
    assert len(set(labels[:3].tolist())) == 3


def _place(text: str):
    return message_places(text + "\n")


def test_descriptions_name_a_place_only_when_most_members_share_it() -> None:
    titles = ["K市产假和生育津贴", "L市产假和生育津贴怎么算", "产假和生育津贴标准"]
    where, fine = where_label([_place(t) for t in titles], titles)
    assert where == "" and fine == ""
    titles = ["J11市宏远公司拖欠工资", "K2区星辰公司拖欠工资"]
    where, _ = where_label([_place(t) for t in titles], titles)
    assert "J11市K2区" not in where


def test_descriptions_hold_no_topic_in_the_place_slot_and_no_doubled_word() -> None:
    titles = ["A7县石门村请求道路硬化", "L4县塘坪村请求道路硬化", "K2区白沙坳请求道路硬化"]
    where, _ = where_label([_place(t) for t in titles], titles)
    assert "请求" not in where and "道路" not in where
    assert undoubled_words("住房公积金贷款贷款") == "住房公积金贷款"
    assert undoubled_words("谢谢") == "谢谢"


def test_descriptions_drop_a_clause_that_accuses() -> None:
    assert neutral("湖楚财富逾期未兑付，黑心平台坑害百姓") == "湖楚财富逾期未兑付"
    assert neutral("两大股东侵吞百姓血汗钱") == "两大股东侵吞百姓血汗钱"  # nothing plain is left
    titles = ["青枫小学某些领导败坏了学校风气", "青枫小学食堂饭菜质量差", "青枫小学食堂饭菜又冷又少"]
    places = [_place(t) for t in titles]
    assert "败坏" not in problem_phrase(titles, places)


def test_identical_texts_under_two_user_ids_are_one_voice() -> None:
    when = datetime(2020, 1, 1)
    records = [
        {"id": k, "title": "翠湖名苑小区烧烤店油烟扰民", "body": "楼下烧烤店油烟很大。", "user": f"u{k}", "time": when}
        for k in range(3)
    ]
    records.append({**records[0], "id": 3, "body": "楼下烧烤店油烟很大，窗户都不敢开。", "user": "u3"})
    (issue,) = rank_hot_issues(records, top=1)
    assert issue.messages == 4 and issue.people == 2
