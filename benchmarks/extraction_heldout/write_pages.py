"""Writes the held-out extraction set: 25 pages in 5 layouts that minyi's rules were NOT written against, each with
its right answer (title, author, time, main text, comments) in gold.json — written before any extractor was run on
them (see README.md in this folder for the commit). All content is invented for minyi; no page text is copied.

Layouts (markup styles of real Chinese sites, none of them among benchmarks/extraction_pages.py's six):
- wechat:   a public-account article (公众号文章): title in h1.rich_media_title, author and account in spans, time in
            em#publish_time, the text in <section>/<span> inside #js_content rather than in <p>, an editor line last.
- metro:    a commercial news portal: 本报讯（记者 …）lead, time and source on one line, 责任编辑 box, a 跟贴 comment
            list (user, place, time, text, 顶/回复).
- floors:   a community forum with floors named 楼主/沙发/板凳/N楼 in <li>, dates without zero padding, quotes of an
            earlier floor inside a reply (the quote is not the reply's own text).
- govqa:    a government Q&A page (网上问政 / 书记信箱): a table of 信件标题 / 来信人 / 来信时间 / 信件内容, the
            department's answer (回复单位 / 回复时间 / 回复内容) in a second table — the answer counts as a comment.
- weibo:    a microblog post page: no headline (title: null), author as a nickname link, time shown as 5月12日 09:30
            with the full date only in the link's title attribute, comments as 昵称：text lines.

    python benchmarks/extraction_heldout/write_pages.py   # rewrites pages/*.html and gold.json
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --- content (invented) -------------------------------------------------------------------------------------------
WECHAT = [
    ("云岭区这12个口袋公园建成开放，快来看看有没有你家附近的", "苏晴", "2025-03-18 18:02", (
        "春天来了，散步去哪儿？记者从云岭区城市管理局获悉，今年首批12个口袋公园已经全部建成，本周起陆续向市民开放。",
        "这些口袋公园大多利用街角闲置地块和拆违后的空地改造而成，面积从三百平方米到两千平方米不等，步行五分钟就能走到。",
        "园内设置了健身步道、儿童游乐区和休息座椅，部分公园还配建了公共厕所和直饮水点，方便周边居民和环卫工人使用。",
        "城管局相关负责人表示，下半年还将启动第二批口袋公园建设，市民可以通过“白石发布”后台留言推荐身边的闲置空地。",
    )),
    ("@所有家长 白石市2025年义务教育招生政策发布", None, "2025-04-02 20:30", (
        "4月2日，白石市教育局发布2025年义务教育阶段招生入学政策，小学一年级和初中一年级招生工作将于5月启动。",
        "今年继续实行网上报名，适龄儿童家长可在5月8日至5月20日登录市教育局招生平台填报信息，无需到学校现场排队。",
        "随迁子女入学需提供居住证或居住登记凭证、父母一方的务工或经营证明，相关材料可以在社区服务中心开具。",
        "对招生政策有疑问的家长，可在工作日拨打各区教育局咨询电话，也可以在本公众号后台留言，我们将汇总后统一答复。",
    )),
    ("暴雨蓝色预警！白石今夜到明天有大到暴雨，出行注意安全", "气象台 方远", "2025-06-21 16:45", (
        "白石市气象台6月21日16时发布暴雨蓝色预警信号：预计今天夜间到明天白天，我市大部分地区有大到暴雨，局地大暴雨。",
        "受强降雨影响，城区低洼路段可能出现积水，山区乡镇发生山洪和地质灾害的风险较高，请相关单位做好防范工作。",
        "气象部门提醒市民尽量减少外出，驾车途经积水路段时请绕行，切勿冒险涉水，户外作业人员请及时撤离到安全地带。",
    )),
    ("槐荫街道“邻里议事厅”开张，居民的事居民商量着办", "林小满", "2025-05-09 11:20", (
        "老旧小区加装电梯怎么分摊费用？楼道里的杂物谁来清理？这些让居民头疼的事，如今在槐荫街道有了商量的地方。",
        "5月8日，槐荫街道首个“邻里议事厅”在西苑社区揭牌，每月第二个周六上午开门，由社区书记、物业和居民代表共同参加。",
        "第一次议事会上，二十多位居民围绕停车难问题提出了意见，最终商定在小区东侧空地划出三十个临时车位，按月轮换使用。",
        "街道负责人说，议事厅的每一条意见都会登记建档，能当场解决的当场解决，需要上级部门协调的会在一个月内给出答复。",
    )),
    ("白石市公积金新政：租房提取额度提高，7月1日起执行", None, "2025-06-28 09:00", (
        "白石市住房公积金管理中心近日发布通知，自7月1日起提高租房提取住房公积金的额度，单身职工每月最高可提取一千二百元。",
        "已婚职工夫妻双方每月合计最高可提取两千元，多子女家庭在此基础上再上浮百分之二十，提取周期可以按月或者按季度选择。",
        "职工可以通过手机公积金服务平台在线办理租房提取，系统审核通过后，资金一般在三个工作日内到达本人银行账户。",
    )),
]  # fmt: skip

METRO = [
    ("白石西站改造完工 出租车上客点挪到了地下一层", "王强", "2025-01-14 07:55:12", (
        "本报讯（记者 王强 通讯员 李明）经过八个月的施工，白石西站站前广场改造工程近日完工，旅客出站后的换乘路线有了变化。",
        "据介绍，原来设在站前广场东侧的出租车上客点已经挪到地下一层，旅客出站后沿着绿色指示牌乘电梯下行即可到达。",
        "站前广场地面部分全部改为步行区域，增设了遮雨长廊和三百多个座椅，网约车上客点则设在西侧停车场二号区域。",
        "车站工作人员提醒，春运期间客流较大，旅客最好提前规划好出行路线，也可以拨打车站服务电话咨询换乘信息。",
    ), (
        ("qc_风吹麦浪", "四川省白石市", "2025-01-14 08:20:31", "昨天刚去过，指示牌确实清楚多了，就是电梯有点少，拖着箱子排了好久。"),
        ("西站老司机", "四川省白石市", "2025-01-14 09:02:47", "出租车挪到地下以后终于不用在广场上绕圈了，早该这么改。"),
        ("路过的小张", "重庆市", "2025-01-14 12:15:03", "希望地下一层多装几个出风口，夏天等车的时候太闷了。"),
    )),
    ("云岭区首批“共享菜园”认领火爆 百块小菜地一天被抢光", "刘佳", "2025-03-03 15:40:00", (
        "本报讯（记者 刘佳）“我家认领的是第十七号，准备种点小白菜和番茄。”3月2日上午，家住云岭区北苑小区的陈阿姨笑着说。",
        "当天，云岭区首批“共享菜园”开放认领，一百块每块约六平方米的小菜地，不到一天时间就被附近居民全部认领完毕。",
        "共享菜园由街道利用一块闲置多年的荒地改造而成，认领者每年只需交纳少量水费，种出的蔬菜归认领家庭所有。",
    ), (
        ("爱种菜的李姐", "四川省白石市", "2025-03-03 16:05:19", "没抢到，能不能再多开一批？我们小区好多老人都想要。"),
        ("北苑居民", "四川省白石市", "2025-03-03 18:47:52", "这个主意好，荒地总比堆垃圾强，就是要管好浇水的时间，别一大早吵到人。"),
    )),
    ("记者调查：老旧小区加装电梯为何“卡”在低层住户", "赵新宇", "2024-11-26 10:12:08", (
        "本报记者 赵新宇 近日，多位读者向本报反映，所住小区加装电梯的方案迟迟无法通过，主要原因是一楼和二楼住户不同意。",
        "记者走访了城区五个老旧小区发现，低层住户担心的主要是采光、噪声和房屋价值受影响，而高层住户更关心出行方便。",
        "白石市住建局相关负责人表示，今年出台的加装电梯指导意见明确了补偿协商的办法，街道和社区可以组织双方调解。",
        "业内人士建议，在设计阶段就充分听取低层住户的意见，比如调整电梯井的位置、采用透光材料，能减少不少矛盾。",
    ), ()),
    ("白石至东川城际公交开通 票价12元全程约一小时", "孙悦", "2025-02-10 17:30:45", (
        "本报讯（记者 孙悦）2月10日起，白石至东川城际公交正式开通运营，两地居民往来多了一种实惠便捷的选择。",
        "城际公交从白石客运中心发车，途经云岭、槐荫等六个站点，终点为东川汽车站，全程约一小时，票价十二元。",
        "首末班时间为早上六点半和晚上七点半，平均每三十分钟一班，乘客可以使用两地的公交卡或者手机扫码乘车。",
    ), (
        ("东川人在白石", "四川省白石市", "2025-02-10 18:02:11", "终于开了！以前回家要转两趟车，现在一趟就到。"),
        ("追风少年", "四川省东川市", "2025-02-10 19:45:30", "末班车能不能再晚一点，下班赶不上啊。"),
        ("青梅煮酒", "四川省白石市", "2025-02-11 07:10:26", "周末试了一下，车很新，司机也很耐心，点赞。"),
    )),
    ("冬季供暖首日 云岭区开通24小时报修热线", "周明", "2024-11-15 11:05:37", (
        "本报讯（记者 周明）11月15日，白石市城区正式开始冬季供暖，云岭区供热公司同步开通了二十四小时报修热线。",
        "供热公司负责人介绍，供暖初期管网需要排气，部分用户家中暖气可能出现不热或者有响声的情况，属于正常现象。",
        "如果三天后暖气仍然不热，用户可以拨打报修热线，维修人员将在接到报修后的四小时内上门检查处理。",
    ), (
        ("怕冷的猫", "四川省白石市", "2024-11-15 12:30:48", "我家暖气片还是凉的，打了电话说今天下午来看，希望靠谱。"),
    )),
]  # fmt: skip

FLOORS = [
    ("小区楼下烧烤摊每天吵到凌晨两点，有人管吗", (
        ("失眠的阿杰", "2025-5-3 23:48", "我住槐荫街道花溪苑三栋，楼下那家烧烤摊每天晚上都营业到凌晨两点多，划拳喝酒的声音特别大，油烟也直往楼上飘，家里老人孩子都睡不好。打过几次电话，来了人说一下就走了，第二天照旧。", None),
        ("花溪苑业主", "2025-5-4 0:12", "同一栋的，太理解了，窗户都不敢开。", None),
        ("路人乙", "2025-5-4 8:35", "可以找社区网格员，让他们联合城管一起处理。", None),
        ("阿杰的邻居", "2025-5-4 9:02", "上个月反映过，说是在办理手续，也没下文。", ("路人乙", "可以找社区网格员，让他们联合城管一起处理。")),
    )),
    ("求助：云岭区哪里可以办理老年人优待证", (
        ("北漂回家的小周", "2025-3-12 10:05", "我爸今年满六十五岁了，听说可以办老年人优待证，坐公交和去公园都能免费。请问在云岭区要去哪里办？需要带什么材料？在线等，谢谢各位。", None),
        ("热心肠大姐", "2025-3-12 10:30", "带身份证和一张一寸照片去户籍所在的社区就可以办，当场就能拿到。", None),
        ("云岭老住户", "2025-3-12 11:47", "现在手机上也能申请，电子优待证和实体证一样用。", None),
    )),
    ("建议在白石二中门口增设一个红绿灯", (
        ("骑车的王老师", "2025-4-21 7:58", "白石二中门口的路每天早上七点到七点半学生最多，来往车辆开得很快，又没有红绿灯，学生过马路全靠家长和保安拦车，非常危险。建议交警部门尽快在校门口增设一个人行横道信号灯。", None),
        ("二中家长", "2025-4-21 8:20", "强烈支持！我每天送孩子都提心吊胆的。", None),
        ("老司机阿强", "2025-4-21 12:06", "可以先装个减速带，红绿灯审批估计要等很久。", ("二中家长", "强烈支持！我每天送孩子都提心吊胆的。")),
    )),
    ("晒晒我们小区新改造的健身广场", (
        ("跑步的老刘", "2025-6-2 19:20", "西苑小区的健身广场上个月改造完了，地面换成了塑胶，新装了十几件健身器材，晚上还有路灯。每天吃完饭下来走几圈，邻居们都说比以前舒服多了，给社区点个赞。", None),
        ("西苑小丽", "2025-6-2 20:01", "确实不错，就是跳广场舞的音响能不能小声一点。", None),
    )),
    ("东川路的共享单车乱停乱放，人行道都走不了", (
        ("上班族小陈", "2025-7-8 8:44", "东川路地铁站出口附近每天早上都堆满了共享单车，有的直接横在人行道中间，推婴儿车和坐轮椅的根本过不去。希望相关部门和单车公司管一管，划好停放区域，定时清理。", None),
        ("婴儿车妈妈", "2025-7-8 9:15", "我每天推车过去都要绕到机动车道上，太危险了。", None),
        ("单车运维", "2025-7-8 11:32", "我们每天都有人去清理，但是高峰期确实来不及，已经在申请增加停放点了。", None),
        ("上班族小陈", "2025-7-8 12:10", "希望尽快落实，谢谢回复。", ("单车运维", "我们每天都有人去清理，但是高峰期确实来不及，已经在申请增加停放点了。")),
    )),
]  # fmt: skip

GOVQA = [
    ("关于槐荫路公交站台顶棚破损的反映", "张**", "2025-04-11 09:23:45", (
        "槐荫路与西苑街交叉口的公交站台顶棚破了一个大洞，已经两个多月了，下雨天等车的乘客只能撑伞站在站台里，",
        "站台的座椅也有两块木板松动，坐上去摇摇晃晃，老人很容易摔倒。希望有关部门尽快派人维修，谢谢。",
    ), ("白石市公共交通集团有限公司", "2025-04-16 15:10:02", "您好！您反映的槐荫路公交站台破损问题已收悉。经现场核实，该站台顶棚和座椅确有破损，我公司已安排维修班组于4月15日完成顶棚更换和座椅加固。感谢您对城市公共交通的关心和支持。")),
    ("云岭区北苑小区附近工地夜间施工扰民", "李**", "2025-05-20 22:41:08", (
        "北苑小区南侧的建筑工地连续一周每天晚上施工到十一点以后，搅拌车和打桩的声音非常大，",
        "小区里很多是上班族和学生，晚上根本休息不好。请问这个工地有没有办理夜间施工许可？希望相关部门能够管一管。",
    ), ("云岭区住房和城乡建设局", "2025-05-23 10:30:00", "网友您好！经查，该工地未办理夜间施工许可。我局已于5月21日对施工单位进行约谈并责令整改，要求其严格遵守作业时间，晚上十点后不得进行产生噪声的施工。如再次发生夜间施工扰民，欢迎继续反映或拨打值班电话。")),
    ("咨询灵活就业人员缴纳医保的办理流程", "王**", "2025-02-27 14:05:33", (
        "本人去年从单位离职，目前属于灵活就业，想以个人身份继续缴纳职工医保。",
        "请问需要到哪里办理？每月缴费多少？之前单位缴纳的年限能不能接续计算？",
    ), ("白石市医疗保障局", "2025-03-03 09:15:40", "您好！灵活就业人员可以携带身份证到户籍所在地或居住地的医保经办窗口办理参保登记，也可以通过白石医保手机平台在线办理。缴费基数可以在全市上年度职工平均工资的百分之六十至百分之三百之间自行选择。您在原单位的缴费年限可以累计计算。")),
    ("建议在东川路口设置非机动车左转待行区", "陈**", "2025-06-05 08:12:19", (
        "东川路与槐荫路交叉口早晚高峰电动车特别多，左转的电动车和直行的汽车抢道现象严重，上个月还发生过剐蹭事故。",
        "建议交警部门参考其他城市的做法，在该路口设置非机动车左转待行区，并在信号灯上增加非机动车专用相位。",
    ), ("白石市公安局交通警察支队", "2025-06-12 16:45:21", "感谢您的建议！我支队已组织技术人员对该路口进行了实地勘察，经研究，拟于7月底前在该路口施划非机动车左转待行区，并对信号配时进行优化。施工期间请注意交通安全。")),
    ("西苑社区养老服务中心什么时候开放", "匿名", "2025-07-15 19:30:00", (
        "听说西苑社区的养老服务中心去年就建好了，但是到现在大门一直锁着。",
        "社区里独居老人很多，很需要日间照料和助餐服务，请问这个中心什么时候能够正式开放？",
    ), None),
]  # fmt: skip

WEIBO = [
    ("白石吃货小分队", "2025-05-12 09:30", "#白石身边事# 槐荫路菜市场门口那个下水道井盖又松了，今天早上一辆电动车压上去差点翻了，太吓人了，@白石城管 麻烦派人看一下吧！", (
        ("槐荫街坊", "2025-05-12 09:41", "上个月就松过一次，修了没几天又这样。"),
        ("白石城管", "2025-05-12 10:15", "您好，已转给槐荫街道中队，今天上午派人到现场处理。"),
    )),
    ("云岭小鹿", "2025-03-28 21:07", "今天带孩子去新开的云岭图书馆，环境真的太好了，儿童阅览区有绘本还有讲故事活动，就是周末人有点多，建议多开几个自助借还机。", (
        ("书虫一枚", "2025-03-28 21:20", "同感！周六下午排队还书排了二十分钟。"),
        ("白石阅读推广", "2025-03-29 09:02", "谢谢建议，已经反馈给馆方了。"),
        ("图书馆常客", "2025-03-29 12:48", "工作日去人少很多，推荐。"),
    )),
    ("东川路打工人", "2025-06-30 07:52", "东川路地铁站B口的电梯又停了，这个月已经第三次了，扛着箱子爬楼梯真的顶不住，地铁公司能不能给个说法？", ()),
    ("西苑阿婆的孙女", "2025-04-05 14:33", "我奶奶八十二岁一个人住在西苑小区，社区的志愿者每周都来帮她打扫卫生、陪她聊天，今天还给她量了血压。谢谢你们，真的很温暖。", (
        ("暖心志愿者", "2025-04-05 15:10", "这是我们应该做的，奶奶身体健康最重要！"),
    )),
    ("骑行的阿飞", "2025-07-19 18:26", "白石滨河绿道云岭段有好几处路面开裂，还有树根把地砖顶起来了，晚上骑车看不清很容易摔，希望有关部门尽快修补，再加几盏路灯。", (
        ("夜跑爱好者", "2025-07-19 19:03", "确实，上周我就在那里崴了脚。"),
        ("绿道管理处", "2025-07-20 10:30", "感谢反映，我们已安排人员核查，将尽快组织维修。"),
    )),
]  # fmt: skip


# --- layouts ------------------------------------------------------------------------------------------------------
NAV = "".join(f'<a href="/c/{n}/">{w}</a>' for n, w in enumerate(["首页", "要闻", "本地", "民生", "财经", "图片"]))
HOT = "".join(f'<li><em>{n}</em><a href="/hot/{n}.html">本周热门话题标题第{n}条</a></li>' for n in range(1, 9))


def wechat(title: str, author: str | None, when: str, paras: tuple[str, ...]) -> str:
    by = f'<span class="rich_media_meta rich_media_meta_text">{escape(author)}</span>' if author else ""
    body = "".join(
        f'<section style="margin: 0 8px 24px;line-height: 1.75em;"><span style="font-size: 15px;color: #333;">'
        f"{escape(p)}</span></section>"
        + (
            '<section style="text-align:center;"><img data-src="/mmbiz/pic.jpg" style="width:100%"></section>'
            if i == 1
            else ""
        )
        for i, p in enumerate(paras)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1.0">
<meta property="og:title" content="{escape(title)}"><meta property="og:type" content="article">
<title>{escape(title)}</title></head><body id="activity-detail" class="zh_CN">
<div id="js_article" class="rich_media"><div class="rich_media_inner"><div id="page-content" class="rich_media_area_primary">
<div class="rich_media_area_primary_inner"><div id="img-content" class="rich_media_wrp">
<h1 class="rich_media_title" id="activity-name">
            {escape(title)}
</h1>
<div id="meta_content" class="rich_media_meta_list">
<span id="copyright_logo" class="wx_tap_link js_wx_tap_highlight rich_media_meta icon_appmsg_tag appmsg_title_tag">原创</span>
{by}
<span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a href="javascript:void(0);" id="js_name">白石发布</a></span>
<span class="rich_media_meta rich_media_meta_text"><em id="publish_time" class="rich_media_meta rich_media_meta_text">{when}</em></span>
<span class="rich_media_meta rich_media_meta_text" id="js_ip_wording_wrp">发表于<span id="js_ip_wording">四川</span></span>
</div>
<div class="rich_media_content js_underline_content" id="js_content" style="visibility: visible;">
<section style="text-align:center;"><img data-src="/mmbiz/head.jpg" style="width:100%"></section>
{body}
<section style="font-size: 12px;color: #888;"><span>来源：白石发布综合</span><br><span>编辑：何静　审核：刘洋</span></section>
</div>
<div class="rich_media_tool" id="js_toobar3"><span id="readNum3">阅读 2.1万</span> <span>赞 318</span> <span>在看 57</span></div>
</div></div></div>
<div class="qr_code_pc"><p>微信扫一扫<br>关注该公众号</p></div></div></div></body></html>"""


