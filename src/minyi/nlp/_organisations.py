"""Organisations named in a title (companies, lending platforms, schools, hospitals) and when two clash.

Two messages that each name a school, a hospital or a lending platform, and no common one, are about
two organisations: forced internships at 涉外经济学院 and at 商贸旅游职业技术学院 are two issues.
Companies (有限公司, 集团 …) never clash: a message may name a platform's operating company or an
estate's developer where another names the platform or the estate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ANON_ADMIN = re.compile(r"[A-Z]\d{0,2}(?:市|区|县|州)|西地省")
_ORGANISATION = re.compile(
    r"(?:[A-Za-z0-9]{1,6}|[\u4e00-\u9fff]{2,8}?)"
    r"(?:车贷|财富|金服|有限公司|公司|集团|学院|大学|学校|中学|小学|幼儿园|医院|驾校)"
)
_ENDINGS = (
    "有限公司",
    "幼儿园",
    "车贷",
    "财富",
    "金服",
    "公司",
    "集团",
    "学院",
    "大学",
    "学校",
    "中学",
    "小学",
    "医院",
    "驾校",
)
_CLASHING = _ENDINGS  # every kind: two messages that each name an organisation must name the same one
_LEADING_GENERIC = re.compile(
    r"^(?:人民|中心|中医|妇幼|小区|物业|开发|房地产|建筑|装修|职业|技术|中等|专业|体育|"
    r"附属|实验|科技|"
    r"第[一二三四五六七八九十]+|"
    r"普惠性|普惠制|普惠|公办|民办|公立|私立|配套|一所|这所|该|本|这家|该家|一家|这个|某)+"
)
_VERBISH = re.compile(r"[不的了上在到能要是和与对把被让或及去有所望设置建办修搬迁开]")
_LEADING_ADMIN = re.compile(r"^[市区县州省]+")


def organisations(title: str) -> set[str]:
    """Names of companies, platforms, schools and hospitals in a title (58车贷, 涉外经济学院 …).

    What precedes a function word (不, 的, 上 …) is not part of the name, nor are leading words that
    say what kind of school it is (普惠性, 配套 …): "希望有一所普惠性幼儿园" names no kindergarten.
    """
    title = _ANON_ADMIN.sub(" ", title)
    found = set()
    for m in _ORGANISATION.finditer(title):
        name = _LEADING_GENERIC.sub("", _VERBISH.split(_LEADING_ADMIN.sub("", m.group(0)))[-1])
        ending = next((e for e in _ENDINGS if name.endswith(e)), None)  # 中医院 - 中医 = 院: no ending left
        if ending and len(name) >= 4 and len(name) > len(ending):
            found.add(name)
    return found


def clashing_organisations(names: Iterable[str]) -> frozenset[str]:
    """The names compared when two messages each name organisations: every kind (schools, hospitals,
    platforms, companies), a company by its name without the legal form (玖鼎能源科技股份有限公司 and
    玖鼎能源科技公司 are one)."""
    out = set()
    for n in names:
        if n.endswith(_CLASHING):
            stem = _COMPANY_END.sub("", n)
            out.add(stem if len(stem) >= 2 else n)
    return frozenset(out)


_COMPANY_END = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|公司|集团)$")


def _same(a: str, b: str) -> bool:
    """One name ends the other (经济学院 ~ 涉外经济学院), or two companies' names agree but for the
    legal form (玖鼎能源科技公司 ~ 玖鼎能源科技股份有限公司 ~ 玖鼎能源)."""
    if a.endswith(b) or b.endswith(a):
        return True
    sa, sb = _COMPANY_END.sub("", a), _COMPANY_END.sub("", b)
    if (sa == a and sb == b) or min(len(sa), len(sb)) < 2:
        return False
    return sa.startswith(sb) or sb.startswith(sa) or sa.endswith(sb) or sb.endswith(sa)


def _specific(names: frozenset[str]) -> list[str]:
    """The names that are not the end of another one (涉外经济学院, not 经济学院, when both are named)."""
    return [n for n in names if not any(m != n and m.endswith(n) for m in names)]


def organisations_clash(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both name clashing organisations and the most specific names of one match none of the other's
    (a name matches another that ends with it: 经济学院 ~ 涉外经济学院, but 涉外经济学院 !~ 财政经济学院)."""
    return bool(a and b) and not any(_same(x, y) for x in _specific(a) for y in _specific(b))
