"""Same-issue grouping, the hot-issue index and the similar-case index: fixed examples, contracts, bad input,
and floors measured on the shared data (gold/hot_pairs.csv holds 315 hand-labelled pairs)."""

from __future__ import annotations

import json
import pickle
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from minyi.nlp._describe import explanation, span_words
from minyi.nlp._textvec import HashedTfidf
from minyi.nlp.hot import HotIndex, HotIssue, IssueGrouper, SimilarIndex, evaluate, rank_hot_issues, similar

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2019, 11, 1, 9)
SAME_PROBLEM = [  # one problem, one estate, four people, four wordings
    (
        "丽景花园小区附近搅拌站噪音扰民",
        "A市A2区丽景花园小区旁边新建了一个混凝土搅拌站，每天晚上搅拌机和运输车噪音很大，"
        "灰尘满天飞，居民无法休息，请有关部门尽快处理。",
    ),
    (
        "投诉丽景花园旁搅拌站夜间作业",
        "我是丽景花园小区的业主，小区附近的搅拌站半夜还在作业，噪音和粉尘严重影响我们的生活，希望环保部门查处。",
    ),
    (
        "A2区丽景花园小区搅拌站粉尘污染严重",
        "丽景花园小区边上的搅拌站粉尘太大，晚上噪音也很大，老人小孩都受不了，请求搬迁搅拌站。",
    ),
    ("丽景花园业主反对小区旁建搅拌站", "A2区丽景花园小区一百米内建了搅拌站，噪音扰民，粉尘污染，业主们强烈要求搬走。"),
]
OTHER_PLACE = (
    "A5区金桂苑小区附近搅拌站噪音扰民",
    "A市A5区金桂苑小区旁边新建了一个混凝土搅拌站，每天晚上搅拌机和"
    "运输车噪音很大，灰尘满天飞，居民无法休息，请有关部门尽快处理。",
)
UNRELATED = [
    ("A7县星沙镇开元路路灯不亮", "开元路东段的路灯已经坏了一个多月，晚上行人和车辆通行很不安全。"),
    ("咨询住房公积金贷款政策", "请问在A市买第二套房，公积金贷款的首付比例和额度是多少？"),
    ("A3区某小学门口交通拥堵", "每天早上上学时间学校门口车辆乱停，交通十分拥堵，希望交警加强疏导。"),
]
MESSAGES = [*SAME_PROBLEM, OTHER_PLACE, *UNRELATED]


def _texts() -> list[str]:
    return [f"{title}\n{body}" for title, body in MESSAGES]


def _records(**overrides: object) -> list[dict]:
    records = [
        {
            "id": 100 + k,
            "title": title,
            "body": body,
            "user": f"u{k}",
            "time": T0 + timedelta(days=3 * k),
            "supports": k,
        }
        for k, (title, body) in enumerate(MESSAGES)
    ]
    for record in records:
        record.update(overrides)
    return records


@pytest.fixture(scope="module")
def labels() -> np.ndarray:
    return IssueGrouper().fit(_texts(), times=[2.0 * k for k in range(len(MESSAGES))]).labels_


def test_same_problem_in_different_words_is_one_issue(labels: np.ndarray) -> None:
    assert len(set(labels[:4].tolist())) == 1


def test_same_problem_at_another_estate_is_another_issue(labels: np.ndarray) -> None:
    assert labels[4] != labels[0]


def test_unrelated_messages_are_not_grouped(labels: np.ndarray) -> None:
    assert len(set(labels[4:].tolist())) == 4


def test_messages_far_apart_in_time_are_not_grouped() -> None:
    days = [0.0, 1.0, 2.0, 800.0] + [3.0] * 4
    grouped = IssueGrouper(max_days=365).fit(_texts(), times=days).labels_
    assert grouped[3] != grouped[0] and grouped[0] == grouped[1] == grouped[2]


def test_known_place_from_a_form_field_counts() -> None:
    texts = [
        "小区旁边搅拌站噪音扰民\n晚上搅拌机噪音很大，无法休息。",
        "小区附近搅拌站噪音太吵\n晚上搅拌站噪音大，无法入睡。",
    ]
    places = [["丽景花园"], ["金桂苑"]]
    assert len(set(IssueGrouper().fit(texts, times=[0.0, 1.0], places=places).labels_.tolist())) == 2


