"""Place extraction: province, city, district, street, community, estate and road names.

Two kinds of matchers run over a message (docs/labelling/places.md says what counts as a place):

- **Administrative names** (province/city/district). The scan anchors on the characters every such
  name ends with (省市区县州旗盟) and looks the few substrings ending there up in a dictionary of the
  real names of the official division table bundled with the ``cpca`` package (read from its CSV:
  cpca's own matcher costs ~1 ms per message and imports pandas). The anonymised names of the shared
  data (``西地省``, ``A市``, ``B9市``, ``M6州``, ``A1区``, ``K8县``) are recognised by pattern, and the
  short names of provinces (``广东``, ``北京``) by one small alternation.
- **Named places with a generic suffix** (``…街道/镇/乡``, ``…社区/村/居委会``, ``…小区/花园/苑…``,
  ``…路/街/大道/巷``). A suffix is found by regex and its name is grown leftwards over characters that
  can belong to a name, stopping at a function word, punctuation, a higher-level suffix or the end of
  the place just before (``A市A2区桂花坪街道`` gives ``A市``, ``A2区``, ``桂花坪街道``). Leading verbs
  and adverbs are then dropped by part of speech (rjieba), or by the name's repetitions in the same
  text; generic compounds (``农村``, ``马路``, ``老旧小区`` …) are discarded. Weak estate suffixes
  (``…园/城/湾/府``) only count when an estate word follows (``小区``, ``业主``, ``3栋``, ``二期`` …).

Levels follow the suffix: an anonymised ``X市`` is a city even when it stands for a county-level city
(the anonymisation hides which), a ``…村`` is a community. Estate names drop a trailing ``小区``.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from minyi.nlp._matching import find_matches
from minyi.nlp.text import join_text

if TYPE_CHECKING:
    from ahocorasick_rs import AhoCorasick

LEVELS: tuple[str, ...] = ("province", "city", "district", "street", "community", "estate", "road")
Span = tuple[int, int, str, str]  # start, end, level, name


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# -- administrative names -------------------------------------------------------------------------
_ADMIN_END = re.compile("[省市区县州旗盟]")
_ANON_PREFIX = re.compile(r"[A-Z]\d{0,2}$")
_ANON_GLUE = re.compile(r"[A-Z]\d{0,2}[区县市]")
_PROVINCE_SHORT = (
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
)
# Real names that are also ordinary words or generic parts of other names.
_GENERIC_ADMIN = _words(
    "市辖区 城区 郊区 矿区 新区 东区 西区 南区 北区 县 城中区 市中区 城关区 新城区 老城区 城东区 城西区 "
    "城南区 城北区 "
    "市北区 市南区 河东区 河西区 河南区 河北区 开发区 高新区 特区 林区 长安区 新华区 和平区 铁东区 铁西区 "
    "白云区 青山区 "
    "江北区 江南区 桥东区 桥西区"
)
# A real name whose last two characters form a common word ("海城市" in "沿海城市") needs an
# administrative name right before it.
_NEEDS_ANCHOR = re.compile(r"(城市|城区|山区|新区|市区|郊区|景区|园区|港区|湖区|林区|牧区|矿区|江区|河区)$")
_ADMIN_SUFFIX = re.compile(r"(省|市|自治区|特别行政区|地区|自治州|盟|县|区|自治县|旗)$")


def _cpca_table() -> list[tuple[str, str]]:
    """(name, level) of the official division table bundled with cpca; empty if cpca is absent."""
    spec = importlib.util.find_spec("cpca")  # finds the package without running its slow __init__
    if spec is None or not spec.submodule_search_locations:
        return []
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        rows = [(r["name"], r["adcode"][:6]) for r in csv.DictReader(f)]
    return [
        (name, "province" if code.endswith("0000") else "city" if code.endswith("00") else "district")
        for name, code in rows
    ]


@lru_cache(maxsize=1)
def _real_names() -> tuple[dict[str, str], int, dict[str, tuple[int, ...]]]:
    """Real name -> level, the longest name's length, and the names' last two characters -> the lengths
    (3 or more, longest first) of the names ending with them."""
    levels: dict[str, str] = {}
    for name, level in _cpca_table():
        stem = _ADMIN_SUFFIX.sub("", name)
        if name not in _GENERIC_ADMIN and len(stem) >= 2 and _ADMIN_END.fullmatch(name[-1]):
            levels.setdefault(name, level)
    lengths: dict[str, set[int]] = {}
    for name in levels:
        lengths.setdefault(name[-2:], set()).update([len(name)] if len(name) >= 3 else [])
    endings = {end: tuple(sorted(ns, reverse=True)) for end, ns in lengths.items()}
    return levels, max(map(len, levels), default=0), endings


# Short names of prefecture-level cities (深圳 for 深圳市) count when the tagger knows the short name as a
# place (ns) and it is not also a common word or a person's name (these homographs stay out).
_SHORT_CITY_HOMOGRAPHS = _words("朝阳 中山 北海 大庆 长春 黄山 白山 山南 三沙 永州 吉安 宜春 普洱 定西 海东")
# A short name glued to a road, street or estate suffix is part of that name (中山路, 长沙大道).
_SHORT_CITY_END = frozenset("路街巷村镇乡大花园苑城")


@lru_cache(maxsize=1)
def _short_names() -> dict[str, str]:
    """Short name -> level: provinces (广东) and prefecture-level cities (深圳) of cpca's table."""
    import rjieba

    names = dict.fromkeys(_PROVINCE_SHORT, "province")
    for name, level in _cpca_table():
        stem = name[:-1]
        if level != "city" or not name.endswith("市") or len(stem) < 2 or stem in names:
            continue
        tags = rjieba.tag(stem)
        if len(tags) == 1 and tags[0][1] == "ns" and stem not in _SHORT_CITY_HOMOGRAPHS:
            names[stem] = "city"
    return names


