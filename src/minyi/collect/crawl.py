"""The crawl: start URLs → fetched pages → items, with each host's health.

Each host has its own queue and `politeness.concurrency` workers, so a host that is slow, or has many pages
waiting, never holds back the others. What is followed: the entries of feeds and sitemaps, a thread's or
comment list's next page, and the links of a start page that is a list of articles (one level, same host).
Extraction runs in a worker thread, off the event loop, so that timeouts and per-host delays stay true while a
page is parsed. Every URL is fetched once (normalised; a page's canonical URL counts as seen).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from minyi.collect.encoding import decode_page
from minyi.collect.extract import ExtractedPage, Item, extract_page
from minyi.collect.feeds import feed_links, kind_of, sitemap_links
from minyi.collect.fetch import Fetcher, FetchResult
from minyi.collect.urls import host_of, is_web_url, normalize_url

MAX_FAILURES_KEPT = 20  # per host, in the health report
Validators = tuple[str | None, str | None]  # a page's (ETag, Last-Modified), sent back on the next conditional GET


@dataclass
class HostHealth:
    """One host's run: pages fetched, items found, failures (with the first reasons) and robots.txt skips."""

    host: str
    fetched: int = 0
    items: int = 0
    errors: int = 0
    skipped: int = 0
    unchanged: int = 0  # answered 304 to a conditional GET
    failures: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, url: str, reason: str, *, skipped: bool = False) -> None:
        if skipped:
            self.skipped += 1
        else:
            self.errors += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append((url, reason))


@dataclass
class CrawlResult:
    items: list[Item]
    hosts: dict[str, HostHealth]
    pages: int  # requests made for pages, feeds and sitemaps (robots.txt not counted)
    validators: dict[str, Validators] = field(default_factory=dict)  # normal form → (ETag, Last-Modified) seen


@dataclass(frozen=True)
class _Visit:
    url: str
    depth: int  # 0: a start URL or a list page's next page
    thread_url: str | None = None  # set on a thread's next pages: their blocks are comments of this thread


class Crawler:
    """`await Crawler(fetcher, max_pages=100).run(urls)`; `on_page(url, ok)` is told after every fetch."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        max_pages: int = 100,
        on_page: Callable[[str, bool], None] | None = None,
        extract_threads: int = 1,
        validators: Mapping[str, Validators] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.max_pages = max_pages
        self.on_page = on_page
        self.known = validators or {}  # by normal form: pages fetched before, asked with If-None-Match/-Modified-Since
        self.seen_validators: dict[str, Validators] = {}
        self._pool = ThreadPoolExecutor(max_workers=extract_threads, thread_name_prefix="collect-extract")
        self._queues: dict[str, asyncio.Queue[_Visit]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._seen: set[str] = set()
        self._enqueued = 0
        self._pending = 0
        self._done = asyncio.Event()
        self._by_order: list[tuple[int, list[Item]]] = []
        self._order = 0
        self.hosts: dict[str, HostHealth] = {}
        self.pages = 0

    async def run(self, start_urls: list[str]) -> CrawlResult:
        for url in start_urls:
            if is_web_url(url):
                self._enqueue(_Visit(url.strip(), depth=0))
            else:
                self._health(url).fail(url, "not an http(s) URL")
        try:
            if self._pending:
                await self._done.wait()
        finally:
            for worker in self._workers:
                worker.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
            self._pool.shutdown(wait=True)
        items = [item for _, found in sorted(self._by_order, key=lambda pair: pair[0]) for item in found]
        return CrawlResult(items=items, hosts=self.hosts, pages=self.pages, validators=self.seen_validators)

    def _health(self, url: str) -> HostHealth:
        host = host_of(url) if is_web_url(url) else url
        if host not in self.hosts:
            self.hosts[host] = HostHealth(host)
        return self.hosts[host]

    def _enqueue(self, visit: _Visit) -> None:
        """Queue a URL (as found: a site may need its exact query) once per normal form, within `max_pages`."""
        key = normalize_url(visit.url)
        if key in self._seen or self._enqueued >= self.max_pages:
            return
        self._seen.add(key)
        self._enqueued += 1
        host = host_of(visit.url)
        if host not in self._queues:
            self._queues[host] = asyncio.Queue()
            for _ in range(max(1, self.fetcher.politeness.concurrency)):
                self._workers.append(asyncio.create_task(self._work(self._queues[host])))
        self._pending += 1
        self._queues[host].put_nowait(visit)

    async def _work(self, queue: asyncio.Queue[_Visit]) -> None:
        while True:
            visit = await queue.get()
            try:
                await self._visit(visit)
            except Exception as exc:
                self._health(visit.url).fail(visit.url, f"internal error: {type(exc).__name__}: {exc}")
            finally:
                self._pending -= 1
                if self._pending == 0:
                    self._done.set()

    async def _visit(self, visit: _Visit) -> None:
        order = self._order
        self._order += 1
        health = self._health(visit.url)
        etag, last_modified = self.known.get(normalize_url(visit.url), (None, None))
        result = await self.fetcher.fetch(visit.url, etag=etag, last_modified=last_modified)
        if result.attempts:
            self.pages += 1
        if result.not_modified:  # nothing new since the last run: neither read nor followed
            health.unchanged += 1
            self._tell(visit.url, ok=True)
            return
        if not result.ok:
            reason = result.error or f"HTTP {result.status}"
            health.fail(visit.url, reason, skipped=result.attempts == 0 and "robots.txt" in reason)
            self._tell(visit.url, ok=False)
            return
        health.fetched += 1
        if result.etag or result.last_modified:
            self.seen_validators[normalize_url(visit.url)] = (result.etag, result.last_modified)
            self.seen_validators[normalize_url(result.final_url)] = (result.etag, result.last_modified)
        found = await self._read(visit, result)
        health.items += len(found)
        self._by_order.append((order, found))
        self._tell(visit.url, ok=True)

    def _tell(self, url: str, *, ok: bool) -> None:
        if self.on_page is not None:
            self.on_page(url, ok)

    async def _read(self, visit: _Visit, result: FetchResult) -> list[Item]:
        base = result.final_url
        kind = kind_of(result.body, result.content_type.lower())
        if kind is not None:
            links = feed_links(result.body, base) if kind == "feed" else sitemap_links(result.body, base)
            for link in links:
                self._enqueue(_Visit(link, depth=visit.depth + 1))
            return []
        loop = asyncio.get_running_loop()
        page = await loop.run_in_executor(self._pool, _extract, result, visit.thread_url)
        self._seen.add(page.canonical_url)
        self._follow(visit, page)
        return page.items

    def _follow(self, visit: _Visit, page: ExtractedPage) -> None:
        if page.next_url and host_of(page.next_url) == host_of(visit.url):
            if page.items and (visit.thread_url or any(i.kind != "comment" for i in page.items)):
                thread = visit.thread_url or page.canonical_url
                self._enqueue(_Visit(page.next_url, depth=visit.depth, thread_url=thread))
            elif page.is_list and visit.depth == 0:
                self._enqueue(_Visit(page.next_url, depth=0))
        if page.is_list and visit.depth == 0:
            for link in page.links:
                if host_of(link) == host_of(visit.url):
                    self._enqueue(_Visit(link, depth=1))


def _extract(result: FetchResult, thread_url: str | None) -> ExtractedPage:
    text, encoding = decode_page(result.body, result.content_type)
    return extract_page(text, url=result.final_url, encoding=encoding, thread_url=thread_url)
