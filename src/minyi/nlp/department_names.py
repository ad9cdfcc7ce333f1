"""What a department's name says: its region, its town, its family, and whether two names are one body.

Names come from admins, from replies ("A7县住房和城乡建设局", "安沙镇人民政府") and from import files, in many
spellings of one body (安沙镇人民政府 / 安沙镇政府 / 安莎镇政府) and with sentence fragments around them
("乡镇造册上报县安监局", "给县教育局"). parse_department() reads one name:

- `region`: the county, district or city in front of it ("A7县", "东湖区", "市"; "" when none);
- `town`: for a town or street office, the town ("安沙镇", "青山街道");
- `family`: the kind of body at any level (docs/labelling/departments.md: 住建局, 教育局, 属地乡镇街道 …;
  "" when the name is a body of no listed family, such as a county government);
- `key`: one key for every spelling of the same body (same region, aliases unified, 人民政府 = 政府,
  街道办事处 = 街道, homophone town names one);
- `handler`: False for the board's own operators (电子政务管理办公室, 热线办公室 …), which forward messages
  and answer none.

None is returned for what is not a department's name (a fragment, a bare suffix, a pronoun phrase).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import lazy_pinyin

__all__ = [
    "FAMILIES",
    "LOCAL_FAMILY",
    "OUTSIDE_FAMILY",
    "DepartmentName",
    "family_named",
    "parse_department",
    "region_parts",
    "same_department",
]

LOCAL_FAMILY = "属地乡镇街道"
OUTSIDE_FAMILY = "其他"  # none of ours: courts, post, tax, the army …

# family -> what its names contain (first match wins; order matters: 交警 before 公安, 教育 before 体育).
_FAMILY_PATTERNS: tuple[tuple[str, str], ...] = (
    ("交警", r"交警|交通警察|交通管理"),
    ("住房公积金中心", r"公积金"),
    ("医保局", r"医疗保障|医保|医疗保险|新农合"),
    ("纪委监委", r"纪委|监委|纪检|监察委"),
    ("应急管理局", r"应急|安监|安全生产|消防"),
    ("公安局", r"公安|派出所|警察"),
    ("人社局", r"人力资源|人社|人事|社会保险|社保|劳动|就业"),
    ("卫健委", r"卫生|卫健|卫计|计生|计划生育|疾控|疾病预防|医院|健康"),
    ("教育局", r"教育|教体|招生|考试院"),
    ("自然资源和规划局", r"规划|规建|国土|自然资源|不动产|土地"),
    ("生态环境局", r"环保|环境保护|生态环境|环境监察"),
    ("城管局", r"城管|城市管理|行政执法|执法局|执法大队|环卫|环境卫生|园林|市容|市政|照明"),
    ("住建局", r"住房|住建|住保|房管|建设|房产|房屋|物业|建管|城建|燃气|人防|工务"),
    ("交通运输局", r"交通|运输|公路|客运|公交|路政|港航"),
    ("市场监管局", r"市场监督|市场监管|市场局|市场和质量|工商|质监|质量技术监督|食品药品|食药|食安|物价|消费者"),
    ("民政局", r"民政|残联|残疾人|老龄|社会救助|社会福利"),
    ("水利局", r"水利|水务|供水|自来水|水文|防汛"),
    ("农业农村局", r"农业|农村|农委|畜牧|农机|扶贫|乡村振兴"),
    ("文旅局", r"文化|旅游|体育|广电|文广|文旅|文体"),
    ("发改委", r"发改|发展和改革|发展改革|能源"),
    ("财政局", r"财政"),
    ("电力公司", r"电力|供电|电网"),
    ("通信管理局", r"通信|电信|移动公司|联通"),
    ("林业局", r"林业"),
    ("金融监管局", r"金融"),
    ("商务局", r"商务|招商|投资促进|商粮"),
    (OUTSIDE_FAMILY, r"法院|检察院|邮政|税务|司法局|监狱|铁路"),
)
FAMILIES: tuple[str, ...] = (*(family for family, _ in _FAMILY_PATTERNS), LOCAL_FAMILY)
_FAMILY_RES = tuple((family, re.compile(pattern)) for family, pattern in _FAMILY_PATTERNS)

# The board's own operators: they pass messages on and answer none.
_OPERATOR = re.compile(r"电子政务|网络宣传|网信|热线|政务服务|信访|留言办|政府办公室$|^(?:委)?办公室$")

_SUFFIX = (
    r"(?:管理委员会|委员会|办公室|街道办事处|街道办|街道|人民政府|政府|管理处|管理局|大队|支队|分局|中心|局|委|所|站"
    r"|公司|党委|党工委|办|院|队)"
)
_NAME_END = re.compile(_SUFFIX + "$")
# Words that a sentence puts in front of a name ("上报县安监局", "给县教育局", "由区城管局"): the name
# starts after the last of them when a region marker follows.
_LEAD_IN = re.compile(
    r"^.*?(?:上报|报送|报请|要求|责成|给|向|由|经|交|转|请|到|至|和|与|及)(?=(?:[A-Z]\d{0,2})?[省市区县])"
)
_REGION = re.compile(
    r"^(?:中共)?((?:西地省|[A-Z]\d{0,2}(?:市|区|县)|[\u4e00-\u9fa5]{2,4}?(?:省|市|区|县)|[省市区县](?!场|政|委|民|容|直|属|级|长))+)"
)
_TOWN = re.compile(
    r"^(?P<town>[\u4e00-\u9fa5]{1,6}?(?:镇|乡|街道))(?:办事处|办|人民政府|政府|党委|党工委|社区|村)?"
    r"(?:[\u4e00-\u9fa5]{0,3}(?:办公室|中心|站|所))?$"
)
_VILLAGE = re.compile(r"村(?:委会|民委员会|支两委|两委|委)$|社区(?:居委会|居民委员会)?$")
_NOT_A_NAME = re.compile(
    r"[我您你他她的了过被将该此其是在有对]|安排|要求|立即|召开|发起|当日|开盘|^(?:有关|相关|上级|所在|当地|各|本)"
)
_BARE = frozenset(
    {"分局", "中心", "大队", "支队", "管理处", "办公室", "委员会", "管理委员会", "政府", "人民政府", "局", "委"}
)
# Spellings of one body (applied to the name without its region).
_ALIASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"住房和城乡建设局|住房城乡建设局|城乡建设局|住房与城乡建设局|建设局$"), "住建局"),
    (re.compile(r"城市管理和行政执法局|城市管理综合执法局|城市管理局|城管执法局"), "城管局"),
    (re.compile(r"人力资源和社会保障局|人力资源社会保障局|人力资源与社会保障局"), "人社局"),
    (re.compile(r"环境保护局|生态环境局"), "环保局"),
    (re.compile(r"^交通局$"), "交通运输局"),
    (re.compile(r"卫生和计划生育委员会|卫生计生委|卫计委|卫计局|卫生局$|卫健局|卫生健康委员会|卫生健康局"), "卫健委"),
    (re.compile(r"公安局交警大队|公安局交通警察大队|交通警察大队"), "交警大队"),
    (re.compile(r"公安局交警支队|公安局交通警察支队|交通警察支队"), "交警支队"),
    (re.compile(r"市场监督管理局"), "市场监管局"),
    (re.compile(r"发展和改革委员会|发展改革委员会|发展和改革局"), "发改委"),
    (re.compile(r"街道办事处$|街道办$"), "街道"),
    (re.compile(r"人民政府$"), "政府"),
)


@dataclass(frozen=True, slots=True)
class DepartmentName:
    """One department's name as parse_department() reads it (see the module's docstring)."""

    name: str
    region: str
    town: str
    family: str
    key: str
    handler: bool


def parse_department(raw: str) -> DepartmentName | None:
    """The parts of a department's name, or None when `raw` is not one."""
    return _parse(re.sub(r"[\s\u3000\xa0]+", "", raw or ""))