@lru_cache(maxsize=1)
def _short_name_matcher() -> tuple[AhoCorasick, list[tuple[str, str]]]:
    """An Aho-Corasick automaton (a DFA: twice as fast as one regex of the names) over the short names, and
    (name, level) by pattern index."""
    from ahocorasick_rs import AhoCorasick, Implementation

    names = list(_short_names().items())
    return AhoCorasick([name for name, _ in names], implementation=Implementation.DFA), names


def _short_name_spans(text: str) -> list[Span]:
    """Short names in text order, as a regex of them longest first would find them: at each position the
    longest name that starts there (a city's short name glued to a road or estate suffix does not count:
    中山路), scanning on after its end."""
    matcher, names = _short_name_matcher()
    hits = find_matches(matcher, text, overlapping=True)
    if not hits:
        return []
    out: list[Span] = []
    last = 0
    for start, neg_len, index in sorted((start, start - end, index) for index, start, end in hits):
        end = start - neg_len
        name, level = names[index]
        if start < last or (level == "city" and text[end : end + 1] in _SHORT_CITY_END):
            continue
        out.append((start, end, level, name))
        last = end
    return out


# A district right after a city or county whose name the division table lacks (I3县大通湖区, a
# management district): two or three characters before 区, tagged as proper nouns (大通 nz + 湖区 ns),
# without a numeral (星沙四区) and not a generic zone word (地区, 城北区, 开发区).
_ANCHORED_DISTRICT = re.compile(r"[\u4e00-\u9fff]{2,3}区(?![域别分间块长委])")
_ZONE_WORDS = re.compile(
    r"(开发|高新|经开|工业|产业|保税|示范|试验|实验|自贸|综合|商业|住宅|生活|办公|服务|功能|风景|旅游|保护|"
    r"城|市|辖|片|景|园|校|小|社|郊|山|矿|林|牧|港|新|老|城中|农|灾|疫|的|和|与|在|是|各|全|本|该|等|地|街|学|"
    r"[东西南北中])区$|[一二三四五六七八九十]|^[各全本该等的和与在是及]"
)


def _proper_district(name: str) -> bool:
    import rjieba

    tags = rjieba.tag(name)
    if tags[-1][0] == "区":
        tags = tags[:-1]
    return bool(tags) and all(tag in ("ns", "nz", "nr") for _, tag in tags)


def _anonymised(text: str, end: int) -> Span | None:
    """An anonymised name ending at ``end`` (西地省, A市, M6州, A1区, K8县), or None."""
    ch = text[end - 1]
    if ch == "省":
        if end >= 3 and text[end - 3] in "东南西北中" and text[end - 2] == "地":
            return (end - 3, end, "province", text[end - 3 : end])
        return None
    before = text[end - 2 : end - 1]
    if not (before.isascii() and before.isalnum()):  # fast path: most 市/区/县 follow a Chinese character
        return None
    m = _ANON_PREFIX.search(text, max(0, end - 4), end - 1)
    if m is None or (m.start() and text[m.start() - 1].isascii() and text[m.start() - 1].isalnum()):
        return None
    name = text[m.start() : end]
    if ch in "市州":
        return None if text[end : end + 1] in ("场", "民") else (m.start(), end, "city", name)
    if ch in "区县" and len(name) > 2:
        # "A8县市", "L10县县": a stray 市/县 left by the anonymisation is consumed, not named.
        after = text[end : end + 2]
        stray = ch == "县" and after[:1] in ("市", "县") and "\u4e00" <= after[1:] <= "\u9fff"
        return (m.start(), end + stray, "district", name)
    return None


