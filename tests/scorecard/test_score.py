"""The pure score: components in 0–1, renormalised weights, the repeat penalty, ties and the minimum of cases."""

from __future__ import annotations

import random

import pytest

from minyi.scorecard.score import COMPONENTS, ScoreInputs, components_of, rank_departments, weighted_score

EVEN = dict.fromkeys(COMPONENTS, 10)


def _dept(dept_id: int, name: str, cases: int = 20, **counts: int) -> ScoreInputs:
    return ScoreInputs(department_id=dept_id, name=name, cases=cases, **counts)


def test_components_are_the_rates_and_one_minus_the_repeat_share() -> None:
    got = components_of(
        _dept(
            1, "甲", on_time=3, due=4, satisfied=1, rated=2, callback_satisfied=2, callback_reached=5, adopted=1,
            decided=4, reviews_on_time=3, reviews_due=3, repeats=1, complaints=4,
        )
    )  # fmt: skip
    assert got == {
        "on_time": 0.75, "satisfaction": 0.5, "callback": 0.4, "adoption": 0.25, "knowledge": 1.0, "repeats": 0.75,
    }  # fmt: skip
    assert components_of(_dept(2, "乙")) == dict.fromkeys(COMPONENTS)  # nothing to divide by: all undefined


def test_undefined_components_are_left_out_and_the_weights_renormalised() -> None:
    weights = {"on_time": 30, "satisfaction": 20, "callback": 0, "adoption": 50, "knowledge": 0, "repeats": 0}
    # no suggestion decided: adoption (weight 50) is not defined, the rest is scaled to 30 + 20
    no_suggestions = components_of(_dept(1, "甲", on_time=1, due=2, satisfied=1, rated=1))
    assert weighted_score(no_suggestions, weights) == pytest.approx(100 * (30 * 0.5 + 20 * 1.0) / 50)
    # the same department with one suggestion not adopted loses points for it
    with_one = components_of(_dept(1, "甲", on_time=1, due=2, satisfied=1, rated=1, decided=1))
    assert weighted_score(with_one, weights) == pytest.approx(100 * (30 * 0.5 + 20 * 1.0 + 50 * 0) / 100)
    # a defined component with weight 0 changes nothing; only zero-weight or undefined components: no score
    only_callback = components_of(_dept(1, "甲", callback_satisfied=1, callback_reached=1))
    assert weighted_score(only_callback, weights) is None
    assert weighted_score(only_callback, EVEN) == 100.0


def test_repeated_complaints_count_against_the_department() -> None:
    base = {"on_time": 8, "due": 10, "complaints": 10}
    clean = weighted_score(components_of(_dept(1, "甲", **base)), EVEN)
    repeated = weighted_score(components_of(_dept(1, "甲", **base, repeats=4)), EVEN)
    assert clean == pytest.approx(100 * (0.8 + 1.0) / 2) and repeated == pytest.approx(100 * (0.8 + 0.6) / 2)
    assert repeated < clean
    only_penalty = dict.fromkeys(COMPONENTS, 0) | {"repeats": 100}
    assert weighted_score(components_of(_dept(1, "甲", **base, repeats=10)), only_penalty) == 0.0


def test_ranking_orders_by_score_ties_share_a_rank_and_are_listed_by_name_then_id() -> None:
    rows = [
        _dept(5, "丙局", on_time=1, due=2),  # 50
        _dept(3, "乙局", on_time=9, due=10),  # 90
        _dept(9, "甲局", on_time=3, due=6),  # 50, tied with 丙局 (and with id 2 of the same name)
        _dept(2, "甲局", on_time=5, due=10),  # 50
        _dept(7, "丁局", on_time=1, due=1),  # 100
    ]
    for seed in range(5):  # the input order never matters
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        ranking = rank_departments(shuffled, weights=EVEN, min_cases=10)
        got = [(r.rank, r.inputs.name, r.inputs.department_id) for r in ranking.ranked]
        assert got == [(1, "丁局", 7), (2, "乙局", 3), (3, "丙局", 5), (3, "甲局", 2), (3, "甲局", 9)]
    # the same three shares summed in another order differ in the last digit: still a tie
    a = _dept(1, "子", on_time=1, due=3, satisfied=2, rated=3, adopted=3, decided=3)
    b = _dept(2, "丑", on_time=3, due=3, satisfied=2, rated=3, adopted=1, decided=3)
    assert weighted_score(components_of(a), EVEN) != weighted_score(components_of(b), EVEN)
    ranking = rank_departments([a, b], weights=EVEN, min_cases=1)
    assert [(r.rank, r.inputs.name) for r in ranking.ranked] == [(1, "丑"), (1, "子")]


def test_the_minimum_of_cases_decides_who_is_ranked() -> None:
    rows = [
        _dept(1, "大局", cases=10, on_time=1, due=2),
        _dept(2, "小局", cases=9, on_time=2, due=2),  # the best score, but one case short
        _dept(3, "空局", cases=0),
        _dept(4, "无指标局", cases=12),  # enough cases, nothing defined (nothing due, rated, …)
    ]
    ranking = rank_departments(rows, weights=EVEN, min_cases=10)
    assert [r.inputs.name for r in ranking.ranked] == ["大局"] and ranking.ranked[0].rank == 1
    assert [r.inputs.name for r in ranking.too_few] == ["小局", "空局"]
    assert [r.inputs.name for r in ranking.unscored] == ["无指标局"] and ranking.unscored[0].rank is None
    lowered = rank_departments(rows, weights=EVEN, min_cases=9)
    assert [(r.rank, r.inputs.name) for r in lowered.ranked] == [(1, "小局"), (2, "大局")]
    assert lowered.min_cases == 9 and lowered.weights == EVEN