def test_rank_hot_issues_ranks_describes_and_explains() -> None:
    issues = rank_hot_issues(_records(), top=3)
    first = issues[0]
    assert isinstance(first, HotIssue) and [i.rank for i in issues] == [1, 2, 3]
    assert first.members == [100, 101, 102, 103]
    assert "丽景花园" in first.description and "搅拌站" in first.description and " / " in first.description
    assert first.explanation.startswith("4 位不同用户在 9 天内反映") and "点赞 6" in first.explanation
    assert (first.start, first.end) == (T0, T0 + timedelta(days=9))
    assert first.score > issues[1].score >= issues[2].score
    assert set(first.as_dict()) >= {"rank", "score", "description", "start", "end", "members"}


def test_recent_growth_depends_on_now() -> None:
    late = rank_hot_issues(_records(), now=T0 + timedelta(days=400), top=1)[0]
    assert late.recent == 0 and "近 30 天无新增" in late.explanation
    assert late.score < rank_hot_issues(_records(), top=1)[0].score


def test_one_person_repeating_counts_once() -> None:
    records = _records(user="same-person")
    first = rank_hot_issues(records, top=1)[0]
    assert first.people == 1 and first.explanation.startswith("1 位用户")
    anonymous = rank_hot_issues(_records(user=None), top=1)[0]
    assert anonymous.people == 4, "anonymous messages count one person each"


def test_hot_index_formula() -> None:
    index = HotIndex()
    assert index.score(people=1, supports=0, span_days=0, recent_people=0) == pytest.approx(6.9, abs=0.05)
    more_people = index.score(people=10, supports=0, span_days=30, recent_people=0)
    assert more_people > index.score(people=5, supports=0, span_days=30, recent_people=0)
    assert index.score(people=5, supports=100, span_days=30, recent_people=0) > index.score(
        people=5, supports=0, span_days=30, recent_people=0
    )
    assert index.score(people=1, supports=0, span_days=365, recent_people=0) == index.score(
        people=1, supports=0, span_days=0, recent_people=0
    ), "one person alone earns no persistence"
    assert index.score(people=5, supports=0, span_days=90, recent_people=3) > index.score(
        people=5, supports=0, span_days=90, recent_people=0
    )


def test_explanations_in_chinese_words() -> None:
    assert span_words(0.2) == "1 天内" and span_words(12.5) == "13 天内" and span_words(91) == "3 个月内"
    assert span_words(430) == "1 年 2 个月内"
    text = explanation(people=38, messages=45, supports=120, opposes=0, span_days=91, recent=12, window_days=30)
    assert text == "38 位不同用户在 3 个月内反映 45 条，点赞 120，近 30 天新增 12 条"


def test_bad_records_name_the_record_and_the_problem() -> None:
    assert rank_hot_issues([]) == []
    duplicated = _records()
    duplicated[3]["id"] = 100
    with pytest.raises(ValueError, match=r"record 4: duplicate id 100"):
        rank_hot_issues(duplicated)
    untimed = _records()
    untimed[2]["time"] = "yesterday"
    with pytest.raises(ValueError, match=r"record 3 \(id 102\): time"):
        rank_hot_issues(untimed)
    with pytest.raises(ValueError, match="supports"):
        rank_hot_issues(_records(supports=-1))
    with pytest.raises(ValueError, match="missing id"):
        rank_hot_issues([{"title": "x", "time": T0}])
    with pytest.raises(ValueError, match="top"):
        rank_hot_issues(_records(), top=0)


def test_similar_index_finds_the_same_case_and_respects_places() -> None:
    index = SimilarIndex().fit(_texts(), ids=[f"case-{k}" for k in range(len(MESSAGES))])
    found = index.query("丽景花园小区旁的搅拌站太吵了，晚上睡不着", k=3)
    assert found and all(case in {"case-0", "case-1", "case-2", "case-3"} for case, _ in found)
    assert [case for case, _ in index.query("金桂苑小区旁的搅拌站太吵了")] == ["case-4"]
    assert index.query("") == [] and index.query("完全无关：我想咨询护照办理流程") == []
    assert similar("开元路的路灯坏了，晚上很黑", list(enumerate(_texts())), k=1)[0][0] == 5


def test_similar_index_answers_in_milliseconds() -> None:
    texts = [f"{title}第{k}号\n{body}" for k in range(300) for title, body in MESSAGES]
    index = SimilarIndex().fit(texts[:3000])
    started = time.perf_counter()
    for _ in range(20):
        index.query("丽景花园小区旁的搅拌站太吵了，晚上睡不着")
    per_query = (time.perf_counter() - started) / 20
    print(f"similar-case query over 3000 cases: {per_query * 1000:.2f} ms")  # measured, not asserted