def _admin_spans(text: str) -> list[Span]:
    """Administrative names, non-overlapping, in text order."""
    real, _, endings = _real_names()
    found: list[Span] = []
    for m in _ADMIN_END.finditer(text):
        end = m.end()
        # _anonymised's own fast path, inline: an anonymised name other than X地省 has an ASCII letter or
        # digit before its last character
        before = text[end - 2 : end - 1]
        span = _anonymised(text, end) if m.group() == "省" or (before.isascii() and before.isalnum()) else None
        if span is None:
            lengths = endings.get(text[end - 2 : end])
            if lengths is not None and text[end : end + 1] not in ("场", "民"):
                for n in lengths:  # the longest real name ending here (the tails of longer ones differ)
                    if n <= end and text[end - n : end] in real:
                        span = (end - n, end, real[text[end - n : end]], text[end - n : end])
                        break
        if span is not None:
            found.append(span)
    found.extend(_short_name_spans(text))
    ends = {span[1] for span in found if span[2] in ("city", "district")}
    for end in ends:
        district = _ANCHORED_DISTRICT.match(text, end)
        name = district.group() if district else ""
        if name and not _ZONE_WORDS.search(name) and name not in real and _proper_district(name):
            found.append((end, end + len(name), "district", name))
    spans: list[Span] = []
    for span in sorted(found, key=lambda x: (x[0], -x[1])):
        if spans and span[0] < spans[-1][1]:
            continue
        anchored = spans and spans[-1][1] == span[0]
        if _NEEDS_ANCHOR.search(span[3]) and span[3] not in _PROVINCE_SHORT and not anchored:
            continue
        spans.append(span)
    return spans


