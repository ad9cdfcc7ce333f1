"""Placing a message in the jurisdiction tree by the place names it contains."""

from __future__ import annotations

from minyi.nlp.jurisdiction import Area, AreaIndex

TREE = AreaIndex(
    [
        Area(1, None, "本级"),
        Area(2, 1, "A市", ("A市",)),
        Area(3, 2, "A2区", ("雨花区", "雨花")),
        Area(4, 3, "桂花坪街道", ("桂花坪", "幸福里社区")),
        Area(5, 2, "A5区", ("岳麓区",)),
        Area(6, 5, "望月湖街道", ("望月湖",)),
    ]
)


def test_names_on_one_line_give_the_deepest_jurisdiction_with_the_reason() -> None:
    placed = TREE.place("A市雨花区幸福里社区门口路灯不亮")
    assert placed is not None
    assert placed.jurisdiction_id == 4
    assert not placed.ambiguous
    assert "幸福里社区" in placed.reason and "桂花坪街道" in placed.reason


def test_names_of_two_branches_give_the_level_above_both() -> None:
    placed = TREE.place("望月湖和桂花坪两个街道的公交线路调整")
    assert placed is not None
    assert placed.jurisdiction_id == 2
    assert placed.ambiguous
    assert "A2区" in placed.reason and "A5区" in placed.reason


def test_no_area_name_places_nowhere_and_short_names_are_ignored() -> None:
    assert TREE.place("路灯坏了很久") is None
    assert AreaIndex([Area(1, None, "本级"), Area(2, 1, "X", ("Y",))]).place("X Y") is None


def test_the_longest_name_wins_where_two_overlap() -> None:
    placed = TREE.place("雨花区的问题")  # 雨花区 (A2区's alias) and its prefix 雨花: one match, the longer
    assert placed is not None
    assert placed.names == ("雨花区",)
    assert placed.jurisdiction_id == 3


def test_texts_are_read_together_and_a_name_counts_once() -> None:
    placed = TREE.place("路灯不亮", "桂花坪", "桂花坪街道那边")
    assert placed is not None
    assert placed.jurisdiction_id == 4
    assert TREE.chain(4) == [1, 2, 3, 4]