@pytest.mark.parametrize(
    "estimator", [IssueGrouper(threshold=0.25), SimilarIndex(min_score=0.2), HashedTfidf(n_features=2**12)]
)
def test_estimator_contract(estimator: object) -> None:
    assert not [k for k in vars(estimator) if k.endswith("_")], "__init__ must only store parameters"
    params = estimator.get_params()
    assert params and all(getattr(estimator, k) == v for k, v in params.items())
    assert estimator.fit(_texts()) is estimator
    assert pickle.loads(pickle.dumps(estimator)).get_params() == params  # noqa: S301 - our own object


def test_vectors_are_normalised_and_stable() -> None:
    vectorizer = HashedTfidf(n_features=2**12).fit(_texts())
    idf = vectorizer.idf_.copy()
    rows = vectorizer.transform(["", "丽景花园", "丽景花园小区噪音"])
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    assert norms[0] == 0 and np.allclose(norms[1:], 1.0, atol=1e-5)
    assert np.array_equal(idf, vectorizer.idf_)


# -- the shared data ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def votes(shared_data_dir: Path) -> list[dict]:
    with open(shared_data_dir / "teddycup2020" / "messages_with_votes.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [
        {
            "id": r["id"],
            "title": r["title"],
            "body": r["body"],
            "user": r["user"],
            "supports": r["likes"],
            "opposes": r["dislikes"],
            "time": datetime.strptime(r["time"], "%Y-%m-%d %H:%M:%S"),
        }
        for r in rows
    ]


def test_pairwise_precision_and_recall_on_hand_labelled_pairs(shared_data_dir: Path) -> None:
    """Measured: precision 0.918, recall 0.849 on 315 pairs (docs/hot-issues.md, whole hot issues)."""
    scores = evaluate(shared_data_dir, ROOT / "gold")
    assert scores["n"] >= 300
    assert scores["precision"] >= 0.85 and scores["recall"] >= 0.8, scores


def test_top_twenty_on_the_shared_data(votes: list[dict]) -> None:
    """Measured: 18 of the top 20 have 3+ messages; the two big known issues lead, 58车贷 is one issue."""
    issues = rank_hot_issues(votes, top=20)
    assert len(issues) == 20
    assert sum(issue.messages >= 3 for issue in issues) >= 15
    assert "丽发新城" in issues[0].description and issues[0].people >= 40
    assert any("伊景园滨河苑" in issue.description and issue.people >= 40 for issue in issues[:3])
    assert sum("58车贷" in issue.description for issue in issues) == 1


KNOWN_SPLITS = {  # one problem each (issue 12): must end in one issue
    "魅力之城 ground-floor restaurants": [284147, 236798, 246598, 268914, 195095, 245136, 246362, 242792, 189381],
    "洪山公园 start date": [216349, 269955, 287036, 226168, 231690, 260157],
    "绿地海外滩 beside the high-speed rail": [202575, 216316, 243551, 266931, 191951, 263672],
    "58车贷 with the misspelt 58车货": [214238, 272858, 194343, 223787, 226265, 234320],
}
KNOWN_MIXES = {  # different problems (or organisations) at one place: must not share an issue
    "方略城市广场 catchment vs subway noise": [288396, 210209],
    "泉星物流园 manhole / gambling / oil pipe": [280000, 217295, 252703],
    "internships at three colleges": [233759, 255719, 262477],
}


def test_known_splits_are_whole_and_known_mixes_apart(votes: list[dict]) -> None:
    """The cases read by hand in issue 12 (figures before/after in docs/hot-issues.md)."""
    issues = rank_hot_issues(votes, top=len(votes))
    issue_of = {member: issue.rank for issue in issues for member in issue.members}
    for name, ids in KNOWN_SPLITS.items():
        assert len({issue_of[i] for i in ids}) == 1, name
    for name, ids in KNOWN_MIXES.items():
        assert len({issue_of[i] for i in ids}) == len(ids), name


def test_a_hot_issue_label_never_doubles_its_place() -> None:
    """Issue 14: "A7县A7县 / …" — a county read as the city and again at the start of the place's own name."""
    from minyi.nlp._describe import where_label
    from minyi.nlp._grouping import MessagePlaces

    def member(fine: str) -> MessagePlaces:
        return MessagePlaces(
            primary_fine=frozenset({fine}),
            all_fine=frozenset({fine}),
            strong=frozenset({fine}),
            districts=frozenset(),
            cities=frozenset({"A7县"}),
            names=(fine, "A7县"),
        )

    titles = ["A7县泉塘路路灯坏了", "A7县泉塘路的路灯不亮", "泉塘路路灯一直没修"]
    label, _ = where_label([member("A7县泉塘路")] * 3, titles)
    assert "A7县A7县" not in label and label.startswith("A7县"), label