# -- named places with a generic suffix -----------------------------------------------------------
_STRONG_ESTATE = _words("小区 花园 家园 苑 新城 公寓 山庄 华府 名城 公馆 庄园 花城 嘉园 雅郡 佳园 小镇")
_WEAK_ESTATE = _words(
    "园 城 湾 府 郡 庭 居 洲 岸 畔 国际 壹号 一号 广场 水岸 印象 天地 大厦 世家 首府 香缇 天下 水郡 金城 都市"
)
# After a weak estate suffix one of these must follow for it to count as an estate.
_ESTATE_CONTEXT = (
    r"(?=小区|的?业主|的?住户|楼盘|物业|开发商|项目|的?居民|房产证|"
    r"[一二三四五六七八九十\d]+期|(?:[A-Za-z]?\d+|[一二三四五六七八九十]+)[栋幢号]|"
    r"[A-Za-z一二三四五六七八九十]区)"
)
# A building number ("15栋", "六栋") right after a name makes that name an estate, suffix or not.
_BUILDING = re.compile("[栋幢]")
_BUILDING_NUMBER = re.compile(r"(?:[A-Za-z]?\d+|[一二三四五六七八九十]{1,3})$")
# One regex per level (a single alternation with named groups defeats re's literal-prefix scan and
# costs ten times more); matches are merged in text order, the earlier level winning at a position.
_SUFFIX_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("street", re.compile(r"街道|镇(?!长|党委|人大)|乡(?![村镇下里亲土愁间民情音贤邻])")),
    (
        "community",
        re.compile(
            r"社区|居委会|村(?<!村村)(?!村通|[镇庄落寨组级规务民风貌容道头口里上中下子"
            r"官干部委两支社居])"
        ),
    ),
    ("road", re.compile(r"路(?![灯面况费途程基政障标径数线牌局])|大道|大街|街(?![道头边面坊区舞角])|巷")),
    ("estate", re.compile("|".join(sorted(_STRONG_ESTATE, key=len, reverse=True)))),
    ("estate", re.compile("|".join(f"{w}{_ESTATE_CONTEXT}" for w in sorted(_WEAK_ESTATE, key=len)[::-1]))),
)
# The first four as one alternation without groups (re scans a plain alternation of literals fast);
# the level of a match follows from its text.
_PLAIN_SUFFIX_RE = re.compile("|".join(rx.pattern for _, rx in _SUFFIX_RES[:4]))
_SUFFIX_LEVEL = {
    **{w: "estate" for w in _STRONG_ESTATE},
    "街道": "street",
    "镇": "street",
    "乡": "street",
    "社区": "community",
    "居委会": "community",
    "村": "community",
    "路": "road",
    "大道": "road",
    "大街": "road",
    "街": "road",
    "巷": "road",
}
# Characters that cannot be part of a place name: a name grown leftwards stops before them.
_BOUNDARY = (
    "的在于是和与及或到从由向往对把被将为了着过也都就还又很该本此其各个每这那有无不没未"
    "我你他她它们住位给让请即已并且而但若如因所叫称至离隔跟替使令"
)
_POSITION_START = frozenset("旁对附前后周里外边")  # first characters of position words (旁边, 对面, 附近)
# Function words that also begin names: kept when a name is grown right after an administrative name.
_SOFT_BOUNDARY = "都"
_NAME_TAIL = re.compile(r"[^\W_a-z" + _BOUNDARY + "]+$")
_MAX_STEM = {"street": 4, "community": 5, "estate": 8, "road": 6}
_MIN_STEM = 2
# Where a grown name must be cut: after a higher-level suffix character ("镇莲花村"), an Arabic digit
# (house numbers, dates) or an administrative unit without a suffix of its own ("办事处兴竹村").
_CUT = {
    level: re.compile(rf".*(?:[{chars}0-9]|办事处|开发区|管委会|工业园|产业园|园区)")
    for level, chars in {
        "street": "区县省镇乡",
        "community": "镇乡区县省",
        "estate": "镇乡区县省",
        "road": "镇乡区县省",
    }.items()
}
# Dictionary words with these parts of speech (jieba's tags) cannot start a place name: verbs,
# adverbs, conjunctions, prepositions, pronouns, particles, measure and time words, idioms, places
# and directions ("以南"); plus one-character words and a few nouns that introduce a request.
_DROP_POS = _words("v vd vn vg a ad d c p r u uj ul ud uz uv q l t f s y e o z i")
_DROP_CHARS = frozenset(
    "在往至到从由经沿近临靠于把被给向对与及或的转接找去来是有让叫帮助待等为将要请问说看听打买住搬回据像"
)
_DROP_WORDS = _words("建议 意见 情况 问题 全体 全国 中央 原名 名称 人民群众 业主 居民 村民 领导")
# A grown name equal to one of these, or ending with one of the _GENERIC_END, is a common word.
_GENERIC_EXACT: dict[str, frozenset[str]] = {
    "street": _words(
        "城 乡 村 集 古 小 家 老 下 回 故 异 他 返 全 本 该 各 我 分 中小城 特色小 城乡 辖区 所在 "
        "属地 我们 所属 两旁 两侧 周边 附近 社区 街道 各乡 全乡 本乡"
    ),
    "community": _words(
        "农 乡 本 该 全 我 各 邻 外 同 进 出 回 渔 当地 全体 城中 新农 空心 贫困 示范 行政 自然 "
        "所在 我们 城市 和谐 文明 所属 辖区 整个 老旧 这个 一个 居委 度假 文化 特色 美丽 开放式 "
        "国际 社区 小区 街道 小山 偏远山 贫困山 边远山 农村 乡村 新农村 该社 本社"
    ),
    "estate": _words(
        "住宅 老旧 安置 这个 我们 整个 多个 其他 其它 周边 附近 所在 商品房 高档 新建 开放式 "
        "封闭式 无物业 大型 别的 幼儿 动物 植物 产业 工业 科技 物流 一个 两个 三个 同一 居民 "
        "职工 单位 街道 社区 农民 城市 商业 物业 示范 文明 和谐 幸福 美好 重建 美丽 温馨 精神 "
        "共同 绿色 生态 周围 公 花 果 菜 校 墓 陵 乐 该 本 此 各 全 老 旧 新 大 小 中 县 城 家 "
        "田 庄 学 购物中心 活动中心 服务中心 万一 如果 一旦"
    ),
    "road": _words(
        "马 道 公 铁 水 线 电 思 出 退 走 迷 半 一 沿 修 带 让 网 门 套 来 去 活 后 前 小 大 土 泥 "
        "山 毛 便 支 新 老 主 辅 此 该 本 条 国 省 县 乡 村 这 那 生 绝 岔 叉 引 开 问 找 歧 正 弯 "
        "近 远 窄 宽 好 平 里 段 台 右 左 停 堵 通 划 上 下 坑 断头 丁字 十字 回家 维权 上访 致富 "
        "求学 商业 步行 美食 小吃 城中 高速 规划 互通 柏油 水泥 市政 交叉 交通 城际 一条 这条 那条"
    ),
}
_GENERIC_END: dict[str, tuple[str, ...]] = {
    "street": tuple(_words("城 城乡 乡 村 古 下 一 二 两 三 四 五 几 各 全")),
    "community": tuple(_words("农 新农 城中 乡 偏远山 小山")),
    "estate": tuple(
        _words(
            "老旧 住宅 商品房 居民 职工 开放式 封闭式 周边 附近 其他 幼儿 中心 期 服务 最大 最小 较大 最好 整个 重建"
        )
    ),
    "road": tuple(
        _words(
            "道 公 铁 马 线 电 交叉 城际 高速 市政 一条 这条 那条 修 活 段 里 右 左 台 毛 停 堵 道一 岔 叉 小 "
            "跑 便民 快速 一些"
        )
    ),
}
# Roads and villages named after an ordinary word (docs/labelling/places.md, "Ordinary phrases"):
# the stem is segmented and judged by its head, the word right before the suffix.
# - The head is a surface material (泥巴路, 砂石路, 水泥路), a figurative 之 (维权之路, 必经之路), a
#   counted quantity (整条路, 一名村), a pronoun, adverb, preposition, particle or position word
#   (上述路, 偶尔路, 旁边路), or a generic word of the level (上访路, 示范村): not a name.
# - The suffix glued to a verb or abstract character forms an ordinary word (走路, 上路, 套路, 短路,
#   出路, 全村, 进村): not a name.
# - A stem that is one verb, adjective or time word (增加路, 造成路, 今天路, 扶贫村), or for villages
#   one ordinary noun (政策村, 癌症村), is a name only in a place context: right after another place
#   (镇/乡/区/县 …), followed by 口/段/号/与/交 … (劳动路口, 幸福路与 …), or named twice in the text.
# Proper nouns (中山路 ns, 开元 nz), nouns (人民路, 洞井路) and numbers (八一路, 东六路) stay.
_MATERIAL = _words("泥巴 烂泥 泥泞 泥湿 泥土 黄泥 砂石 沙石 碎石 渣石 石子 水泥 柏油 沥青 硬化 红砖 石板 青石板")
_MATERIAL_END = tuple(_MATERIAL | _words("泥 土 砂"))
_GLUED = {
    "road": frozenset("走上出退迷修带让来去活后套生思歧弯近好绕拦压开引找问铺堵封占短纹线电网门销财心进"),
    "community": frozenset("全进下邻同本该各每哪整外"),
}
# Generic words that make a road of any name before them ordinary (维权之路, 几年上访路, 一条断头路);
# street kinds (商业街, 步行街) follow a real name often enough to stay.
_GENERIC_HEAD = {
    "road": frozenset(w for w in _GENERIC_EXACT["road"] if len(w) > 1) - _words("商业 步行 美食 小吃"),
    "community": _words("示范 小康 扶贫 贫困 行政 自然 文明 和谐 美丽"),
}
_NOT_A_HEAD_TAGS = _words("q mq r rr rz d p c u uj ul ude1 y e o")
_COUNTED = re.compile(r"[条名个些种辆次段座户位块根批]$|^[几多这那哪每某整]")
_DETERMINER = re.compile(r"大?部分|主要|上述|所有|全部|其他|其它|有些|某些")
_TIME_HEAD = re.compile(r"[天年月日时点候]")  # 今天, 当时, 八点 (not 东四, 国庆)
_POSITION_HEAD = re.compile(r"[边面旁近内外里间部侧后前上下]$")  # 旁边, 后面 (not 沿江)
_NEEDS_CONTEXT_TAGS = {"road": _words("v vd vi a ad ag l i"), "community": _words("v vd vi a ad ag l i")}
_PLACE_CONTEXT = re.compile(r"[口段号与和及交旁侧0-9、]|以[东西南北]|[东西南北]侧|附近|一带|沿线|周边|片区|方向")


