"""MessageText: title and body joined once, and the one rule that splits a joined text."""

from __future__ import annotations

import dataclasses

import pytest

from minyi.nlp.pipeline import clean_message
from minyi.nlp.text import MessageText, join_text, split_text


def test_join_and_split_are_inverse() -> None:
    for title, body in [("标题", "正文第一行\n第二行"), ("", "只有正文"), ("只有标题", ""), ("", "")]:
        joined = join_text(title, body)
        assert split_text(joined) == (title, body)
        assert MessageText.parse(joined) == MessageText.of(title, body)


def test_a_text_without_a_line_break_is_all_title() -> None:
    assert split_text("只有标题") == ("只有标题", "")
    assert split_text("\n正文") == ("", "正文")


def test_message_text_is_frozen_and_its_title_is_one_line() -> None:
    text = MessageText.of("路灯不亮", "小区门口的路灯坏了。")
    assert text.joined == "路灯不亮\n小区门口的路灯坏了。"
    with pytest.raises(dataclasses.FrozenInstanceError):
        text.title = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="line break"):
        MessageText.of("标题\n第二行", "正文")


def test_clean_message_builds_the_text_once_with_its_repairs() -> None:
    text, repairs = clean_message(" 标题\n 二 ", "第一段。 \n\n\t 第二段", max_chars=5)
    assert text.title == "标题 二" and "\n" not in text.title
    assert len(text.body) <= 5
    assert text.joined == f"{text.title}\n{text.body}"
    assert isinstance(repairs, list)
