"""A small lexicon of problem kinds (油烟, 噪音, 地铁, 入学 …) read from titles.

Character bigrams miss that "一楼的夜宵摊污染空气" and "底层餐馆油烟扰民" are one problem, and see
little difference between "井盖裂开" and "赌博机" when both name one address. The grouping uses these
kinds in two places: a link that rests on a shared place needs the two messages to share a kind (when
both have one), and two groups are merged on a shared place only when their kinds agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

KINDS: dict[str, str] = {
    "noise": r"噪音|噪声|吵闹|吵得|分贝|鸣笛|广场舞|音响|扰民",
    "smoke": r"油烟|排烟|烟道|烧烤|夜宵|餐馆|饭店|餐饮|大排档|烟味",
    "food": r"食堂|饭菜|伙食|营养餐|午餐|食品安全|变质|过期食品",
    "bribery": r"红包|送礼|收礼|行贿|受贿|回扣|贪污|挪用|吃拿卡要",
    "shops": r"门面|商铺|门店|底层|一楼|临街|店铺|超市",
    "pollution": r"粉尘|灰尘|扬尘|污染|臭味|异味|废气|污水|垃圾|排污|环保",
    "plant": r"搅拌站|搅拌厂|工厂|厂房|砂石|渣土",
    "construction": r"施工|工地|违建|违章搭建|乱搭|加建",
    "building": r"开裂|裂缝|漏水|渗水|沉降|房屋质量|豆腐渣|墙面|楼板|质量问题",
    "housing_sale": r"捆绑|车位|虚假宣传|购房|房价|涨价|交房|备案|开发商|楼盘|限价房",
    "papers": r"两证|房产证|不动产|产权证|办证|确权|户口|落户|入户",
    # not 学校/学生/教育: they name the kind of organisation, which every message about one school shares
    "enrolment": r"入学|学位|划片|招生|就读|学区|上学|升学|转学|插班|配套学校|配套小学|配套幼儿园",
    "teaching": r"老师|教师|师资|班主任|教学|上课|补课|兴趣班|培训班|课外班|作业",
    "fees": r"收费|费用|学费|缴费|太贵|退费|押金|乱收|资费",
    "internship": r"实习|实训|顶岗|社会实践|打工|去工厂|进厂|组织学生",
    "rail": r"地铁|轻轨|高铁|铁路|站点|出入口|号线",
    "bus": r"公交|班车|校车|接送|线路|站台|出租车|的士|网约车",
    "road": r"道路|路灯|红绿灯|信号灯|斑马线|人行道|天桥|地下通道|井盖|路面|修路|通车|高速|路口|交汇|掉头|调头",
    "traffic": r"飙车|超速|违停|停车|拥堵|堵车|交通",
    "order": r"赌博|赌场|传销|黑社会|涉黑|打架|治安|盗窃|偷",
    "finance": r"兑付|恶性退出|立案|集资|理财|网贷|出借|本金|清退|车贷|财富|金服|跑路",
    "power": r"高压|电线|电塔|变电站|电力|[kK][vV]|千伏|万伏|停电|供电",
    "labour": r"工资|欠薪|社保|打工|劳动|加班|辞退|讨薪|农民工",
    "planning": r"规划|拆迁|征收|征地|改造|旧改|棚改|开工|动工|启动|建设|项目|安置",
    "park": r"公园|绿化|树木|绿地|景观",
    "property": r"物业|业委会|维修基金|电梯|小区管理|门禁",
    "utilities": r"停水|水压|自来水|燃气|天然气|供暖|暖气|供水|水质",
    "health": r"医院|医保|看病|药店|诊所|医生|卫生院",
    "benefit": r"补贴|补助|补偿|低保|养老金|退休|抚恤|救助|扶贫|贫困",
}
_PATTERNS = [re.compile(p) for p in KINDS.values()]
_BODY_CHARS = 100


def kinds_matrix(titles: Sequence[str], bodies: Sequence[str] | None = None) -> np.ndarray:
    """Boolean (messages x kinds): the kinds named in each title (or, when none, in the body's start)."""
    out = np.zeros((len(titles), len(_PATTERNS)), dtype=bool)
    for k, title in enumerate(titles):
        row = [bool(p.search(title)) for p in _PATTERNS]
        if not any(row) and bodies is not None:
            row = [bool(p.search(bodies[k][:_BODY_CHARS])) for p in _PATTERNS]
        out[k] = row
    return out


def kinds_disagree(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise: both rows name kinds and share none."""
    return a.any(axis=1) & b.any(axis=1) & ~(a & b).any(axis=1)


def profile_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of two kind profiles (counts of members naming each kind); 0.5 (unknown) when one is empty."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(a @ b) / (na * nb) if na and nb else 0.5