_NAME, _ORDINARY, _ORDINARY_UNLESS_GLUED, _NEEDS_CONTEXT = range(4)


@lru_cache(maxsize=1 << 16)
def _head_verdict(stem: str, suffix: str, level: str) -> int:
    """What the words of a road or village candidate say (see the rule above), without its context:
    a name, an ordinary phrase, ordinary unless right after another place, or needs a place context.
    Cached: the same candidates recur from message to message."""
    import rjieba

    if stem.endswith(_MATERIAL_END) or stem.endswith("之"):
        return _ORDINARY
    glued = _tag(stem + suffix)[-1][0]
    if suffix in ("路", "村") and len(glued) >= 2 and glued[-2] in _GLUED[level]:
        return _ORDINARY_UNLESS_GLUED
    tags = _tag(stem)
    head, head_tag = tags[-1]
    if head in _GENERIC_HEAD[level]:
        return _ORDINARY
    # Tags are trusted on dictionary words only: the tagger guesses odd ones for unknown names (潇楚 a).
    if len(head) < 2 or not rjieba.has_word(head):
        return _NAME
    if (
        head_tag in _NOT_A_HEAD_TAGS
        or _DETERMINER.fullmatch(head)
        or (head_tag == "m" and _COUNTED.search(head))
        or (head_tag == "t" and _TIME_HEAD.search(head))
        or (head_tag == "f" and _POSITION_HEAD.search(head))
    ):
        return _ORDINARY
    if len(tags) > 1 or head_tag not in _NEEDS_CONTEXT_TAGS[level] or rjieba.has_word(stem + suffix):
        return _NAME
    return _NEEDS_CONTEXT


