"""Words that say which department family must act (our own routing table; docs/labelling/departments.md).

Each family lists words a message about its work tends to use, and the domains (领域) it serves: the router
(minyi.nlp.departments.FamilyRouter) proposes a family only when its domains are likely or its words occur,
so that one large family (教育局) is not proposed for everything.
"""

from __future__ import annotations

import re

from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from minyi.nlp.department_names import LOCAL_FAMILY, OUTSIDE_FAMILY, family_named

# family -> (domains it serves, words that point to it)
ROUTING_TABLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "教育局": (
        ("教育文体",),
        (
            "学校",
            "小学",
            "中学",
            "幼儿园",
            "学生",
            "老师",
            "教师",
            "班主任",
            "校长",
            "入学",
            "招生",
            "学位",
            "划片",
            "学区",
            "上学",
            "补课",
            "培训机构",
            "辅导班",
            "校车",
            "开学",
            "高考",
            "中考",
            "择校",
            "教育",
            "课本",
            "学籍",
            "家长",
            "食堂",
        ),
    ),
    "住建局": (
        ("城乡建设",),
        (
            "物业",
            "开发商",
            "楼盘",
            "交房",
            "房屋质量",
            "漏水",
            "维修基金",
            "维修资金",
            "业委会",
            "业主委员会",
            "公租房",
            "廉租房",
            "保障房",
            "安置房",
            "老旧小区",
            "电梯",
            "燃气",
            "天然气管道",
            "施工",
            "工地",
            "危房",
            "购房",
            "商品房",
            "房产",
            "烂尾",
            "装修",
            "经适房",
            "经济适用房",
            "房改",
            "棚户",
            "棚改",
            "年久失修",
            "旧楼",
        ),
    ),
    "自然资源和规划局": (
        ("城乡建设", "国土资源"),
        (
            "规划",
            "用地",
            "土地",
            "征地",
            "不动产",
            "房产证",
            "产权证",
            "国土",
            "容积率",
            "宅基地",
            "违规审批",
            "采砂",
            "采石",
            "矿",
            "红线",
            "沙场",
            "采沙",
            "非法开采",
            "砂石场",
            "拆迁",
        ),
    ),
    "城管局": (
        ("城乡建设", "环境保护"),
        (
            "城管",
            "摊贩",
            "占道",
            "违建",
            "违章建筑",
            "搭建",
            "路灯",
            "垃圾",
            "环卫",
            "渣土",
            "广告牌",
            "招牌",
            "绿化",
            "公园",
            "油烟",
            "烧烤",
            "夜市",
            "噪音",
            "广场舞",
            "井盖",
            "市容",
            "乱倒",
            "公厕",
            "沙土",
        ),
    ),
    "交通运输局": (
        ("交通运输",),
        (
            "公交",
            "公交车",
            "站台",
            "公交站",
            "出租车",
            "的士",
            "网约车",
            "滴滴",
            "客运",
            "班车",
            "道路",
            "公路",
            "修路",
            "路面",
            "坑洼",
            "高速",
            "桥梁",
            "地铁",
            "路况",
            "硬化",
            "县道",
            "乡道",
            "过桥费",
            "通行费",
            "驾校",
            "治超",
            "超限",
            "车票",
        ),
    ),
    "交警": (
        ("交通运输",),
        (
            "红绿灯",
            "信号灯",
            "违停",
            "停车",
            "乱停",
            "罚单",
            "违章",
            "驾照",
            "驾驶证",
            "车牌",
            "上牌",
            "交警",
            "闯红灯",
            "斑马线",
            "限速",
            "拥堵",
            "堵车",
            "电动车",
            "摩托车",
            "超载",
            "交通事故",
            "酒驾",
            "年检",
        ),
    ),
    "公安局": (
        (),
        (
            "派出所",
            "报警",
            "警察",
            "民警",
            "诈骗",
            "骗",
            "赌博",
            "传销",
            "打人",
            "殴打",
            "黑社会",
            "涉黑",
            "户口",
            "落户",
            "户籍",
            "身份证",
            "偷盗",
            "盗窃",
            "小偷",
            "吸毒",
            "非法集资",
            "威胁",
            "恐吓",
            "治安",
            "公安",
            "打架",
            "防盗牌",
            "卖淫",
            "嫖娼",
            "涉黄",
            "色情",
            "红灯区",
            "看守所",
        ),
    ),
    "人社局": (
        ("劳动和社会保障",),
        (
            "工资",
            "欠薪",
            "拖欠",
            "社保",
            "养老保险",
            "养老金",
            "退休",
            "劳动合同",
            "劳动仲裁",
            "加班",
            "辞退",
            "工伤",
            "就业",
            "招聘",
            "职称",
            "事业单位",
            "编制",
            "公务员",
            "失业",
            "人才",
            "农民工",
            "实习",
            "用人单位",
            "五险一金",
            "人事",
            "创业",
        ),
    ),
    "医保局": (
        ("卫生计生", "劳动和社会保障"),
        ("医保", "医疗保险", "报销", "新农合", "合作医疗", "医保卡", "参保", "异地就医", "城乡居民医疗"),
    ),
    "卫健委": (
        ("卫生计生",),
        (
            "医院",
            "医生",
            "护士",
            "看病",
            "诊所",
            "卫生院",
            "疫苗",
            "接种",
            "疫情",
            "新冠",
            "传染",
            "病人",
            "手术",
            "医疗",
            "独生子女",
            "计生",
            "计划生育",
            "生育",
            "二胎",
            "出生证",
            "卫生",
            "药",
            "体检",
            "急救",
        ),
    ),
    "生态环境局": (
        ("环境保护",),
        (
            "污染",
            "排污",
            "废水",
            "污水",
            "废气",
            "臭",
            "异味",
            "粉尘",
            "灰尘",
            "化工",
            "工厂",
            "排放",
            "环评",
            "焚烧",
            "烟囱",
            "黑烟",
            "水质",
            "河水",
            "鱼死",
            "辐射",
            "养猪",
            "养殖场",
            "搅拌站",
            "环保",
            "噪声",
        ),
    ),
    "市场监管局": (
        ("商贸旅游", "卫生计生"),
        (
            "食品",
            "过期",
            "假货",
            "消费者",
            "商家",
            "商户",
            "价格",
            "收费",
            "乱收费",
            "退款",
            "发票",
            "营业执照",
            "无证经营",
            "超市",
            "餐馆",
            "饭店",
            "药店",
            "明码标价",
            "预付卡",
            "会员卡",
            "质量问题",
            "虚假宣传",
            "充值",
            "健身",
            "注水肉",
            "病死猪",
            "许可证",
        ),
    ),
    "民政局": (
        ("劳动和社会保障",),
        (
            "低保",
            "救助",
            "困难户",
            "五保",
            "特困",
            "残疾",
            "残疾人",
            "养老院",
            "敬老院",
            "老人",
            "高龄",
            "孤儿",
            "婚姻",
            "结婚",
            "离婚",
            "殡葬",
            "墓",
            "公墓",
            "骨灰",
            "居委会",
            "地名",
            "门牌",
            "路牌",
        ),
    ),
    "水利局": (
        ("城乡建设", "环境保护", "农村农业"),
        (
            "自来水",
            "停水",
            "供水",
            "水压",
            "水库",
            "河道",
            "堤",
            "防洪",
            "防汛",
            "内涝",
            "积水",
            "灌溉",
            "水渠",
            "水利",
            "饮水",
            "水管",
            "水费",
            "水表",
            "山塘",
            "排水",
            "库区",
            "移民",
        ),
    ),
    "农业农村局": (
        ("农村农业", "城乡建设"),
        (
            "农田",
            "耕地",
            "种植",
            "农民",
            "农业",
            "农作物",
            "补贴",
            "养殖",
            "猪",
            "鱼塘",
            "土地流转",
            "承包地",
            "农机",
            "化肥",
            "种子",
            "禁渔",
            "捕鱼",
            "电鱼",
            "屠宰",
            "检疫",
            "乡村振兴",
            "扶贫",
            "贫困户",
            "高标准农田",
        ),
    ),
    "文旅局": (
        ("教育文体", "商贸旅游"),
        (
            "旅游",
            "景区",
            "景点",
            "门票",
            "导游",
            "体育",
            "健身器材",
            "体育馆",
            "球场",
            "图书馆",
            "博物馆",
            "网吧",
            "演出",
            "电视",
            "广播",
            "文物",
            "古建筑",
        ),
    ),
    "发改委": (
        ("经济管理", "城乡建设"),
        ("发改", "立项", "项目审批", "电价", "水价", "气价", "油价", "定价", "能源"),
    ),
    "财政局": (
        ("经济管理",),
        ("财政", "拨款", "专项资金", "资金发放", "补助资金"),
    ),
    "住房公积金中心": (
        ("城乡建设",),
        ("公积金",),
    ),
    "电力公司": (
        ("城乡建设",),
        (
            "停电",
            "供电",
            "电压",
            "电线",
            "电线杆",
            "变压器",
            "电网",
            "电力",
            "电费",
            "电表",
            "高压线",
            "变电站",
            "断电",
            "线路老化",
        ),
    ),
    "通信管理局": (
        ("科技与信息产业",),
        ("信号", "宽带", "网络", "移动", "联通", "电信", "基站", "手机", "话费", "光纤", "通信", "4G", "5G"),
    ),
    "林业局": (
        ("环境保护", "农村农业"),
        ("林业", "砍伐", "树木", "山林", "林地", "森林", "野生动物", "古树", "毁林", "伐木", "退耕还林", "捕鸟"),
    ),
    "应急管理局": (
        (),
        (
            "安全生产",
            "安全隐患",
            "烟花爆竹",
            "危化品",
            "危险化学品",
            "爆炸",
            "消防",
            "火灾",
            "着火",
            "起火",
            "失火",
            "火情",
            "被困",
            "矿难",
            "应急",
        ),
    ),
    "金融监管局": (
        ("经济管理",),
        ("银行", "网贷", "P2P", "p2p", "理财", "兑付", "金融", "车贷"),
    ),
    "纪委监委": (
        (),
        (
            "贪污",
            "腐败",
            "受贿",
            "行贿",
            "挪用",
            "侵吞",
            "克扣",
            "村干部",
            "村支书",
            "书记",
            "滥用职权",
            "以权谋私",
            "吃拿卡要",
            "纪委",
            "违纪",
            "优亲厚友",
            "官商勾结",
            "任人唯亲",
            "裙带",
            "买官",
            "卖官",
            "公款",
            "索贿",
        ),
    ),
    "商务局": (
        ("商贸旅游",),
        ("商务", "招商", "商场", "菜市场", "农贸市场", "外贸", "电商"),
    ),
    OUTSIDE_FAMILY: (
        (),
        (
            "法院",
            "法官",
            "执行局",
            "判决",
            "裁定",
            "仲裁",
            "律师",
            "检察院",
            "监狱",
            "少管所",
            "邮政",
            "邮局",
            "快递",
            "火车票",
            "铁路",
            "税务",
            "国税",
            "地税",
            "部队",
            "军人",
            "12345",
            "热线",
        ),
    ),
    LOCAL_FAMILY: (
        ("城乡建设", "农村农业"),
        (
            "村委",
            "村委会",
            "村民",
            "组里",
            "村里",
            "村干部",
            "乡政府",
            "镇政府",
            "街道办",
            "村组",
            "组长",
            "村道",
            "村级",
            "拆迁",
            "征收",
            "安置",
        ),
    ),
}