@lru_cache(maxsize=8192)
def _parse(text: str) -> DepartmentName | None:
    text = _LEAD_IN.sub("", text)
    if not (2 <= len(text) <= 30) or not _NAME_END.search(text):
        return None
    region_match = _REGION.match(text)
    region = region_match.group(1) if region_match else ""
    core = text[region_match.end() :] if region_match else text
    if region and not core:  # "A7县人民政府" has core "人民政府"; a bare region is no department
        return None
    if region and not re.search(r"[省市区县]$", region):
        region, core = "", text
    if core in _BARE and not region:
        return None
    if core.startswith("委") and not region:  # "委办公室": the tail of "县委办公室" cut off
        return None
    if _NOT_A_NAME.search(core) or len(core) < 2:
        return None
    town_match = _TOWN.match(core)
    town = _town_key(town_match.group("town")) if town_match else ""
    handler = not _OPERATOR.search(core)
    family = _family(core, town)
    normal = core
    for pattern, replacement in _ALIASES:
        normal = pattern.sub(replacement, normal)
    if town:
        normal = town + normal[len(town_match.group("town")) :] if town_match else normal
        normal = re.sub(r"(?:办事处|办|政府)$", "", normal) or town
    key = f"{_region_key(region)}|{_homophones(normal)}"
    return DepartmentName(name=text, region=region, town=town, family=family, key=key, handler=handler)


def _family(core: str, town: str) -> str:
    if town or _VILLAGE.search(core):
        # a town's own bureau ("安沙镇财政所") is still the town's
        return LOCAL_FAMILY
    return _pattern_family(core)


def _pattern_family(text: str) -> str:
    """The first family whose name pattern `text` holds, or ""."""
    for family, pattern in _FAMILY_RES:
        if pattern.search(text):
            return family
    return ""


def _town_key(town: str) -> str:
    return town[:-2] + "街道" if town.endswith("街道") else town


_REGION_PART = re.compile(r"西地省|[A-Z]\d{0,2}(?:市|区|县)|[\u4e00-\u9fa5]{2,4}?(?:省|市|区|县)|[省市区县]")


def region_parts(region: str) -> list[str]:
    """The levels a region names, outermost first: "西地省A市A7县" -> 西地省, A市, A7县."""
    return _REGION_PART.findall(region)


def _region_key(region: str) -> str:
    """ "西地省A市A7县" and "A7县" name one county: the last level decides."""
    parts = region_parts(region)
    return parts[-1] if parts else ""


def _homophones(text: str) -> str:
    """Names that sound alike are one name (安沙镇 / 安莎镇): the pinyin, without tones."""
    return "".join(lazy_pinyin(text))


def same_department(a: str, b: str) -> bool:
    """Whether two names are one body (same region and the same name once spellings are unified)."""
    pa, pb = parse_department(a), parse_department(b)
    return pa is not None and pb is not None and pa.key == pb.key


def family_named(tail: str) -> str:
    """The family of the body whose name ends `tail` ("…请市园林管理局" -> 城管局), read from its last eight
    characters; "" for an operator or a body of no family. Cheaper than parse_department: for scanning text."""
    tail = tail[-8:]
    if _OPERATOR.search(tail):
        return ""
    return _pattern_family(tail)
