"""Segmentation: rjieba and jieba agree on plain text; whitespace never becomes a token."""

from __future__ import annotations

import pytest

from minyi.nlp import segment


def test_tokenize_cuts_words_and_drops_whitespace() -> None:
    words = segment.tokenize("小区物业违规收取停车费\n\t\t 请尽快处理")
    assert "物业" in words and "停车费" in words
    assert all(w.strip() for w in words)


def test_backend_is_rjieba_when_installed() -> None:
    pytest.importorskip("rjieba")
    assert segment.BACKEND == "rjieba"


def test_rjieba_and_jieba_cut_the_same_words() -> None:
    text = "A市A3区潇楚南路洋湖段道路施工一年了还没修好，严重影响交通"
    assert segment.tokenize(text) == segment.jieba_tokenize(text)


@pytest.mark.parametrize("text", ["", " \n\t ", "😀😀", "hello world", "\x00\x01\xff", "路" * 5000])
def test_odd_input_never_raises(text: str) -> None:
    words = segment.tokenize(text)
    assert isinstance(words, list)
    assert "".join(words) == "".join(text.split())


def test_cut_keeps_everything_and_tokenize_many_maps() -> None:
    assert "".join(segment.cut("a b")) == "a b"
    assert segment.cut("") == []
    assert segment.tokenize_many(["你好", ""]) == [segment.tokenize("你好"), []]
