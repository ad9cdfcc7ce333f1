"""Pages written for minyi in the layouts of real Chinese news portals, government sites and forums, with the
right answer for each (title, text, author, time). All content is invented; no page text is copied.

Layouts: a national news agency's article page, a party paper's page (time and source on one line, author in
<meta>), a local government portal (tables, no <h1>, 发布时间/来源/作者 line, the text in #zoom), a commercial
portal with a comment section, a Discuz thread (floors in tables) and a Tieba-like thread (title in <h3>).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

NEWS = [
    ("河西区春晖路排水管网改造下月开工", "林晓", "2024-05-12 09:30", (
        "青川市河西区春晖路一带多名居民反映，小区门前的排水管道年久失修，每逢下雨路面积水严重，老人和孩子出行不便。",
        "河西区住建局相关负责人表示，已将该路段排水改造列入今年计划，预计下月开工，工期约两个月，施工期间将设置临时便道。",
        "据了解，此次改造将新建雨水管道一千二百米，同步更换老化的检查井盖，完工后可基本解决该路段的积水问题。",
    )),
    ("东湖街道启用社区食堂 老人用餐可享补贴", "陈雨", "2024-03-08 17:05", (
        "东湖街道首家社区食堂近日开门迎客，六十岁以上老人凭社保卡就餐可享受每餐三元的补贴，八十岁以上老人补贴五元。",
        "食堂负责人介绍，每天提供两荤两素一汤的套餐，菜品由营养师搭配，行动不便的老人还可以预约送餐上门。",
        "街道计划年内再建两处社区食堂，覆盖辖区内所有老旧小区，让老人在家门口吃上热乎饭。",
    )),
    ("青川市新增三条公交线路 方便城北居民出行", "赵平", "2023-11-20 08:15", (
        "为解决城北新区居民出行难的问题，青川市公交公司自本月二十五日起新开三条公交线路，连接城北新区与市中心。",
        "新线路早晚高峰发车间隔为十分钟，平峰时段为十五分钟，全程票价二元，支持扫码乘车和公交卡。",
        "市交通运输局表示，将根据客流情况适时调整线路和班次，欢迎市民通过热线提出意见建议。",
    )),
    ("锦江镇开展农村饮水安全排查", "孙丽", "2024-07-02 11:40", (
        "入夏以来，锦江镇组织水务、卫健等部门对全镇十八个村的集中供水点开展饮水安全排查，共检测水样五十六份。",
        "排查发现两处供水点消毒设备运行不正常，镇里已责令限期整改，并安排专人每周复查一次。",
        "镇水务站提醒村民，如发现自来水浑浊、有异味，请及时拨打服务电话反映，工作人员将在二十四小时内到场处理。",
    )),
    ("市民服务中心推出周末延时服务", "周航", "2024-01-15 16:20", (
        "从本周起，青川市民服务中心在每周六上午增设延时服务窗口，办理社保、医保、不动产登记等四十余项常用业务。",
        "中心负责人说，不少上班族反映工作日没时间办事，延时服务就是为了解决这一难题，下一步还将推出预约办理。",
        "市民可以通过政务服务网或者手机小程序查询可办事项和所需材料，提前准备好材料可以节省排队时间。",
    )),
]  # fmt: skip
THREADS = [
    ("春晖路的路灯坏了一个多月没人修", (
        ("小李在河西", "2024-05-01 08:00", "春晖路东段的路灯坏了一个多月了，晚上走路黑漆漆的很危险，已经有人摔倒了，希望有关部门尽快修一下。"),
        ("路人甲", "2024-05-01 09:12", "同意，我每天下班都走这条路，真的很黑。"),
        ("老王头", "2024-05-01 10:30", "上周打过热线，说会派人来看，到现在也没动静。"),
    )),
    ("小区门口的菜市场占道经营太严重了", (
        ("东湖居民", "2024-06-10 19:45", "东湖小区北门外的菜市场摊位都摆到了马路上，早上上班开车根本过不去，还经常堵住消防通道。"),
        ("阿梅", "2024-06-10 20:03", "确实，周末更严重，救护车都进不来。"),
        ("城管老刘", "2024-06-11 08:20", "已经反映给街道了，听说下周会规划临时摊位区。"),
    )),
    ("咨询一下孩子入学需要准备哪些材料", (
        ("新青川人", "2024-04-18 21:10", "我们刚搬到城北新区，孩子今年九月上小学，请问办理入学登记需要准备户口本、房产证还是租房合同？"),
        ("热心网友", "2024-04-18 21:30", "租房的话要居住证和租赁备案，具体看教育局公告。"),
        ("过来人", "2024-04-19 07:55", "去年我们交的是户口本、居住证和预防接种证，提前去社区开证明。"),
    )),
]  # fmt: skip
MENU = "".join(
    f'<li><a href="/c/{n}/">{name}</a></li>' for n, name in enumerate(["首页", "时政", "地方", "民生", "视频"])
)
RELATED = "".join(
    f'<li><a href="/n/{n}.html">相关新闻标题第{n}条</a><span>2024-05-0{n}</span></li>' for n in range(1, 6)
)


@dataclass
class Gold:
    layout: str
    html: str
    title: str | None  # None: the page has no headline (a microblog post); right when none is given
    text: str
    author: str | None  # None: the page names no author; right when none is given
    published: str  # YYYY-MM-DDTHH:MM
    comments: tuple[tuple[str, str, str], ...] = ()  # (author, YYYY-MM-DDTHH:MM, text), in page order


def _paras(paras: tuple[str, ...], style: str = "") -> str:
    return "".join(f"<p{style}>{escape(p)}</p>" for p in paras)


def agency(title: str, author: str, when: str, paras: tuple[str, ...]) -> str:
    return f"""<html><head><meta charset="utf-8"><title>{title}-青川通讯社</title></head><body>