def metro(
    title: str, author: str, when: str, paras: tuple[str, ...], comments: tuple[tuple[str, str, str, str], ...]
) -> str:
    text = "".join(
        f"<p>　　{escape(p)}</p>" + ('<p class="f_center"><img src="/photo/1.jpg"><br>现场图片</p>' if i == 0 else "")
        for i, p in enumerate(paras)
    )
    replies = "".join(
        f'<div class="reply" id="tie-{n}"><div class="reply-hd"><span class="reply-user"><a href="/user/{n}">{escape(u)}</a></span>'
        f'<span class="reply-from">[{escape(place)}网友]</span><span class="reply-time">{t}</span></div>'
        f'<div class="reply-bd"><p>{escape(x)}</p></div><div class="reply-ft"><a>顶[{n * 7}]</a> <a>回复</a> <a>分享</a></div></div>'
        for n, (u, place, t, x) in enumerate(comments, start=1)
    )
    tie = (
        f'<div class="post_comment" id="post_comment_area"><div class="tie-titlebar"><h3>热门跟贴</h3>'
        f'<span>跟贴 <em>{len(comments) * 41}</em> 人参与</span></div><div class="tie-list">{replies}</div>'
        '<div class="tie-more"><a href="/tie/">查看全部跟贴</a></div></div>'
        if comments
        else ""
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}_白石网新闻</title>
<meta name="keywords" content="白石,民生"><meta name="description" content="{escape(paras[0][:60])}"></head><body>
<div class="ns_area list"><div class="N-nav-channel">{NAV}</div><div class="N-nav-bottom">登录 | 注册 | 客户端</div></div>
<div class="post_wrap"><div class="post_main">
<div class="post_crumb"><a href="/">白石网</a> &gt; <a href="/local/">本地新闻</a> &gt; 正文</div>
<h1 class="post_title">{escape(title)}</h1>
<div class="post_info">{when}　来源: <a href="/">白石晚报</a> <a class="post_jubao" href="/jubao">举报</a></div>
<div class="post_body">{text}
<div class="post_author"><img src="/logo-s.png" alt="白石网">本文来源：白石晚报<br>责任编辑：李青_NB5678</div></div>
{tie}
</div><div class="post_side"><div class="post_side_mod"><h4>热点排行</h4><ul>{HOT}</ul></div></div></div>
<div class="N-footer">关于白石网 | 广告服务 | 联系我们 | 白石网版权所有</div></body></html>"""


FLOOR_NAMES = ("楼主", "沙发", "板凳", "地板")


def floors(title: str, posts: tuple[tuple[str, str, str, tuple[str, str] | None], ...]) -> str:
    items = []
    for n, (user, when, text, quote) in enumerate(posts, start=1):
        label = FLOOR_NAMES[n - 1] if n <= len(FLOOR_NAMES) else f"{n}楼"
        quoted = (
            f'<blockquote class="quote"><p>引用 <b>{escape(quote[0])}</b> 的回复：</p><p>{escape(quote[1])}</p></blockquote>'
            if quote
            else ""
        )
        items.append(
            f'<li class="floor" id="floor-{n}"><div class="floor-user"><img class="avatar" src="/avatar/{n}.png">'
            f'<a class="uname" href="/u/{1000 + n}">{escape(user)}</a>'
            + ('<span class="badge lz">楼主</span>' if n == 1 else "")
            + f'<span class="level">Lv.{n + 2}</span></div><div class="floor-main"><div class="floor-meta">'
            f'<span class="floor-no">{label}</span><span class="post-date">发表于 {when}</span></div>'
            f'<div class="floor-content">{quoted}{escape(text)}</div>'
            f'<div class="floor-ops"><a href="#reply">回复</a><a href="#like">点赞({n * 3})</a><a href="#report">举报</a></div>'
            "</div></li>"
        )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}-河西生活-白石社区</title></head>
<body><div class="header"><a class="logo" href="/">白石社区</a><div class="menu">{NAV}</div><div class="login">登录 注册</div></div>
<div class="bread">白石社区 &gt; 河西生活 &gt; 正文</div>
<div class="thread-wrap"><div class="thread-head"><h2 class="thread-title">{escape(title)}</h2>
<div class="thread-stat">查看: {len(posts) * 517} | 回复: {len(posts) - 1}</div></div>
<ul class="floor-list">{"".join(items)}</ul>
<div class="reply-box"><textarea placeholder="说点什么吧"></textarea><button>发表回复</button></div></div>
<div class="sidebar"><h4>本版热帖</h4><ul>{HOT}</ul></div>
<div class="footer">白石社区 © 2025 | 联系管理员</div></body></html>"""


