"""What should be read by a person before a message goes on the public board (审核后公开).

Two things a board must not publish unread: **abuse** (insults and curses aimed at people) and **personal
accusations** (a named or identifiable person — a name, or a post with a surname such as 王局长, 李某某 — accused of
a crime or misconduct: 贪污, 受贿, 强奸 …). An accusation against an office ("城管执法支队管理混乱") is ordinary
criticism and is not flagged; nor is a complaint that only uses strong words about a situation ("气死人了").
The check only flags for review: a coordinator reads the message and publishes it or keeps it off the board.
Rules over our own word lists; names are found by the segmenter's person tag and by a surname before a post or 某.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

__all__ = ["ABUSE", "ACCUSATION", "FLAG_NAMES", "review_flags"]

ABUSE, ACCUSATION = "abuse", "accusation"
FLAG_NAMES = {ABUSE: "辱骂", ACCUSATION: "指名道姓的指控"}

_ABUSE = re.compile(
    r"傻[逼比屄B]|煞笔|沙比|[操草艹日]你[妈们娘祖]|他妈的|你妈的|妈的逼|狗日的|狗官|狗东西|狗杂种|畜生|畜牲|王八蛋|"
    r"混蛋|杂种|贱人|贱货|婊子|废物们|人渣|败类们|去死吧|全家死|不得好死|死全家|断子绝孙|滚蛋吧|猪狗不如"
)
_MISCONDUCT = (
    r"贪污|受贿|索贿|行贿|腐败|贪腐|侵吞|挪用|敛财|中饱私囊|以权谋私|权钱交易|包养|包二奶|情妇|小三|强奸|猥亵|性侵|"
    r"嫖娼|赌博|吸毒|黑社会|黑恶|保护伞|涉黑|诈骗|骗子|诈骗犯|杀人|打人|殴打|强拆|威胁|恐吓|勒索|敲诈|"
    r"违法乱纪|徇私枉法|枉法|买官|卖官|跑官|私吞|克扣|吃空饷|冒领|受贿罪"
)
_MISCONDUCT_RE = re.compile(_MISCONDUCT)
_POSTS = (
    r"局长|副局长|书记|副书记|镇长|乡长|县长|区长|市长|村长|村支书|支书|主任|副主任|所长|站长|校长|院长|"
    r"科长|处长|队长|经理|老板|会计|组长|委员|干部|主席|厂长|行长"
)
# a surname (one character) and a post or 某 right after it: 王局长, 李某, 张某某
_NAMED_POST = re.compile(rf"[\u4e00-\u9fff](?:某某?|{_POSTS})")
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_WINDOW = 24  # characters between a person and the misconduct word that still read as one accusation
# the leader a letter is addressed to ("尊敬的胡书记：您好") is no one accused
_ADDRESSEE_BEFORE = re.compile(r"(?:尊敬的|敬爱的|亲爱的|致|请|恳请|感谢|谢谢)[\u4e00-\u9fff]{0,4}$")
_ADDRESSEE_AFTER = re.compile(r"[:：,，]?\s*(?:您好|你好)|[:：]")


@lru_cache(maxsize=1)
def _tagger() -> Callable[[str], list[tuple[str, str]]]:
    import rjieba  # a declared dependency; imported here so that importing this module stays cheap

    return rjieba.tag


def _addressed(text: str, start: int, end: int) -> bool:
    """Whether the person at start:end is the one the letter is addressed to (尊敬的胡书记：…)."""
    return bool(_ADDRESSEE_BEFORE.search(text, max(0, start - 6), start)) or bool(_ADDRESSEE_AFTER.match(text, end))


def _person_spans(text: str) -> list[tuple[int, int]]:
    """Where a person is named, not as the letter's addressee: the segmenter's person names (nr, two or three
    characters) and a surname before a post or 某."""
    spans = [
        (m.start(), m.end())
        for m in _NAMED_POST.finditer(text)
        if text[m.start()] in _SURNAMES or text[m.start() + 1] == "某"
    ]
    pos = 0
    for word, tag in _tagger()(text):
        if tag == "nr" and 2 <= len(word) <= 3 and word[0] in _SURNAMES:
            spans.append((pos, pos + len(word)))
        pos += len(word)
    return [(start, end) for start, end in spans if not _addressed(text, start, end)]


def review_flags(text: str) -> list[str]:
    """The reasons this text should be read before it is published (empty: nothing found)."""
    if not text:
        return []
    flags: list[str] = []
    if _ABUSE.search(text):
        flags.append(ABUSE)
    misconduct = [m.start() for m in _MISCONDUCT_RE.finditer(text)]
    if misconduct:
        people = _person_spans(text)
        if any(abs(start - m) <= _WINDOW or abs(end - m) <= _WINDOW for start, end in people for m in misconduct):
            flags.append(ACCUSATION)
    return flags
