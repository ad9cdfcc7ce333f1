"""Demo data written for minyi (not taken from any real platform): a city with two districts and two streets each,
departments and staff at each level, messages in every state spread over the levels by their places."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.accounts import jurisdiction_admin
from minyi.accounts import services as accounts
from minyi.core.clock import to_china, travel, utcnow
from minyi.departments import services as departments
from minyi.departments.models import Department
from minyi.hot.services import recompute_hot_issues
from minyi.jurisdictions import services as jurisdictions
from minyi.jurisdictions.models import Jurisdiction
from minyi.messages.channels import WEBSITE
from minyi.workflow import services as workflow
from minyi.workflow.actors import Actor
from minyi.workflow.intake import enter_message, submit_message

DEMO_ACTOR = "演示数据"  # the actor of the tree's audit lines

# The root (the installation's level, made by migration 0028) becomes the city; (name, level, parent, slug, areas,
# leaders). Area names are what the demo messages say: 幸福里小区 is in 青山街道, 和平里小区 in 东湖区 itself.
CITY = ("示范市", "city", None, "shifan", ["示范市"], ["书记", "市长"])
TREE: list[tuple[str, str, str | None, str, list[str], list[str]]] = [
    ("东湖区", "district", "示范市", "donghu", ["东湖区", "东湖", "和平里小区", "阳光花园"], ["书记", "区长"]),
    ("青山街道", "street", "东湖区", "qingshan", ["青山街道", "青山路", "幸福里小区"], []),
    ("滨江街道", "street", "东湖区", "binjiang", ["滨江街道", "滨江小区", "锦绣家园"], []),
    ("西山区", "district", "示范市", "xishan", ["西山区", "西山"], ["书记", "区长"]),
    ("枫林街道", "street", "西山区", "fenglin", ["枫林街道", "枫林路", "枫林小区"], []),
    ("石桥街道", "street", "西山区", "shiqiao", ["石桥街道", "石桥菜市场", "石桥村"], []),
]

# (name, parent department, domains, keywords, jurisdiction): city bureaus, district bureaus, street offices.
DEPARTMENTS: list[tuple[str, str | None, list[str], str, str]] = [
    ("示范市人民政府", None, [], "", "示范市"),
    ("市住房和城乡建设局", "示范市人民政府", ["城乡建设"], "物业,小区,房屋,施工,维修基金", "示范市"),
    ("市生态环境局", "示范市人民政府", ["环境保护"], "噪音,污染,排污,异味,油烟", "示范市"),
    ("市交通运输局", "示范市人民政府", ["交通运输"], "公交,出租车,道路,停车", "示范市"),
    ("市教育局", "示范市人民政府", ["教育文体"], "学校,入学,学位,培训", "示范市"),
    ("市人力资源和社会保障局", "示范市人民政府", ["劳动和社会保障"], "工资,社保,医保,养老", "示范市"),
    ("市卫生健康委员会", "示范市人民政府", ["卫生计生"], "医院,疫苗,诊所", "示范市"),
    ("市商务局", "示范市人民政府", ["商贸旅游"], "商场,景区,市场", "示范市"),
    ("东湖区人民政府", "示范市人民政府", ["其他"], "", "东湖区"),
    ("东湖区住房和城乡建设局", "东湖区人民政府", ["城乡建设"], "物业,小区,电梯,维修基金", "东湖区"),
    ("东湖区青山街道办事处", "东湖区人民政府", [], "青山街道", "青山街道"),
    ("东湖区滨江街道办事处", "东湖区人民政府", [], "滨江街道", "滨江街道"),
    ("西山区人民政府", "示范市人民政府", ["其他"], "", "西山区"),
    ("西山区人力资源和社会保障局", "西山区人民政府", ["劳动和社会保障"], "工资,社保", "西山区"),
    ("西山区枫林街道办事处", "西山区人民政府", [], "枫林街道", "枫林街道"),
    ("西山区石桥街道办事处", "西山区人民政府", [], "石桥街道", "石桥街道"),
]

# (username, display name, role, department, jurisdiction): the city's staff, then each level's.
STAFF: list[tuple[str, str, str, str | None, str]] = [
    ("admin", "系统管理员", "admin", None, "示范市"),
    ("coordinator", "受理员小王", "coordinator", None, "示范市"),
    ("supervisor", "督办员老李", "supervisor", None, "示范市"),
    ("zhujian", "住建局承办人", "handler", "市住房和城乡建设局", "示范市"),
    ("huanbao", "生态环境局承办人", "handler", "市生态环境局", "示范市"),
    ("jiaotong", "交通局承办人", "handler", "市交通运输局", "示范市"),
    ("jiaoyu", "教育局承办人", "handler", "市教育局", "示范市"),
    ("renshe", "人社局承办人", "handler", "市人力资源和社会保障局", "示范市"),
    ("donghu", "东湖区受理员", "coordinator", None, "东湖区"),
    ("donghu.zhujian", "东湖区住建局承办人", "handler", "东湖区住房和城乡建设局", "东湖区"),
    ("xishan", "西山区受理员", "coordinator", None, "西山区"),
    ("xishan.renshe", "西山区人社局承办人", "handler", "西山区人力资源和社会保障局", "西山区"),
    ("qingshan", "青山街道受理员", "coordinator", None, "青山街道"),
    ("qingshan.ban", "青山街道办事处承办人", "handler", "东湖区青山街道办事处", "青山街道"),
]


@dataclass(frozen=True)
class DemoMessage:
    """A demo message and what happened to it, day by day from `days_ago`."""

    title: str
    body: str
    kind: str
    domain: str | None
    place: str
    days_ago: float
    dept: str | None = None
    steps: tuple[tuple[str, str], ...] = ()  # (action, text) after assign: accept, reply, rate, reopen
    channel: str = WEBSITE  # another channel: entered by the coordinator (代录入) when it came in


_STREET_LIGHT = "感谢您的建议。经现场勘查，该路口已列入今年信号灯建设计划，预计下月底前完成安装并施划斑马线。如有疑问请拨打交通运输局咨询电话。"
MESSAGES: list[DemoMessage] = [
    DemoMessage(
        "建议在青年大道路口增设行人过街信号灯",
        "青年大道与文化路交叉口每天早晚高峰车流很大，附近有两所小学，孩子过马路非常危险。建议增设行人过街信号灯并施划斑马线。",
        "suggestion",
        "交通运输",
        "示范市青年大道与文化路交叉口",
        30,
        "市交通运输局",
        (("accept", ""), ("reply", _STREET_LIGHT), ("rate", "satisfied")),
    ),
    DemoMessage(
        "夜间施工噪音扰民，影响休息",
        "幸福里小区旁边的工地连续两周每天晚上十一点以后还在浇筑混凝土，噪音很大，老人孩子无法休息，希望有关部门尽快处理。",
        "complaint",
        "环境保护",
        "东湖区幸福里小区",
        12,
        "东湖区青山街道办事处",
        (
            ("accept", ""),
            (
                "reply",
                "经街道会同区生态环境部门现场核查，该工地未办理夜间施工许可，已责令其立即停止夜间施工并立案处理。今后如发现违规夜间施工，可随时拨打街道值班电话。",
            ),
        ),
    ),
    DemoMessage(
        "咨询小学入学需要准备哪些材料",
        "孩子今年九月上小学，我们是外地户籍在本市居住三年，想咨询需要准备哪些材料、什么时候报名。",
        "inquiry",
        "教育文体",
        "",
        9,
        "市教育局",
        (("accept", ""),),
    ),
    DemoMessage(
        "小区电梯经常故障困人",
        "阳光花园小区3栋电梯本月已经故障三次，上周还困了一位老人半个小时。物业一直说在报修，请住建部门督促物业尽快维修。",
        "complaint",
        "城乡建设",
        "东湖区阳光花园小区3栋",
        20,
        "东湖区住房和城乡建设局",
        (("accept", ""),),
    ),
    DemoMessage(
        "物业维修基金使用不公开",
        "我们小区去年动用了维修基金更换水泵，但业主一直看不到费用明细，请问维修基金的使用是否应当公示？",
        "inquiry",
        "城乡建设",
        "东湖区和平里小区",
        2,
        "东湖区住房和城乡建设局",
        (("accept", ""),),
    ),
    DemoMessage(
        "小区旁建筑垃圾长期堆放",
        "锦绣家园小区北门外空地上堆放了大量建筑垃圾，已经半年没人清理，夏天蚊虫很多，下雨还会堵塞排水沟。",
        "complaint",
        "城乡建设",
        "东湖区锦绣家园小区北门",
        1,
    ),
    DemoMessage(
        "表扬青山街道工作人员热心服务",
        "上个月我去街道办理居住证，工作人员耐心细致，还主动帮我复印材料，特此表扬，感谢你们的辛勤付出。",
        "praise",
        None,
        "东湖区青山街道",
        0.5,
    ),
    DemoMessage(
        "失业后社保如何继续缴纳",
        "我今年六月被公司裁员，目前还没有找到新工作，想问一下个人怎么继续缴纳社保，断缴会有什么影响？",
        "inquiry",
        "劳动和社会保障",
        "",
        0.3,
    ),
    DemoMessage(
        "公交12路发车间隔太长",
        "12路公交早上七点到八点之间经常要等二十多分钟，车上非常拥挤，希望增加早高峰班次。",
        "suggestion",
        "交通运输",
        "",
        0.2,
        channel="phone",
    ),
    DemoMessage(
        "燃气管道有异味疑似泄漏",
        "滨江小区5栋一楼楼道里这两天一直有很重的燃气味，已经打过燃气公司电话但还没人来，担心发生危险，请尽快处理！",
        "help",
        "城乡建设",
        "东湖区滨江小区5栋",
        0.1,
    ),
    DemoMessage(
        "老旧小区加装电梯申请流程",
        "我们是建于1995年的老旧小区，居民想加装电梯，请问申请流程是什么，政府有没有补贴？",
        "inquiry",
        "城乡建设",
        "东湖区和平里小区",
        16,
        "东湖区住房和城乡建设局",
        (
            ("accept", ""),
            (
                "reply",
                "您好，既有住宅加装电梯需经本单元业主表决同意后，向所在街道提交申请材料，审批通过后可申请财政补贴。具体材料清单可到街道便民服务中心领取。",
            ),
            ("rate", "unsatisfied"),
        ),
    ),
    DemoMessage(
        "幸福里小区旁工地半夜还在施工",
        "幸福里小区东侧的工地这几天夜里十二点还在打桩，噪音震得窗户响，孩子第二天还要上学，请管一管。",
        "complaint",
        "环境保护",
        "东湖区幸福里小区",
        4,
    ),
    DemoMessage(
        "工地夜间施工噪音大，投诉多次无果",
        "幸福里小区附近工地夜间施工的噪音问题已经反映过，最近又开始了，晚上根本睡不着，希望彻底解决。",
        "complaint",
        "环境保护",
        "东湖区幸福里小区",
        1.5,
    ),
    DemoMessage(
        "拖欠农民工工资三个月",
        "我们在西山区某工地干活，包工头已经拖欠我们十几个人三个月工资，多次讨要都说没钱，请劳动部门帮帮我们。",
        "help",
        "劳动和社会保障",
        "西山区",
        6,
        "西山区人力资源和社会保障局",
        (("accept", ""),),
        channel="visit",
    ),
    DemoMessage(
        "枫林路路灯连续一周不亮",
        "枫林路从枫林小区东门到公交站这一段的路灯已经一个星期不亮了，晚上下班走这段路很害怕，希望尽快修好。",
        "complaint",
        "城乡建设",
        "西山区枫林路",
        3,
    ),
    DemoMessage(
        "石桥菜市场门口占道经营",
        "石桥菜市场门口每天早上都有很多摊贩占道摆摊，电动车和行人挤在一起，经常堵住，希望管理一下。",
        "complaint",
        "商贸旅游",
        "西山区石桥菜市场",
        0.8,
    ),
]


def _replay(session: Session, item: DemoMessage, staff: DemoStaff, dept_id: int | None) -> None:
    """Submit the message `days_ago` and play its steps a day (or less) apart, with the clock set back: the
    coordinator of the case's jurisdiction (or the nearest one above) assigns it to a department of that level."""
    start = utcnow() - timedelta(days=item.days_ago)
    gap = timedelta(days=min(1.0, item.days_ago / (len(item.steps) + 2)))
    data = {
        "title": item.title,
        "body": item.body,
        "appeal_kind": item.kind,
        "domain": item.domain,
        "place_text": item.place,
    }
    with travel(start):
        if item.channel == WEBSITE:
            sub = submit_message(session, data=data, source="demo")
        else:  # the city's coordinator types it in as the call or the visit happens
            received = to_china(start).strftime("%Y-%m-%dT%H:%M")
            entry = data | {"channel": item.channel, "received_at": received}
            sub = enter_message(session, data=entry, actor=staff.coordinators[jurisdictions.ROOT_ID])
    handler = staff.handlers.get(dept_id) if dept_id is not None else None
    if dept_id is None or handler is None:
        return
    with travel(start + gap):
        coordinator = staff.coordinator_for(session, sub.case.jurisdiction_id)
        workflow.assign(session, actor=coordinator, case_id=sub.case.id, department_id=dept_id)
    for number, (action, text) in enumerate(item.steps, start=2):
        with travel(start + gap * number):
            if action == "accept":
                workflow.accept(session, actor=handler, case_id=sub.case.id)
            elif action == "reply":
                workflow.reply(session, actor=handler, case_id=sub.case.id, body=text)
            elif action == "rate":
                comment = "只说了流程，补贴标准没有说清楚。" if text == "unsatisfied" else ""
                workflow.rate(session, case=sub.case, level=text, comment=comment)