def _ordinary_head(text: str, start: int, end: int, s_end: int, level: str, anchored: bool) -> bool:
    """True when a road or village candidate ``text[start:s_end]`` (stem up to ``end``) is an ordinary
    phrase, not a name (see the rule above)."""
    verdict = _head_verdict(text[start:end], text[end:s_end], level)
    if verdict == _NAME or (anchored and verdict != _ORDINARY):
        return False
    if verdict == _NEEDS_CONTEXT:  # one ordinary word before the suffix: a place only in a place context
        return not (_PLACE_CONTEXT.match(text, s_end) or text.count(text[start:s_end]) > 1)
    return True


_ORGANISATION_END = re.compile(r"(小区|社区|公司|学校|医院|政府|中学|小学|大学|银行|工厂|工地|市场|部门)$")


def _suffixes(text: str) -> list[Span]:
    """Non-overlapping suffix occurrences (start, end, level, suffix) in text order."""
    found = [(m.start(), 0, m.end(), _SUFFIX_LEVEL[m.group()], m.group()) for m in _PLAIN_SUFFIX_RE.finditer(text)]
    found.extend((m.start(), 1, m.end(), "estate", m.group()) for m in _SUFFIX_RES[4][1].finditer(text))
    buildings = _BUILDING.finditer(text) if "栋" in text or "幢" in text else ()  # str.find is 20x faster than re
    for m in buildings:  # the name before a building number: an estate
        number = _BUILDING_NUMBER.search(text, max(0, m.start() - 5), m.start())
        if number and number.start() and "\u4e00" <= text[number.start() - 1] <= "\u9fff":
            found.append((number.start(), len(_SUFFIX_RES), number.start(), "estate", ""))
    out: list[Span] = []
    for start, _, end, level, suffix in sorted(found):
        if not out or (start >= out[-1][1] and (start > out[-1][0] or end > start)):
            out.append((start, end, level, suffix))
    return out


def _grown_start(text: str, end: int, floor: int, level: str) -> int:
    """Start of the longest possible name ending at ``end`` (not before ``floor``)."""
    m = _NAME_TAIL.search(text, max(floor, end - _MAX_STEM[level]), end)
    if m is None:
        return end
    cut = _CUT[level].match(text, m.start(), end)
    return cut.end() if cut else m.start()


def _tag(text: str) -> list[tuple[str, str]]:
    import rjieba  # a declared dependency; imported here so that importing this module stays cheap

    return list(rjieba.tag(text))


def _droppable(word: str, tag: str) -> bool:
    import rjieba

    return (
        word in _DROP_WORDS
        or word in _DROP_CHARS
        or (tag in _DROP_POS and len(word) > 1 and bool(rjieba.has_word(word)))
    )


_NUMBERED_ROAD = re.compile(r"[东西南北][一二三四五六七八九十]+")


def _pos_start(text: str, start: int, end: int, floor: int, level: str) -> int | None:
    """Move the name start past words that cannot be part of a name (by their part of speech).

    The stem is tagged with three characters of left context, so a word straddling the grown start
    (``原名`` in ``原名云海湾``) is seen whole. None when nothing name-like is left.
    """
    left = max(floor, start - 3)
    new_start, pos, kept = start, left, 0
    for word, tag in _tag(text[left:end]):
        w_end = pos + len(word)
        if w_end > end:
            break
        # A word straddling the grown start, or a word that cannot be inside a name: the name starts
        # after it. The last word (the head of the name) is exempt if a name-like word precedes it
        # (泉塘安置, 海德公元), so a name is never made of such words alone (严重影响, 期间).
        droppable = pos >= start and _droppable(word, tag)
        if pos < start < w_end or (droppable and (w_end < end or not kept or len(word) == 1)):
            new_start, kept = w_end, 0
        elif pos >= start:
            kept += not droppable
        pos = w_end
    if end - new_start >= _MIN_STEM:
        return new_start
    stem = text[start:end]
    # Roads are often named with a verb or a number (解放路, 劳动东路, 东六路): keep them whole.
    if level == "road" and (len(_tag(stem)) == 1 or _NUMBERED_ROAD.fullmatch(stem)):
        return start
    return None


