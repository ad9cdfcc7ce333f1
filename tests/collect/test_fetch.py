"""The fetcher alone: conditional GET, the user agent, per-host delay, sitemaps as start points."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from tests.collect.loopback import Answer, LoopbackWeb

from minyi.collect.feeds import kind_of, sitemap_links
from minyi.collect.fetch import Fetcher, FetchResult, Politeness

HOST = "127.0.0.1"


@pytest.fixture
def web() -> Iterator[LoopbackWeb]:
    served = LoopbackWeb((HOST,))
    yield served
    served.close()


def _fetch_all(urls: list[str], politeness: Politeness, **conditions: str) -> list[FetchResult]:
    async def run() -> list[FetchResult]:
        async with Fetcher(politeness) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(u, **conditions) for u in urls)))

    return asyncio.run(run())


def test_conditional_get_with_etag_and_last_modified(web: LoopbackWeb) -> None:
    stamp = "Sun, 12 May 2024 01:30:00 GMT"

    def page(headers: dict[str, str]) -> Answer:
        if headers.get("if-none-match") == '"v1"' or headers.get("if-modified-since") == stamp:
            return Answer(status=304, headers={"ETag": '"v1"'})
        return Answer(b"<html><body>hello</body></html>", headers={"ETag": '"v1"', "Last-Modified": stamp})

    url = web.serve(HOST, "/p.html", page)
    [first] = _fetch_all([url], Politeness(delay=0))
    assert first.ok and first.etag == '"v1"' and first.last_modified == stamp
    [again] = _fetch_all([url], Politeness(delay=0), etag=first.etag or "")
    [since] = _fetch_all([url], Politeness(delay=0), last_modified=stamp)
    assert again.not_modified and since.not_modified and not again.body


def test_requests_to_one_host_are_spaced_by_the_delay(web: LoopbackWeb) -> None:
    urls = [web.serve(HOST, f"/{n}.html", Answer(b"<html>x</html>")) for n in range(4)]
    began = time.monotonic()
    results = _fetch_all(urls, Politeness(delay=0.2, concurrency=4))
    assert all(r.ok for r in results) and time.monotonic() - began >= 0.6  # 4 starts (+ robots.txt), 0.2 s apart


def test_robots_crawl_delay_is_honoured(web: LoopbackWeb) -> None:
    web.serve(HOST, "/robots.txt", Answer(b"User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain"))
    urls = [web.serve(HOST, f"/{n}.html", Answer(b"<html>x</html>")) for n in range(3)]
    began = time.monotonic()
    _fetch_all(urls, Politeness(delay=0, concurrency=3))
    assert time.monotonic() - began >= 0.6


def test_not_a_web_page_and_not_a_web_url(web: LoopbackWeb) -> None:
    pdf = web.serve(HOST, "/f.pdf", Answer(b"%PDF-1.4", content_type="application/pdf"))
    results = _fetch_all([pdf, "ftp://x.cn/a", "notaurl"], Politeness(delay=0))
    assert [r.error for r in results] == [
        "not a web page (application/pdf)",
        "not an http(s) URL",
        "not an http(s) URL",
    ]


def test_sitemaps_and_feeds_are_told_from_pages() -> None:
    sitemap = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>http://x.cn/a.html</loc></url><url><loc> /b.html </loc></url><url><loc>ftp://x.cn/c</loc></url></urlset>"""
    assert kind_of(sitemap) == "sitemap" and kind_of(b"<?xml version='1.0'?><rss>") == "feed"
    assert kind_of(b"<html><body>x</body></html>") is None
    assert sitemap_links(sitemap, "http://x.cn/sitemap.xml") == ["http://x.cn/a.html", "http://x.cn/b.html"]
    assert sitemap_links(b"<not xml", "http://x.cn/") == []