def govqa(title: str, author: str, when: str, paras: tuple[str, ...], reply: tuple[str, str, str] | None) -> str:
    answer = (
        f"""<table class="wz-table wz-reply" cellpadding="0" cellspacing="0">
<tr><th>回复单位</th><td>{escape(reply[0])}</td><th>回复时间</th><td>{reply[1]}</td></tr>
<tr><th>回复内容</th><td colspan="3" class="wz-content">{escape(reply[2])}</td></tr></table>"""
        if reply
        else '<div class="wz-wait">该信件正在办理中，请耐心等待。</div>'
    )
    status = "已办结" if reply else "办理中"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{escape(title)}_网上问政_白石市人民政府</title></head><body>
<div class="top"><img src="/images/banner.jpg" alt="白石市人民政府"><div class="nav">{NAV}</div></div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/hdjl/">互动交流</a> &gt; 网上问政</div>
<div class="wz-box"><div class="wz-head">信件详情</div>
<table class="wz-table" cellpadding="0" cellspacing="0">
<tr><th width="15%">信件标题</th><td colspan="3">{escape(title)}</td></tr>
<tr><th>来信人</th><td width="35%">{escape(author)}</td><th width="15%">来信时间</th><td>{when}</td></tr>
<tr><th>信件类型</th><td>{"建议" if "建议" in title else "投诉" if reply else "咨询"}</td><th>办理状态</th><td>{status}</td></tr>
<tr><th>信件内容</th><td colspan="3" class="wz-content">{"<br>".join(escape(p) for p in paras)}</td></tr></table>
{answer}</div>
<div class="foot"><p>主办：白石市人民政府办公室　承办：白石市大数据中心</p><p>网站标识码：5100000000　蜀ICP备00000000号</p></div>
</body></html>"""


def weibo(author: str, when: str, text: str, comments: tuple[tuple[str, str, str], ...]) -> str:
    def shown(stamp: str) -> str:
        date, clock = stamp.split()
        _, m, d = date.split("-")
        return f"{int(m)}月{int(d)}日 {clock}"

    rows = "".join(
        f'<div class="list_li S_line1 clearfix" comment_id="{4000 + n}"><div class="WB_face W_fl"><img src="/face/{n}.jpg"></div>'
        f'<div class="list_con"><div class="WB_text"><a href="/u/{n}" usercard="id={n}">{escape(u)}</a>：{escape(x)}</div>'
        f'<div class="WB_func clearfix"><div class="WB_from S_txt2">{shown(t)}</div>'
        f'<ul class="WB_handle W_fr"><li><a>回复</a></li><li><a>赞 {n}</a></li></ul></div></div></div>'
        for n, (u, t, x) in enumerate(comments, start=1)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>微博正文 - 微博</title></head><body class="B_page">
<div class="WB_global_nav"><a class="logo" href="/">微博</a><input class="W_input" placeholder="大家都在搜"><a href="/">首页</a><a href="/discover">发现</a></div>
<div class="WB_frame"><div class="WB_main clearfix"><div class="WB_feed WB_feed_v3"><div class="WB_cardwrap WB_feed_type" mid="50001">
<div class="WB_feed_detail clearfix"><div class="WB_face W_fl"><img src="/face/0.jpg" alt="{escape(author)}"></div>
<div class="WB_detail"><div class="WB_info"><a class="W_f14 W_fb S_txt1" usercard="id=1000" href="/u/1000">{escape(author)}</a></div>
<div class="WB_from S_txt2"><a href="/1000/P1" title="{when}" date="0" class="S_txt2">{shown(when)}</a> 来自 <a href="/app">微博 weibo.com</a></div>
<div class="WB_text W_f14" node-type="feed_list_content">{escape(text)}</div></div></div>
<div class="WB_feed_handle"><ul class="WB_row_line"><li><a>转发 {len(comments) * 5}</a></li><li><a>评论 {len(comments)}</a></li><li><a>赞 {len(comments) * 11 + 2}</a></li></ul></div>
<div class="WB_feed_repeat"><div class="repeat_list"><div class="list_box"><div class="list_ul" node-type="comment_list">{rows}</div></div></div></div>
</div></div></div>
<div class="WB_frame_b"><div class="WB_cardwrap"><h4>热门话题</h4><ul>{HOT}</ul></div></div></div>
<div class="WB_footer">微博客服 | 意见反馈 | 舞弊举报</div></body></html>"""