def _repeat_start(text: str, start: int, end: int, suffix: str, ratio: float) -> int | None:
    """The start of the longest candidate that recurs in the text about as often as its shorter part.

    A name mentioned several times (``兴隆路`` … ``转兴隆路``) is more frequent than the same name glued
    to the word before one of its mentions, so growth stops there. None when the text cannot tell.
    """
    k = end - _MIN_STEM
    count = text.count(text[k:end] + suffix) if k >= start else 0
    if count < 2:
        return None
    chosen = k
    for j in range(k - 1, start - 1, -1):
        longer = text.count(text[j:end] + suffix)
        if longer < 2 or longer < ratio * count:
            break
        chosen, count = j, longer
    return chosen


_CODE = re.compile(r"[A-Z0-9]+")


def _is_generic(stem: str, level: str) -> bool:
    if len(stem) < _MIN_STEM or _ORGANISATION_END.search(stem) or _CODE.fullmatch(stem):
        return True
    return stem in _GENERIC_EXACT[level] or stem.endswith(_GENERIC_END[level])


def _suffix_matches(text: str, admin: list[Span]) -> Iterator[tuple[int, int, str, str, int, Span | None]]:
    """(start, end, level, suffix, floor, glued admin span or None) for every suffix occurrence."""
    admin_ends = {a[1]: a for a in admin}
    ends = sorted(admin_ends)
    ai = 0
    for start, end, level, suffix in _suffixes(text):
        while ai < len(ends) and ends[ai] <= start:
            ai += 1
        gap = 1 if start and text[start - 1] in "东西南北中" else 0
        glued = admin_ends.get(start - gap) or admin_ends.get(start)
        if glued and not (level in ("road", "estate") and _ANON_GLUE.fullmatch(glued[3])):
            glued = None
        yield start, end, level, suffix, ends[ai - 1] if ai else 0, glued


def _named_spans(text: str, admin: list[Span], ratio: float) -> list[Span]:
    out: list[Span] = []
    last_end = 0
    admin_ends = {a[1] for a in admin}
    for end, s_end, level, suffix, floor, glued in _suffix_matches(text, admin):
        if glued is not None:  # an anonymised admin name that is the place's own name: "A1区北路"
            out.append((glued[0], s_end, level, text[glued[0] : s_end]))
            last_end = s_end
            continue
        floor = max(floor, last_end)
        start = _grown_start(text, end, floor, level)
        if start - 1 == floor > 0 and text[floor] in _SOFT_BOUNDARY and floor in admin_ends:
            start = floor  # right after an administrative name, 都 begins a name (B9市都汇城)
        if end - start < _MIN_STEM:
            continue
        chosen = _repeat_start(text, start, end, suffix, ratio) if suffix else None
        # a repeated name still loses a leading verb or position word (旁边龙江路 twice -> 龙江路)
        if chosen is None:
            chosen = _pos_start(text, start, end, floor, level)
        elif text[chosen] in _POSITION_START:  # a repeated name still loses a leading position word
            first, tag = _tag(text[chosen:end])[0]  # (旁边龙江路 twice -> 龙江路)
            if tag == "f" and len(first) > 1 and end - chosen - len(first) >= _MIN_STEM:
                chosen += len(first)
        if chosen is None or _is_generic(text[chosen:end], level):
            continue
        anchored = chosen > 0 and (chosen == floor or text[chosen - 1] in "镇乡区县市州")
        if level in ("road", "community") and _ordinary_head(text, chosen, end, s_end, level, anchored):
            last_end = s_end  # an ordinary phrase: the next name does not grow over it
            continue
        out.append((chosen, s_end, level, text[chosen:end] + ("" if suffix == "小区" else suffix)))
        last_end = s_end
    return out


def extract_places(text: str, *, ratio: float = 0.5, max_chars: int = 20_000) -> list[dict[str, str]]:
    """Places named in one text (its first ``max_chars`` characters), in order, without repeats."""
    if not isinstance(text, str) or not text:
        return []
    text = text[:max_chars]
    admin = _admin_spans(text)
    named = _named_spans(text, admin, ratio)
    glued = {s for s, _, level, name in named if level in ("road", "estate") and _ANON_GLUE.match(name)}
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, str]] = []
    for _, _, level, name in sorted([a for a in admin if a[0] not in glued] + named):
        if (level, name) not in seen:
            seen.add((level, name))
            out.append({"level": level, "name": name})
    return out