# A body named in the message ("请市园林管理局…", "L3县邮政局领导"): its family is a strong cue. Found from
# its suffix backwards (cheap: the suffixes are rare), then read by parse_department.
_BODY_END = re.compile(r"局|委员会|委|办公室|中心|大队|支队|派出所|法院|公司")
_NAME_CHARS = re.compile(r"(?:[A-Z]\d{0,2}|[\u4e00-\u9fa5]){2,12}$")


# One pass over a text: every word of the table in one Aho-Corasick automaton (leftmost-longest matches),
# ~3x faster than one regular expression of ~600 words.
_WORD_FAMILIES: dict[str, list[str]] = {}
for _family, (_, _words) in ROUTING_TABLE.items():
    for _word in _words:
        _WORD_FAMILIES.setdefault(_word, []).append(_family)
_WORD_LIST = list(_WORD_FAMILIES)
# a DFA: the same matches as the default automaton, ~25% faster to run (it is built once, in milliseconds)
_MATCHER = AhoCorasick(_WORD_LIST, matchkind=MatchKind.LeftmostLongest, implementation=Implementation.DFA)


# A letter's salutation ("尊敬的易书记：", "胡书记您好", "请懿文书记关注") names whom the writer addresses, not the
# matter: a party secretary is greeted in one message in six, and 纪委监委 must not be proposed for each.
_SALUTATION = re.compile(
    r"(?:尊敬的|敬爱的|亲爱的|请|给)?[\u4e00-\u9fa5]{0,4}?书记(?:大人)?(?=[：:，,！!\s]|您好|你好|关注|过问)"
)