<div class="header"><div class="logo">青川通讯社</div><ul class="nav">{MENU}</ul></div>
<div id="wrapper"><div class="crumbs"><a href="/">首页</a> &gt; <a href="/local/">地方</a> &gt; 正文</div>
<h1 id="title">{escape(title)}</h1><div class="info"><span class="time">{when}:00</span>
<span class="source">来源：青川通讯社</span><span class="author">记者：{author}</span></div>
<div id="detail">{_paras(paras)}<p class="editor">【责任编辑：吴涛】</p></div>
<div class="share">分享到：微信 微博 QQ空间</div><div class="related"><h3>相关阅读</h3><ul>{RELATED}</ul></div></div>
<div class="footer">青川通讯社版权所有 未经授权禁止转载</div></body></html>"""


def party_paper(title: str, author: str, when: str, paras: tuple[str, ...]) -> str:
    date, clock = when.split()
    y, m, d = date.split("-")
    return f"""<html><head><meta charset="utf-8"><meta name="author" content="{author}">
<title>{title}--青川日报网</title></head><body><div id="topbar"><a href="/">青川日报网</a> | 登录 | 注册</div>
<div class="layout rm_txt"><div class="col col-1 fl"><div class="route"><a href="/">首页</a>&gt;&gt;<a href="/sh/">社会</a></div>
<h1>{escape(title)}</h1><div class="col-1-1 fl">{y}年{m}月{d}日{clock} | 来源：青川日报</div>
<div class="rm_txt_con">{_paras(paras, ' style="text-indent: 2em;"')}
<div class="edit">(责编：郑宁、何方)</div></div></div>
<div class="col col-2 fr"><div class="rank"><h2>点击排行</h2><ul>{RELATED}</ul></div></div></div>
<div class="foot">青川日报社概况 | 关于我们 | 招聘英才 | 广告服务</div></body></html>"""


def gov_portal(title: str, author: str, when: str, paras: tuple[str, ...]) -> str:
    return f"""<html><head><meta charset="utf-8"><title>{title}_青川市人民政府</title></head><body>
<table width="100%" class="top"><tr><td><img src="/logo.png" alt="青川市人民政府"></td><td>{MENU}</td></tr></table>
<table width="1000" align="center"><tr><td class="position">您当前的位置：首页 &gt; 政务公开 &gt; 工作动态</td></tr>
<tr><td class="bt" align="center" style="font-size:22px"><b>{escape(title)}</b></td></tr>
<tr><td align="center" class="fbxx">发布时间：{when}&nbsp;&nbsp;来源：市政府办公室&nbsp;&nbsp;作者：{author}&nbsp;&nbsp;浏览次数：1287
&nbsp;&nbsp;【字体：大 中 小】</td></tr>
<tr><td><div id="zoom">{_paras(paras)}</div></td></tr>
<tr><td class="tools">【打印本页】 【关闭窗口】</td></tr></table>
<div class="bottom">主办：青川市人民政府办公室 网站标识码：0000000000 ICP备00000000号</div></body></html>"""


def portal(title: str, author: str, when: str, paras: tuple[str, ...]) -> str:
    date, clock = when.split()
    y, m, d = date.split("-")
    comments = "".join(
        f'<div class="comment-item"><div class="user"><a href="/u/{n}">网友{n}号</a></div><div class="t">'
        f'{date} 2{n}:00</div><div class="txt">这是第{n}条网友评论，说的是自己小区附近的情况。</div></div>'
        for n in range(1, 4)
    )
    return f"""<html><head><meta charset="utf-8"><title>{title}|青川热线</title>
