"""The questions and asks (诉求) of a message, and whether a reply answers each: what 完整性 counts.

`find_asks(message)` lists the message's questions and requests; `match_asks(asks, reply)` says for each whether the
reply answers it, with the reply sentence that does. Pure functions over plain strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minyi.nlp.segment import tokenize

__all__ = ["AskMatch", "find_asks", "match_asks"]

_WORD_RUN = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]+")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n+")
_QUESTION = re.compile(
    r"[？?]|吗|是否|能否|可否|如何|怎么|怎样|什么时候|何时|为什么|为何|多少|哪里|哪些|有没有|是不是|"
    r"能不能|可不可以|合法吗"
)
_REQUEST = re.compile(r"请|希望|要求|恳请|建议|盼|呼吁|望")
_COMMON = (
    "您好 你好 感谢 谢谢 留言 反映 问题 回复 答复 有关 情况 网友 工作 支持 我们 你们 请问 是否 能否 "
    "希望 要求 恳请 建议 领导 尊敬 政府 部门 相关 进行 一个 这个 没有 可以 什么 怎么 如何 为什么"
)
_STOP_WORDS = frozenset(
    f"{_COMMON} 现在 已经 但是 因为 所以 还是 就是 他们 自己 这样 那么 如果 以及 一直 非常 "
    "真的 不能 不是 时候 的话 请求 书记 市长 县长 本人".split()
)


@dataclass(frozen=True)
class AskMatch:
    """One question or ask of the message, whether the reply answers it, how well (0–1) and the sentence that does."""

    ask: str
    answered: bool
    score: float
    evidence: str = ""


def _sentences(text: str) -> list[str]:
    return [s.strip(" ，,") for s in _SENTENCE_END.split(text) if s and len(s.strip(" ，,")) > 1]


def find_asks(message: str, limit: int = 6) -> list[str]:
    """The message's questions, then its requests, at most `limit`; without any, its first sentence (the title)."""
    sentences = _sentences(message)
    found = [s for s in sentences if _QUESTION.search(s)]
    found += [s for s in sentences if s not in found and _REQUEST.search(s)]
    return found[:limit] or sentences[:1]


def _answered(question: str, reply: str, reply_sentences: list[str]) -> tuple[float, str]:
    words = {
        w
        for w in tokenize(question)
        if len(w) >= 2
        and w not in _STOP_WORDS
        and _WORD_RUN.fullmatch(w)
        and not _QUESTION.fullmatch(w)
        and not _REQUEST.search(w)
    }
    if not words:
        return 1.0, ""
    shared = [w for w in words if w in reply]
    best = max(reply_sentences, key=lambda s: sum(w in s for w in words), default="")
    return (1.0 if len(shared) >= 3 else len(shared) / len(words)), best


def match_asks(asks: list[str], reply: str, threshold: float = 0.3) -> list[AskMatch]:
    """Each ask with whether the reply answers it: ≥ 3 of its content words, or ≥ `threshold` of them, in the reply."""
    sentences = _sentences(reply)
    matches = []
    for ask in asks:
        score, best = _answered(ask, reply, sentences)
        matches.append(AskMatch(ask, score >= threshold, score, best))
    return matches
