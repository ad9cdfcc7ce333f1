"""The collector against a web served on loopback by the test itself: every case of issue 15, item 7."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.collect.loopback import Answer, LoopbackWeb, chunks
from tests.collect.pages import forum_page, list_page, news_page, rss

from minyi.collect.fetch import Politeness
from minyi.collect.services import FIELDS, CollectResult, collect_urls

FAST = Politeness(delay=0.0, timeout=1.0, retries=2, backoff=0.05, max_bytes=2_000_000)
A, B, C = "127.0.0.1", "127.0.0.2", "127.0.0.3"
COMMENTS = (
    ("青川老张", "2024-05-12 10:01", "终于有回音了，希望按时开工，别再拖到明年雨季。"),
    ("河西居民", "2024-05-12 11:20", "我家门口也积水，春晖路三号附近，晚上回家只能绕路。"),
)


class _Analyzer:
    """A stand-in for the shipped model where only the crawl is under test (the real one is tested below)."""

    def analyze_many(self, pairs: list[tuple[str, str]]) -> list[dict]:
        return [{"domain": None, "appeal_kind": None, "urgent": False, "places": []} for _ in pairs]


@pytest.fixture
def web() -> Iterator[LoopbackWeb]:
    served = LoopbackWeb((A, B, C))
    yield served
    served.close()


def _collect(urls: list[str], politeness: Politeness = FAST, max_pages: int = 50, real: bool = False) -> CollectResult:
    return collect_urls(urls=urls, max_pages=max_pages, politeness=politeness, analyzer=None if real else _Analyzer())


def _health(result: CollectResult, web: LoopbackWeb, host: str) -> object:
    wanted = web.url(host, "")
    return next(h for h in result.hosts if h.host == wanted)


def test_a_feed_leads_to_its_articles_and_each_comment_is_an_item(web: LoopbackWeb) -> None:
    one = web.serve(A, "/news/1.html", Answer(news_page(comments=COMMENTS).encode()))
    two = web.serve(A, "/news/2.html", Answer(news_page(title="东湖路口信号灯调整").encode()))
    feed = web.serve(A, "/rss.xml", Answer(rss([("春晖路", one), ("信号灯", two)]), content_type="application/rss+xml"))
    result = _collect([feed])
    by_url = {item["url"]: item for item in result.items}
    article = by_url[one]
    assert article["kind"] == "article" and article["title"] == "春晖路积水问题何时解决"
    assert article["author"] == "林晓" and article["published"] == "2024-05-12T09:30:00+08:00"
    assert article["text"].startswith("近日，青川市河西区春晖路") and "首页" not in article["text"]
    assert "热点推荐" not in article["text"] and "版权所有" not in article["text"] and "网友评论" not in article["text"]
    comments = [i for i in result.items if i["kind"] == "comment"]
    assert [c["author"] for c in comments] == ["青川老张", "河西居民"]
    assert all(c["parent_url"] == one and c["url"].startswith(one + "#") for c in comments)
    assert comments[0]["text"] == COMMENTS[0][2] and comments[0]["published"] == "2024-05-12T10:01:00+08:00"
    assert by_url[two]["title"] == "东湖路口信号灯调整"
    assert all(tuple(item) == FIELDS for item in result.items)
    assert web.requested(A)[0] == "/robots.txt"
    assert all("minyi-collect/1 (+" in r.headers["user-agent"] for r in web.log)


def test_a_gbk_page_is_read_right_and_characters_outside_gbk_come_from_entities(web: LoopbackWeb) -> None:
    page = news_page(title="青川市启动老旧小区改造", charset="gbk").replace("王女士", "王\U00020bb7女士")
    data = page.encode("gbk", errors="xmlcharrefreplace")  # 𠮷 and © are not in GBK: &#134071; and &#169;
    assert b"&#134071;" in data
    url = web.serve(A, "/gbk.html", Answer(data, content_type="text/html; charset=GBK"))
    [item] = _collect([url]).items
    assert item["title"] == "青川市启动老旧小区改造" and item["encoding"] == "gb18030"
    assert "居民王\U00020bb7女士说" in item["text"]


def test_a_forum_thread_over_two_pages_is_one_post_and_its_replies(web: LoopbackWeb) -> None:
    first = [
        ("小李", "2024-05-01 08:00", "春晖路的路灯坏了一个月了，晚上走路很危险，希望有关部门尽快修一下。"),
        ("路人甲", "2024-05-01 09:00", "同意，我也经常走这条路，上周差点摔倒。"),
    ]
    second = [
        ("老王", "2024-05-02 10:00", "上周打过热线，说会派人来看，到现在也没动静。"),
        ("阿梅", "2024-05-02 11:00", "顶一下。"),
    ]
    page1 = web.serve(
        B,
        "/thread-7-1-1.html",
        Answer(forum_page(title="春晖路路灯坏了", posts=first, next_href="/thread-7-2-1.html").encode()),
    )
    web.serve(B, "/thread-7-2-1.html", Answer(forum_page(title="春晖路路灯坏了", posts=second, start=3).encode()))
    result = _collect([page1])
    kinds = [(i["kind"], i["author"]) for i in result.items]
    assert kinds == [("post", "小李"), ("comment", "路人甲"), ("comment", "老王"), ("comment", "阿梅")]
    assert all(i["parent_url"] == page1 for i in result.items[1:]) and result.items[0]["parent_url"] is None
    assert result.items[2]["url"].endswith("/thread-7-2-1.html#post_3")


def test_robots_txt_is_obeyed_and_nothing_disallowed_is_ever_requested(web: LoopbackWeb) -> None:
    web.serve(A, "/robots.txt", Answer(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
    links = [(f"公开{n}", f"/public/{n}.html") for n in range(3)] + [
        (f"内部{n}", f"/private/{n}.html") for n in range(3)
    ]
    for n in range(3):
        web.serve(A, f"/public/{n}.html", Answer(news_page(title=f"公开新闻{n}").encode()))
        web.serve(A, f"/private/{n}.html", Answer(news_page(title=f"内部{n}").encode()))
    redirect = web.serve(A, "/go", Answer(status=302, headers={"Location": "/private/0.html"}))
    front = web.serve(A, "/news/", Answer(list_page(links).encode()))
    result = _collect([front, redirect, web.url(A, "/private/1.html")])
    assert not [p for p in web.requested(A) if p.startswith("/private/")]
    assert {i["title"] for i in result.items} == {"公开新闻0", "公开新闻1", "公开新闻2"}
    health = _health(result, web, A)
    private = [why for url, why in health.failures if "/private/" in url or url.endswith("/go")]
    assert health.skipped >= 2 and len(private) == 4 and all("robots.txt" in why for why in private)


def test_the_same_article_under_two_urls_is_counted_once(web: LoopbackWeb) -> None:
    canonical = web.url(A, "/news/5.html")
    first = web.serve(A, "/news/5.html", Answer(news_page(canonical=canonical).encode()))
    alias = web.serve(A, "/article?id=5&utm_source=wx", Answer(news_page(canonical=canonical).encode()))
    copy = web.serve(B, "/repost/88.html", Answer(news_page(title="转：春晖路积水问题何时解决").encode()))
    result = _collect([first, alias, copy])
    articles = [i for i in result.items if i["kind"] == "article"]
    assert [a["duplicate_of"] for a in articles] == [None, first, first]
    assert articles[1]["canonical_url"] == canonical


def test_a_slow_host_times_out_and_the_rest_is_collected(web: LoopbackWeb) -> None:
    slow = web.serve(B, "/slow.html", Answer(news_page().encode(), delay=2.0))
    fine = web.serve(A, "/fine.html", Answer(news_page(title="正常页面").encode()))
    result = _collect([slow, fine], Politeness(delay=0, timeout=0.3, retries=1, backoff=0.01))
    assert [i["title"] for i in result.items] == ["正常页面"]
    health = _health(result, web, B)
    assert health.errors == 1 and "timeout" in health.failures[0][1] and "2 attempts" in health.failures[0][1]


def test_a_host_answering_500_is_retried_then_recorded(web: LoopbackWeb) -> None:
    url = web.serve(C, "/broken.html", Answer(b"oops", status=500))
    result = _collect([url])
    assert web.requested(C).count("/broken.html") == 3  # one try and two retries
    health = _health(result, web, C)
    assert (health.fetched, health.errors) == (0, 1) and "HTTP 500 (after 3 attempts)" in health.failures[0][1]


def test_a_host_whose_robots_txt_fails_is_skipped_whole(web: LoopbackWeb) -> None:
    web.serve(C, "/robots.txt", Answer(b"down", status=503))
    url = web.serve(C, "/page.html", Answer(news_page().encode()))
    result = _collect([url], Politeness(delay=0, timeout=1, retries=0))
    assert "/page.html" not in web.requested(C)
    assert "robots.txt unavailable" in _health(result, web, C).failures[0][1]


def test_a_20_mb_page_is_not_read_past_the_limit(web: LoopbackWeb) -> None:
    declared = web.serve(A, "/big.html", Answer(b"x" * 20_000_000))
    streamed = web.serve(B, "/big-stream.html", Answer(chunks(20_000_000)))
    fine = web.serve(A, "/fine.html", Answer(news_page().encode()))
    result = _collect([declared, streamed, fine])
    assert len([i for i in result.items if i["kind"] == "article"]) == 1
    reasons = [why for h in result.hosts for _, why in h.failures]
    assert any("20,000,000 bytes declared" in r for r in reasons)
    assert any("stopped reading past 2,000,000 bytes" in r for r in reasons)


def test_a_redirect_loop_ends_cleanly(web: LoopbackWeb) -> None:
    start = web.serve(A, "/loop-a", Answer(status=302, headers={"Location": "/loop-b"}))
    web.serve(A, "/loop-b", Answer(status=301, headers={"Location": "/loop-a"}))
    result = _collect([start])
    assert result.items == [] and "redirect loop" in _health(result, web, A).failures[0][1]
    assert web.requested(A).count("/loop-a") == 1


def test_max_pages_bounds_the_requests(web: LoopbackWeb) -> None:
    links = [(f"新闻{n}", f"/n/{n}.html") for n in range(20)]
    for n in range(20):
        web.serve(A, f"/n/{n}.html", Answer(news_page(title=f"新闻{n}").encode()))
    result = _collect([web.serve(A, "/list", Answer(list_page(links).encode()))], max_pages=5)
    assert result.pages == 5 and len([p for p in web.requested(A) if p != "/robots.txt"]) == 5


def test_items_are_analysed_like_messages(web: LoopbackWeb) -> None:
    url = web.serve(A, "/news/1.html", Answer(news_page(comments=COMMENTS).encode()))
    result = _collect([url], real=True)
    article = result.items[0]
    assert article["domain"] and article["appeal_kind"] and isinstance(article["urgent"], bool)
    assert any("春晖路" in p or "河西区" in p for p in article["places"])


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\xff" * 1000,
        b"<html>" + b"<div>" * 20_000 + "深".encode() + b"</div>" * 5,
        b"<?xml version='1.0'?><rss><",
    ],
    ids=["empty", "binary", "deep", "broken-feed"],
)
def test_hostile_pages_are_no_crash(web: LoopbackWeb, body: bytes) -> None:
    url = web.serve(A, "/odd", Answer(body))
    result = _collect([url])
    health = _health(result, web, A)
    assert health.fetched + health.errors == 1 and not [why for _, why in health.failures if "internal" in why]