@dataclass
class DemoStaff:
    """The demo's acting staff: coordinators by jurisdiction id (the root's under ROOT_ID), handlers by department."""

    coordinators: dict[int, Actor]
    handlers: dict[int, Actor]

    def coordinator_for(self, session: Session, jurisdiction_id: int | None) -> Actor:
        """The coordinator of a jurisdiction, or of the nearest one above it that has one."""
        node = session.get(Jurisdiction, jurisdiction_id) if jurisdiction_id is not None else None
        chain = [] if node is None else [node, *reversed(jurisdictions.ancestors(session, node))]
        for place in chain:
            if place.id in self.coordinators:
                return self.coordinators[place.id]
        return self.coordinators[jurisdictions.ROOT_ID]


@dataclass
class DemoResult:
    """What the loader created; passwords are shown once."""

    created: bool
    logins: list[tuple[str, str, str]]


def _tree(session: Session) -> dict[str, Jurisdiction]:
    """The city (the root, renamed) and its districts and streets, each change in the account audit."""
    name, level, _parent, slug, areas, leaders = CITY
    city = jurisdiction_admin.edit(
        session,
        actor=DEMO_ACTOR,
        jurisdiction_id=jurisdictions.ROOT_ID,
        name=name,
        level=level,
        slug=slug,
        areas=areas,
        leaders=leaders,
    )
    nodes = {name: city}
    for name, level, parent, slug, areas, leaders in TREE:
        nodes[name] = jurisdiction_admin.add(
            session,
            actor=DEMO_ACTOR,
            parent_id=nodes[parent or CITY[0]].id,
            name=name,
            level=level,
            slug=slug,
            areas=areas,
            leaders=leaders,
        )
    return nodes


