"""Short descriptions and Chinese explanations of hot issues.

A description is ``<where> / <problem>``: where is the place most members name (city + estate,
community, street or road), or the district or city when no finer place is shared, followed by the
group of people most members speak for (业主, 学生 …) when one stands out; the problem is the
member title closest to all the others, with its place names and filler words (关于, 反映, 的问题 …)
removed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from minyi.nlp._grouping import MessagePlaces
from minyi.nlp._textvec import HashedTfidf

_LEADING = re.compile(
    r"^(?:(?:关于|对于|对|有关|反映|反应|投诉|举报|控告|咨询|建议|请问|请求|恳请|请|希望|强烈|坚决|要求|呼吁|"
    r"再次|又|紧急|急|求助|询问|问问|问|质疑|诉求|给|在)[：:，,\s]*)+"
)
_TRAILING = re.compile(
    r"(?:的(?:问题|投诉|建议|情况|反映|诉求|咨询|疑问|请求|事宜)|问题|投诉|建议|情况|一事|事宜)?[！!？?。.，,；;、\s]*$"
)
_PEOPLE = (
    "业主",
    "居民",
    "村民",
    "学生",
    "家长",
    "教师",
    "老师",
    "职工",
    "员工",
    "农民工",
    "工人",
    "出借人",
    "投资人",
    "患者",
    "病人",
    "老人",
    "退休人员",
    "残疾人",
    "司机",
    "商户",
    "租户",
    "考生",
    "士官",
)
_MAX_PROBLEM_CHARS = 30
_ANON_ADMIN = re.compile(r"[A-Z]\d{0,2}(?:市|区|县|州)|西地省")
_ACCUSATION = re.compile(
    r"侵吞|血汗钱|黑心|坑害|坑人|欺诈|骗子|骗钱|诈骗钱财|无良|可耻|欺压|强盗|土匪|吸血|霸王|丧尽天良|保护伞|腐败|勾结|"
    r"敛财|造假|做主|黑幕|官商|草菅人命|臭名|滚出|垃圾政府|无耻|惊！|惊!|！！|败坏|欺骗|骗局|骗取|坑蒙|"
    r"流氓|恶霸|黑恶|不作为|乱作为|霸道|嚣张|猖狂|毫无人性|良心|缺德|害人|害民|鱼肉|横行"
)
_CLAUSE = re.compile(r"[，,。！!？?；;、\s]+")
_DOUBLED_ADMIN = re.compile(r"([A-Z]\d{0,2}[市区县州])\1+")
_DOUBLED_WORD = re.compile(r"([\u4e00-\u9fff]{2,6})\1+")
# a word with a verb, a function word or a generic place word in it is a topic, not a place's name
# (请求道路 in 请求道路硬化)
_NOT_A_NAME = re.compile(
    r"请|要求|希望|建议|关于|反映|投诉|咨询|的|了|在|和|与|对|把|被|是|为|给|将|让|何时|如何|"
    r"道路|马路|公路|铁路|线路|之路|出路|农村|乡村|城市|县城|城区|城乡|^小区|^社区|园区|校园|^[老旧]"
)
_REGION = re.compile(r"([A-Z])\d{0,2}[市区县州]")
_GLUED_ROAD = re.compile(r"^.{0,3}?(?:路|街|大道)(?P<rest>.{3,})$")


def where_label(places: Sequence[MessagePlaces], titles: Sequence[str]) -> tuple[str, str]:
    """The place most members name, with its city (and 小区 when members write it), or ''.

    Also returns the shared place finer than a district, or the shared organisation (58车贷), or ''.
    """
    n = len(places)
    city = _most_common([c for p in places for c in p.cities], n, share=0.5)
    district = _most_common([d for p in places for d in p.districts], n, share=0.5)
    if city and district and _region(city) != _region(district):
        district = None  # never J11市 with K2区: two members' places joined
    fine = _shared_fine_place(places)
    if not fine or sum(fine in t for t in titles) < len(titles) / 3:
        fine = _title_place(titles) or fine  # 洪山公园 in every title beats 万国城 read in the bodies
    if fine:
        suffix = "小区" if _estate_written_with_xiaoqu(fine, titles) else ""
        return _undoubled(f"{city or district or ''}{fine}{suffix}"), fine
    organisation = _shared_organisation(places)
    if organisation:
        return _undoubled(f"{city or district or ''}{organisation}"), organisation
    if district:
        return _undoubled(f"{city or ''}{district}"), ""
    return city or "", ""


_PLACE_WORD = re.compile(
    r"[\u4e00-\u9fff]{2,6}?"
    r"(?:公园|广场|花园|小区|社区|大道|路|街|村|苑|园|湖|滩)"  # not 城: 绿地城 in 绿地城际空间站
)


def _region(name: str) -> str:
    m = _REGION.fullmatch(name)
    return m.group(1) if m else name


def _title_place(titles: Sequence[str]) -> str | None:
    """A place-like word (…公园, …广场, …滩) written in at least half of the titles (two at least), or None."""
    counts: Counter[str] = Counter()
    for title in titles:
        words = {m.group(0) for m in _PLACE_WORD.finditer(_ANON_ADMIN.sub(" ", title))}
        counts.update(w for w in words if not _NOT_A_NAME.search(w))
    need = max(2, math.ceil(len(titles) / 2))
    best = [w for w, c in counts.most_common() if c >= need]
    return max(best, key=lambda w: (counts[w], len(w))) if best else None


def _undoubled(where: str) -> str:
    """ "A7县A7县" -> "A7县" (a district read both as the city and inside a place's name)."""
    return _DOUBLED_ADMIN.sub(r"\1", where)


def _shared_organisation(places: Sequence[MessagePlaces]) -> str | None:
    """The company, platform or school named in the most titles (at least a third, at least two)."""
    counts = Counter(name for p in places for name in p.organisations)
    if not counts:
        return None

    def support(name: str) -> int:
        return sum(any(n.endswith(name) or name.endswith(n) for n in p.organisations) for p in places)

    best = min(counts, key=lambda c: (-support(c), -counts[c], len(c), c))
    return best if support(best) >= max(2, math.ceil(len(places) / 2)) else None


def people_label(titles: Sequence[str]) -> str:
    """The group of people (业主, 学生 …) named by at least a third of the titles, or ''."""
    counts = Counter(word for t in titles for word in _PEOPLE if word in t)
    if not counts:
        return ""
    word, count = counts.most_common(1)[0]
    return word if count >= max(2, math.ceil(len(titles) / 3)) else ""


def _most_common(values: Sequence[str], n: int, *, share: float) -> str | None:
    if not values:
        return None
    value, count = Counter(values).most_common(1)[0]
    need = n // 2 + 1 if share >= 0.5 else max(1, math.ceil(share * n))  # a half is not "most"
    return value if count >= need else None


def _shared_fine_place(places: Sequence[MessagePlaces]) -> str | None:
    """The fine place named (title or opening) by the most members, counting suffix matches.

    The extractor sometimes glues the end of a road to an estate (劳动东路魅力之城 -> 东路魅力之城): when
    the name without that road end is also named by members, it is shown instead (魅力之城).
    """
    candidates = Counter(name for p in places for name in p.primary_fine if len(name) >= 3)
    if not candidates:
        return None
    strong = {name for p in places for name in p.strong}

    def related(a: str, b: str) -> bool:
        return a.endswith(b) or b.endswith(a)

    def support(name: str) -> int:
        return sum(any(related(n, name) for n in p.all_fine if len(n) >= 3) for p in places)

    best = min(candidates, key=lambda c: (-support(c), c not in strong, -candidates[c], len(c), c))
    needed = max(2 if len(places) > 1 else 1, math.ceil(len(places) / 2))  # most members, not a few
    if support(best) < needed:
        return None
    glued = _GLUED_ROAD.match(best)
    if glued and glued.group("rest") in candidates:
        return glued.group("rest")
    return best


def _estate_written_with_xiaoqu(name: str, titles: Sequence[str]) -> bool:
    return any(f"{name}小区" in t for t in titles) and not name.endswith(("社区", "村", "街道", "镇", "路", "街"))


def problem_phrase(titles: Sequence[str], places: Sequence[MessagePlaces], place: str = "") -> str:
    """The most central member title, without its place names and filler words.

    When a title names ``place`` (the issue's shared place), only what follows it is kept: the
    words before it are mostly the place's district and road (A5区劳动东路魅力之城小区一楼的夜宵摊…
    -> 一楼的夜宵摊…).
    """
    admin = sorted(
        {n for p in places for n in p.names if len(n) <= 4 and n.endswith(("省", "市", "区", "县", "州"))},
        key=len,
        reverse=True,
    )
    phrases = [_clean_title(t, admin, place) for t in titles]
    order = central_order(titles)
    index = next((k for k in order if len(phrases[k]) >= 4), order[0])
    text = undoubled_words(phrases[index])
    if len(text) > _MAX_PROBLEM_CHARS:
        text = text[:_MAX_PROBLEM_CHARS] + "…"
    return text or titles[index][:_MAX_PROBLEM_CHARS]


def undoubled_words(text: str) -> str:
    """ "住房公积金贷款贷款" -> "住房公积金贷款": a word of two to six characters written twice in a row."""
    return _DOUBLED_WORD.sub(r"\1", text)


def neutral(title: str) -> str:
    """The title without its clauses that carry a writer's accusation (侵吞, 欺骗 …), when a plain clause of
    four characters or more is left; else the title as it is."""
    clauses = [c for c in _CLAUSE.split(title) if c]
    plain = [c for c in clauses if not _ACCUSATION.search(c)]
    if len(plain) < len(clauses) and sum(map(len, plain)) >= 4:
        return "，".join(plain)
    return title


def _clean_title(title: str, names: Sequence[str], place: str) -> str:
    text = neutral(title)
    at = text.find(place) if place and len(place) >= 2 else -1
    if at >= 0:
        text = text[at + len(place) :]
        text = text[2:] if text.startswith(("小区", "社区")) else text
    for name in names:
        if len(name) >= 2:
            text = text.replace(name, "")
    text = _ANON_ADMIN.sub("", text)
    text = _strip_trailing(_LEADING.sub("", text.strip(" ：:，,、")))
    return _LEADING.sub("", text.lstrip("的在和与及、，, ")).strip("，,、 ")


def _strip_trailing(text: str) -> str:
    """Drop a trailing "的问题"/"问题"/punctuation, but keep "一系列问题", "很多问题" …"""
    stripped = _TRAILING.sub("", text)
    if stripped != text and re.search(r"(?:系列|多|些|个|大|重|严重)$", stripped):
        return re.sub(r"[！!？?。.，,；;、\s]+$", "", text)
    return stripped


def central_order(titles: Sequence[str]) -> list[int]:
    """Title indices, most central first: highest total similarity to the other titles, neutral words
    before a writer's accusation (侵吞, 黑心 …), short ones before long ones."""
    accusing = np.asarray([bool(_ACCUSATION.search(t)) for t in titles])
    if len(titles) <= 2:
        return sorted(range(len(titles)), key=lambda k: (bool(accusing[k]), len(titles[k]) > 40, k))
    vectors = HashedTfidf(n_features=2**18, title_weight=1.0).fit_transform([t + "\n" for t in titles])
    centrality = np.asarray((vectors @ vectors.T).sum(axis=1)).ravel()
    centrality -= 0.002 * np.asarray([max(0, len(t) - 25) for t in titles])  # prefer short, plain titles
    centrality -= np.where(accusing, np.abs(centrality).max() + 1.0, 0.0)
    return [int(k) for k in np.argsort(-centrality, kind="stable")]


def span_words(days: float) -> str:
    """Chinese words for a time span: "1 天内", "12 天内", "3 个月内", "1 年 2 个月内"."""
    if days < 1:
        return "1 天内"
    if days < 60:
        return f"{math.ceil(days)} 天内"
    months = round(days / 30.44)
    if months < 12:
        return f"{months} 个月内"
    years, rest = divmod(months, 12)
    return f"{years} 年内" if rest == 0 else f"{years} 年 {rest} 个月内"


def explanation(
    *, people: int, messages: int, supports: int, opposes: int, span_days: float, recent: int, window_days: int
) -> str:
    """E.g. "38 位不同用户在 3 个月内反映 45 条，点赞 120，近 30 天新增 12 条"."""
    who = f"{people} 位不同用户" if people > 1 else "1 位用户"
    what = f"反映 {messages} 条" if messages != people else "反映"
    parts = [f"{who}在 {span_words(span_days)}{what}" if messages > 1 else f"{who}反映"]
    if supports:
        parts.append(f"点赞 {supports}")
    if opposes:
        parts.append(f"反对 {opposes}")
    parts.append(f"近 {window_days} 天新增 {recent} 条" if recent else f"近 {window_days} 天无新增")
    return "，".join(parts)