class PlaceExtractor:
    """Extracts places (see the module docstring). Rule-based: ``fit`` only validates parameters.

    levels: the levels to return. ratio: how much rarer a longer candidate name may be than its
    shorter part in the same text and still be preferred. max_chars: only the first ``max_chars``
    characters of a text are read (places are named early; this bounds the cost of huge inputs).
    """

    def __init__(self, *, levels: Sequence[str] = LEVELS, ratio: float = 0.5, max_chars: int = 20_000) -> None:
        self.levels = levels
        self.ratio = ratio
        self.max_chars = max_chars

    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {"levels": self.levels, "ratio": self.ratio, "max_chars": self.max_chars}

    def set_params(self, **params: object) -> PlaceExtractor:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X: Sequence[str], y: object = None) -> PlaceExtractor:
        unknown = set(self.levels) - set(LEVELS)
        if unknown:
            raise ValueError(f"unknown place levels: {sorted(unknown)}")
        self.levels_ = tuple(self.levels)
        return self

    def extract(self, text: str) -> list[dict[str, str]]:
        wanted = getattr(self, "levels_", tuple(self.levels))
        places = extract_places(text, ratio=self.ratio, max_chars=self.max_chars)
        return [p for p in places if p["level"] in wanted]

    def transform(self, X: Sequence[str]) -> list[list[dict[str, str]]]:
        return [self.extract(t) for t in X]


# -- evaluation on the hand-labelled set -----------------------------------------------------------
def _normalise(level: str, name: str) -> str:
    name = name.strip()
    return name[:-2] if level == "estate" and name.endswith("小区") and len(name) > 2 else name


def _messages_dir(data_dir: Path) -> Path:
    sub = Path(data_dir) / "teddycup2020"
    return sub if sub.is_dir() else Path(data_dir)


def _read_messages(messages_dir: Path) -> dict[tuple[str, int], str]:
    """(source, id) -> title + "\\n" + body for every message of the shared data's JSON Lines files."""
    texts: dict[tuple[str, int], str] = {}
    for path in sorted(messages_dir.glob("messages_*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                texts[(path.stem, int(row["id"]))] = join_text(row.get("title") or "", row.get("body") or "")
    return texts


def load_gold_places(data_dir: Path, gold_dir: Path) -> tuple[list[str], list[set[tuple[str, str]]]]:
    """Texts (title + "\\n" + body) and their gold (level, name) sets from gold/places.csv."""
    gold: dict[tuple[str, int], set[tuple[str, str]]] = {}
    with open(Path(gold_dir) / "places.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            items = gold.setdefault((r["source"], int(r["id"])), set())
            if r["level"] != "none":
                items.add((r["level"], _normalise(r["level"], r["name"])))
    texts = _read_messages(_messages_dir(data_dir))
    keys = [k for k in gold if k in texts]
    return [texts[k] for k in keys], [gold[k] for k in keys]


def _micro(gold: list[set], pred: list[set]) -> dict[str, float]:
    tp = sum(len(g & p) for g, p in zip(gold, pred, strict=True))
    n_pred, n_gold = sum(map(len, pred)), sum(map(len, gold))
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "predicted": n_pred, "gold": n_gold}


def score(extractor: PlaceExtractor, texts: list[str], gold: list[set[tuple[str, str]]]) -> dict:
    """Micro precision/recall on (level, name) pairs ("strict"), on names only ("lenient"), per level."""
    pred = [{(p["level"], _normalise(p["level"], p["name"])) for p in extractor.extract(t)} for t in texts]
    strict = _micro(gold, pred)
    per_level = {}
    for level in LEVELS:
        per_level[level] = _micro(
            [{x for x in g if x[0] == level} for g in gold], [{x for x in p if x[0] == level} for p in pred]
        )
    lenient = _micro([{n for _, n in g} for g in gold], [{n for _, n in p} for p in pred])
    return {
        **{k: strict[k] for k in ("precision", "recall", "f1")},
        "n": len(texts),
        "strict": strict,
        "lenient": lenient,
        "per_level": per_level,
    }


def evaluate(data_dir: Path, gold_dir: Path) -> dict:
    """Precision/recall/F1 of the extractor on gold/places.csv (see ``score``)."""
    texts, gold = load_gold_places(data_dir, gold_dir)
    return score(PlaceExtractor().fit(texts), texts, gold)
