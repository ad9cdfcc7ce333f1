"""Pages written for these tests in the layouts of Chinese news portals and forums (all content invented)."""

from __future__ import annotations

from html import escape

NAV = """<div class="top-nav"><a href="/">首页</a> | <a href="/news/">新闻</a> | <a href="/gov/">政务</a> |
<a href="/life/">民生</a> | <a href="/bbs/">论坛</a> | <a href="/video/">视频</a></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/news/">本地新闻</a> &gt; 正文</div>"""
SIDEBAR = """<div class="sidebar"><h3>热点推荐</h3><ul>
<li><a href="/news/901.html">东湖公园夜间开放时间延长</a></li><li><a href="/news/902.html">全市新增三条公交线路</a></li>
<li><a href="/news/903.html">秋季学期开学安全提示</a></li></ul></div>"""
FOOTER = """<div class="footer"><p>关于我们 | 联系我们 | 网站地图</p>
<p>版权所有 © 2024 青川新闻网 ICP备00000000号</p></div>"""

ARTICLE_PARAS = (
    "近日，青川市河西区春晖路一带多名居民反映，小区门前的排水管道年久失修，每逢下雨路面积水严重，"
    "老人和孩子出行十分不便。",
    "记者现场看到，积水最深处接近三十厘米，部分商户只能用沙袋挡住店门。居民王女士说，这个问题已经持续了两年多。",
    "河西区住建局相关负责人表示，已将该路段排水改造列入今年计划，预计下月开工，工期约两个月。",
)


def news_page(*, title: str = "春晖路积水问题何时解决", paras: tuple[str, ...] = ARTICLE_PARAS,
              comments: tuple[tuple[str, str, str], ...] = (), canonical: str | None = None,
              charset: str = "utf-8") -> str:  # fmt: skip
    """A news article between navigation, a sidebar and a footer, with an optional comment section."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    items = "".join(
        f'<div class="comment-item" id="cmt{n}"><div class="comment-user">{escape(user)}</div>'
        f'<div class="comment-time">{when}</div><div class="comment-content">{escape(text)}</div>'
        f'<div class="comment-actions"><a href="#">回复</a> <a href="#">点赞</a></div></div>'
        for n, (user, when, text) in enumerate(comments, start=1)
    )
    section = (
        f'<div class="comment-box"><h3>网友评论</h3><div class="comment-list">{items}</div></div>' if comments else ""
    )
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}">
<title>{escape(title)}_青川新闻网</title>{link}</head>
<body>{NAV}<div class="main"><div class="article">
<h1>{escape(title)}</h1><div class="article-info">来源：青川日报 作者：林晓 2024-05-12 09:30</div>
<div class="article-content">{body}<p>（责任编辑：周明）</p></div></div>{section}</div>
{SIDEBAR}{FOOTER}</body></html>"""


def forum_page(*, title: str, posts: list[tuple[str, str, str]], next_href: str | None = None, start: int = 1) -> str:
    """A Discuz-like thread page: one table per floor, the text in td.t_f, 下一页 in the pager."""
    floors = "".join(
        f'<div id="post_{start + n}" class="post-floor"><table><tr><td class="pls"><div class="authi">'
        f'<a class="xw1" href="/space/{n}">{escape(user)}</a></div></td><td class="plc"><div class="pi">'
        f'<em>发表于 {when}</em> <strong>{start + n}楼</strong></div><div class="pct">'
        f'<td class="t_f">{escape(text)}</td></div></td></tr></table></div>'
        for n, (user, when, text) in enumerate(posts)
    )
    pager = f'<div class="pg"><a href="{next_href}" class="nxt">下一页</a></div>' if next_href else ""
    return f"""<html><head><meta charset="utf-8"><title>{escape(title)} - 青川论坛</title></head><body>
<div id="hd"><div class="nav"><a href="/">论坛首页</a> <a href="/forum-2-1.html">民生话题</a></div></div>
<div id="ct"><h1><span id="thread_subject">{escape(title)}</span></h1><div id="postlist">{floors}</div>{pager}</div>
<div id="ft">青川论坛 © 2024</div></body></html>"""


def rss(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        "<pubDate>Sun, 12 May 2024 01:30:00 GMT</pubDate></item>"
        for t, link in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>青川新闻</title>
<link>http://example.invalid/</link><description>本地新闻</description>{entries}</channel></rss>""".encode()


def list_page(links: list[tuple[str, str]]) -> str:
    """A section front: a list of headlines and nothing else worth reading."""
    rows = "".join(
        f'<li><a href="{href}">{escape(text)}</a><span>2024-05-1{n % 10}</span></li>'
        for n, (text, href) in enumerate(links)
    )
    more = "".join(f'<a href="/news/{900 + n}.html">推荐{n}</a>' for n in range(10))
    page = f"<body>{NAV}<ul class='news-list'>{rows}</ul>{more}{FOOTER}</body>"
    return f"<html><head><title>本地新闻</title></head>{page}</html>"