# --- pages and their right answers --------------------------------------------------------------------------------
def _minute(stamp: str) -> str:
    """'2025-5-3 23:48' or '2025-01-14 07:55:12' → '2025-05-03T23:48'."""
    date, clock = stamp.split()
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm = (int(x) for x in clock.split(":")[:2])
    return f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}"


def build() -> list[tuple[str, str, dict]]:
    """(file name, html, right answer) for every page."""
    out: list[tuple[str, str, dict]] = []

    def add(layout: str, n: int, html: str, gold: dict) -> None:
        out.append((f"{layout}-{n}.html", html, {"layout": layout, "kind": gold.pop("kind", "article"), **gold}))

    for n, (title, author, when, paras) in enumerate(WECHAT, start=1):
        gold = {"title": title, "author": author, "published": _minute(when), "text": "\n".join(paras), "comments": []}
        add("wechat", n, wechat(title, author, when, paras), gold)
    for n, (title, author, when, paras, comments) in enumerate(METRO, start=1):
        gold = {
            "title": title,
            "author": author,
            "published": _minute(when),
            "text": "\n".join(paras),
            "comments": [{"author": u, "published": _minute(t), "text": x} for u, _, t, x in comments],
        }
        add("metro", n, metro(title, author, when, paras, comments), gold)
    for n, (title, posts) in enumerate(FLOORS, start=1):
        user, when, text, _ = posts[0]
        gold = {
            "kind": "post",
            "title": title,
            "author": user,
            "published": _minute(when),
            "text": text,
            "comments": [{"author": u, "published": _minute(t), "text": x} for u, t, x, _ in posts[1:]],
        }
        add("floors", n, floors(title, posts), gold)
    for n, (title, author, when, paras, reply) in enumerate(GOVQA, start=1):
        gold = {
            "title": title,
            "author": author,
            "published": _minute(when),
            "text": "".join(paras),
            "comments": [{"author": reply[0], "published": _minute(reply[1]), "text": reply[2]}] if reply else [],
        }
        add("govqa", n, govqa(title, author, when, paras, reply), gold)
    for n, (author, when, text, comments) in enumerate(WEIBO, start=1):
        gold = {
            "kind": "post",
            "title": None,
            "author": author,
            "published": _minute(when),
            "text": text,
            "comments": [{"author": u, "published": _minute(t), "text": x} for u, t, x in comments],
        }
        add("weibo", n, weibo(author, when, text, comments), gold)
    return out


def main() -> None:
    folder = HERE / "pages"
    folder.mkdir(exist_ok=True)
    gold = {}
    for name, html, answer in build():
        (folder / name).write_text(html, encoding="utf-8")
        gold[name] = answer
    (HERE / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(gold)} pages written to {folder}")


if __name__ == "__main__":
    main()