def load_demo(session: Session) -> DemoResult:
    """Load the demo set once; a second call changes nothing."""
    if session.scalar(select(func.count(Department.id))):
        return DemoResult(created=False, logins=[])
    tree = _tree(session)
    by_name: dict[str, Department] = {}
    for name, parent, domains, keywords, place in DEPARTMENTS:
        by_name[name] = departments.create_department(
            session,
            name=name,
            parent_id=by_name[parent].id if parent else None,
            domains=domains,
            keywords=keywords,
            jurisdiction_id=tree[place].id,
        )
    logins: list[tuple[str, str, str]] = []
    staff = DemoStaff(coordinators={}, handlers={})
    for username, display, role, dept, place in STAFF:
        password = accounts.generate_password()
        user = accounts.create_user(
            session,
            username=username,
            display_name=display,
            password=password,
            role=role,
            department_id=by_name[dept].id if dept else None,
            jurisdiction_id=tree[place].id,
        )
        if role == "coordinator":
            staff.coordinators[tree[place].id] = Actor.from_user(user)
        elif user.department_id is not None:
            staff.handlers[user.department_id] = Actor.from_user(user)
        logins.append((username, password, f"{display}（{place}）"))
    for item in MESSAGES:
        _replay(session, item, staff, by_name[item.dept].id if item.dept else None)
    recompute_hot_issues(session)  # the 热点问题 page has something to show from the first minute
    return DemoResult(created=True, logins=logins)