<meta property="og:title" content="{title}"></head><body><div class="top-nav">{MENU}</div>
<div class="main-content w1240"><h1 class="main-title">{escape(title)}</h1>
<div class="date-source"><span class="date">{y}年{m}月{d}日 {clock}</span> <a class="source" href="/">青川晚报</a></div>
<div class="article" id="article">{_paras(paras)}<p class="article-editor">责任编辑：{author}</p></div>
<div class="comment-area"><h2>热门评论</h2><div class="comment-list">{comments}</div></div></div>
<div class="side"><h2>热门推荐</h2><ul>{RELATED}</ul></div><div class="footer">客户服务热线 | 违法和不良信息举报</div></body></html>"""


def discuz(title: str, posts: tuple[tuple[str, str, str], ...]) -> str:
    floors = "".join(
        f'<div id="post_{n}"><table class="plhin"><tr><td class="pls"><div class="authi"><a href="/space-uid-{n}.html"'
        f' class="xw1">{escape(u)}</a></div></td><td class="plc"><div class="pi"><strong>{n}#</strong>'
        f'<em>发表于 {t}</em></div><div class="pct"><table><tr><td class="t_f" id="postmessage_{n}">{escape(x)}</td>'
        f'</tr></table></div><div class="po">回复 支持 反对 举报</div></td></tr></table></div>'
        for n, (u, t, x) in enumerate(posts, start=1)
    )
    return f"""<html><head><meta charset="utf-8"><title>{title} - 民生话题 - 青川论坛</title></head><body>
<div id="hd"><div class="nav">{MENU}</div></div><div id="pt"><a href="/">青川论坛</a> › 民生话题</div>
<div id="ct"><h1 class="ts"><span id="thread_subject">{escape(title)}</span></h1>
<div id="postlist">{floors}</div><div class="pg"><strong>1</strong><a href="?page=2">2</a>
<a href="?page=2" class="nxt">下一页</a></div></div><div id="ft">Powered by 论坛程序 © 2024</div></body></html>"""


def tieba(title: str, posts: tuple[tuple[str, str, str], ...]) -> str:
    floors = "".join(
        f'<div class="l_post j_l_post"><div class="d_author"><ul class="p_author"><li class="d_name">'
        f'<a class="p_author_name" href="/home/main?un={n}">{escape(u)}</a></li></ul></div>'
        f'<div class="d_post_content_main"><div class="d_post_content j_d_post_content">{escape(x)}</div>'
        f'<div class="core_reply"><span class="tail-info">{n}楼</span><span class="tail-info">{t}</span></div></div></div>'
        for n, (u, t, x) in enumerate(posts, start=1)
    )
    return f"""<html><head><meta charset="utf-8"><title>{title}_青川吧_贴吧</title></head><body>
<div class="search_main"><a href="/">贴吧首页</a> <input name="kw"></div><div class="card_title">青川吧 关注 12345</div>
<div class="core_title"><h3 class="core_title_txt" title="{title}">{escape(title)}</h3></div>
<div id="j_p_postlist" class="p_postlist">{floors}</div><div class="right_section"><h4>贴吧热议榜</h4><ul>{RELATED}</ul></div>
</body></html>"""


def pages() -> list[Gold]:
    """Every page with its right answer: 5 articles in 4 news layouts, 3 threads in 2 forum layouts."""
    out = []
    for layout in (agency, party_paper, gov_portal, portal):
        for title, author, when, paras in NEWS:
            html = layout(title, author, when, paras)
            out.append(Gold(layout.__name__, html, title, "\n".join(paras), author, when.replace(" ", "T")))
    for forum in (discuz, tieba):
        for title, posts in THREADS:
            author, when, text = posts[0]
            out.append(Gold(forum.__name__, forum(title, posts), title, text, author, when.replace(" ", "T")))
    return out