def family_cues(text: str) -> dict[str, list[str]]:
    """Per family, the distinct words of it found in `text` (families with none are left out); a salutation
    is not read."""
    found: dict[str, list[str]] = {}
    if "书记" in text:
        text = _SALUTATION.sub(lambda m: " " * len(m.group(0)), text)
    for index in dict.fromkeys(index for index, _, _ in _MATCHER.find_matches_as_indexes(text)):
        word = _WORD_LIST[index]
        for family in _WORD_FAMILIES[word]:
            found.setdefault(family, []).append(word)
    return found


def title_and_body_cues(title: str, body: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """family_cues(title) and family_cues(body) from one pass over title + "\\n" + body: no routing word holds a
    line break, so no match crosses it, and the leftmost-longest matches on either side of it are those of each
    part alone. The title holds no line break (it ends at the first one)."""
    if "书记" in title:  # a salutation is not read (each part masked alone, as family_cues does)
        title = _SALUTATION.sub(lambda m: " " * len(m.group(0)), title)
    if "书记" in body:
        body = _SALUTATION.sub(lambda m: " " * len(m.group(0)), body)
    cut = len(title)
    in_title: dict[str, list[str]] = {}
    in_body: dict[str, list[str]] = {}
    seen_title: set[int] = set()
    seen_body: set[int] = set()
    for index, start, _ in _MATCHER.find_matches_as_indexes(f"{title}\n{body}"):
        found, seen = (in_title, seen_title) if start < cut else (in_body, seen_body)
        if index in seen:
            continue
        seen.add(index)
        word = _WORD_LIST[index]
        for family in _WORD_FAMILIES[word]:
            found.setdefault(family, []).append(word)
    return in_title, in_body


def named_families(text: str) -> list[str]:
    """The families of the bodies a message names ("市园林管理局" -> 城管局), in order, each once."""
    found: list[str] = []
    for end in _BODY_END.finditer(text):
        window = _NAME_CHARS.search(text, max(0, end.end() - 14), end.end())
        if window is None:
            continue
        name = window.group(0)
        family = OUTSIDE_FAMILY if "法院" in name else family_named(name)
        if family and family not in found:
            found.append(family)
    return found
