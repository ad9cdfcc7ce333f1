"""Posts and comments: the repeated blocks of a forum thread or a news page's comment section.

No site's selectors: a block list is a run of two or more sibling elements of the same tag and class, most of
which carry a date, with little link text (a list of related headlines is all links) and some words each. The
best run is the one with the most blocks, preferring containers named like comments, replies or posts. In each
block, the author is an element classed like a user name (or `作者：…`), the time the first date, and the text
the element classed like content (or the block's text without its author, time and action words).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from lxml import etree

from minyi.collect.dom import attrs_of, link_density, text_of
from minyi.collect.meta import author_in, has_date, iso_time

_HINT = re.compile(r"comment|reply|replies|post|floor|review|discuss|thread|楼|评论|回复|跟帖|l_post|pl", re.I)
_CONTENT = re.compile(r"content|text|message|msg|body|t_f|cont\b|detail|txt|main", re.I)
_META_CLASS = re.compile(r"author|user|uname|nick|poster|time|date|info|meta|avatar|floor|action|op", re.I)
_ACTIONS = re.compile(
    r"^(?:回复|引用|举报|点赞|赞|踩|支持|反对|分享|收藏|只看该作者|复制链接|\d+\s*楼|#\d+|沙发|板凳|地板|楼主"
    r"|(?:赞|回复|支持|反对)\s*[（(]?\d*[）)]?)$"
)
MIN_BLOCKS = 2


@dataclass
class Record:
    """One post or comment: who, when, what, and its element's id (for its own URL fragment)."""

    text: str
    author: str | None
    published: str | None
    anchor: str | None
    element: etree._Element


def find_records(root: etree._Element) -> tuple[etree._Element | None, list[Record]]:
    """The container of the page's post/comment blocks and the blocks, or (None, []) when there are none."""
    best: tuple[float, etree._Element, list[etree._Element]] | None = None
    for parent in root.iter():
        if not isinstance(parent.tag, str):
            continue
        for group in _sibling_groups(parent):
            score = _score(parent, group)
            if score and (best is None or score > best[0]):
                best = (score, parent, group)
    if best is None:
        return None, []
    _, parent, blocks = best
    records = [r for r in (_record(b) for b in blocks) if r.text]
    return (parent, records) if len(records) >= MIN_BLOCKS else (None, [])


def _sibling_groups(parent: etree._Element) -> list[list[etree._Element]]:
    groups: dict[tuple[str, str], list[etree._Element]] = defaultdict(list)
    for child in parent:
        if isinstance(child.tag, str) and child.tag not in ("script", "style", "br", "a", "span", "option"):
            groups[(child.tag, child.get("class", "").strip())].append(child)
    return [g for g in groups.values() if len(g) >= MIN_BLOCKS]


def _score(parent: etree._Element, group: list[etree._Element]) -> float:
    texts = [text_of(el) for el in group]
    dated = sum(has_date(t) for t in texts)
    wordy = sum(len(t) >= 6 for t in texts)
    if dated < max(MIN_BLOCKS, 0.6 * len(group)) or wordy < 0.6 * len(group):
        return 0.0
    if sum(link_density(el) for el in group) / len(group) > 0.5:
        return 0.0
    hinted = _HINT.search(attrs_of(parent)) or _HINT.search(attrs_of(group[0]))
    return len(group) * (2.0 if hinted else 1.0) + sum(len(t) for t in texts) / 10_000


def _record(block: etree._Element) -> Record:
    whole = text_of(block)
    author = author_in(block)
    published = iso_time(_time_text(block) or whole)
    content = _content_element(block)
    text = text_of(content) if content is not None else _without_meta(block, whole, author)
    anchor = block.get("id") or next((el.get("id") for el in block.iter() if el.get("id")), None)
    return Record(text=text, author=author, published=published, anchor=anchor, element=block)


def _time_text(block: etree._Element) -> str | None:
    for el in block.iter():
        if isinstance(el.tag, str) and (el.tag == "time" or re.search(r"time|date", attrs_of(el), re.I)):
            text = el.get("datetime") or text_of(el)
            if has_date(text):
                return text
    return None


def _content_element(block: etree._Element) -> etree._Element | None:
    """The longest descendant classed like content (`content`, `t_f`, `d_post_content`, `msg` …), one without
    a date first (a wrapper that also holds the floor's time and number is not the text)."""
    best, best_len = None, (True, 0)
    for el in block.iter():
        if el is block or not isinstance(el.tag, str) or not _CONTENT.search(attrs_of(el)):
            continue
        if _META_CLASS.search(attrs_of(el)) and not re.search(r"content|t_f|msg|message", attrs_of(el), re.I):
            continue
        text = text_of(el)
        rank = (not has_date(text), len(text))
        if rank > best_len:
            best, best_len = el, rank
    return best


def _without_meta(block: etree._Element, whole: str, author: str | None) -> str:
    """The block's lines less those of its author, its date and its action links (回复, 举报, 3楼 …)."""
    keep = []
    for line in whole.split("\n"):
        bare = line.strip()
        if not bare or bare == author or _ACTIONS.match(bare):
            continue
        if has_date(bare) and len(bare) <= 40:
            continue
        keep.append(bare)
    return "\n".join(keep)
