"""Polite fetching on httpx + asyncio: robots.txt, one gate per host, retries, size and redirect limits.

Nothing is requested that robots.txt disallows for our user agent (RFC 9309: a robots.txt answering 4xx allows
everything, one answering 5xx or not at all disallows everything). Each host has its own gate: at most
`concurrency` requests at once and `delay` seconds between the starts of two requests (robots.txt's
Crawl-delay wins when larger, up to `MAX_CRAWL_DELAY`). Every failure is an answer (`FetchResult.error`),
never an exception.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx
from protego import Protego

from minyi.collect.urls import host_of, is_web_url, normalize_url

DOCS_URL = "https://minyi.example/docs/collect.md"
DEFAULT_USER_AGENT = f"minyi-collect/1 (+{DOCS_URL})"
ROBOTS_AGENT = "minyi-collect"
MAX_CRAWL_DELAY = 30.0
_REDIRECTS = {301, 302, 303, 307, 308}
_RETRY_STATUS = {429, 500, 502, 503, 504}
_ROBOTS_MAX_BYTES = 500_000  # RFC 9309: at least 500 KiB must be read
_WEB_TYPES = ("text/", "application/xhtml", "application/xml", "application/rss", "application/atom", "+xml")


@dataclass(frozen=True)
class Politeness:
    """How the collector treats a host. Defaults: two requests at once and half a second between starts."""

    user_agent: str = DEFAULT_USER_AGENT
    delay: float = 0.5
    concurrency: int = 2
    timeout: float = 10.0  # seconds for one attempt, headers and body together
    retries: int = 2  # further attempts after a 5xx, 429 or timeout
    backoff: float = 0.5  # the first retry waits this long, each next one twice as long (plus jitter)
    max_bytes: int = 5_000_000  # a longer page is not read past this
    max_redirects: int = 5
    obey_robots: bool = True


@dataclass
class FetchResult:
    """One URL fetched: the last answer, or why there is none (`error`)."""

    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    attempts: int = 0
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200

    @property
    def not_modified(self) -> bool:
        """304: the page has not changed since the ETag / Last-Modified that was sent."""
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class _HostGate:
    """At most `concurrency` requests at once to one host, starts at least `delay` seconds apart."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(max(1, concurrency))
        self.delay = delay
        self.next_start = 0.0

    async def __aenter__(self) -> None:
        await self.slots.acquire()
        now = time.monotonic()
        start = max(now, self.next_start)
        self.next_start = start + self.delay
        if start > now:
            await asyncio.sleep(start - now)

    async def __aexit__(self, *exc: object) -> None:
        self.slots.release()


class _Robots:
    """robots.txt of one host: Protego rules, allow-all, or deny-all (with the reason)."""

    def __init__(self, rules: Protego | None, denied: str | None = None) -> None:
        self.rules, self.denied = rules, denied

    def allowed(self, url: str) -> bool:
        if self.denied:
            return False
        return self.rules is None or bool(self.rules.can_fetch(url, ROBOTS_AGENT))


class Fetcher:
    """`async with Fetcher(Politeness()) as f: await f.fetch(url)`; one client and one gate per host."""

    def __init__(self, politeness: Politeness | None = None, *, transport: httpx.AsyncBaseTransport | None = None):
        self.politeness = politeness or Politeness()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, asyncio.Task[_Robots]] = {}

    async def __aenter__(self) -> Fetcher:
        p = self.politeness
        self._client = httpx.AsyncClient(
            headers={"User-Agent": p.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(p.timeout),
            follow_redirects=False,  # followed here: every hop is checked against robots.txt and for loops
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=200),
            transport=self._transport,
            trust_env=False,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    def _gate(self, host: str) -> _HostGate:
        if host not in self._gates:
            self._gates[host] = _HostGate(self.politeness.concurrency, self.politeness.delay)
        return self._gates[host]

    async def robots_denial(self, url: str) -> str | None:
        """Why robots.txt forbids `url` (None: allowed). robots.txt is fetched once per host."""
        if not self.politeness.obey_robots:
            return None
        host = host_of(url)
        if host not in self._robots:
            self._robots[host] = asyncio.ensure_future(self._load_robots(host))
        robots = await self._robots[host]
        if robots.allowed(url):
            return None
        return robots.denied or "disallowed by robots.txt"

    async def _load_robots(self, host: str) -> _Robots:
        result = await self._get(
            f"{host}/robots.txt", {}, max_bytes=_ROBOTS_MAX_BYTES, redirects=self.politeness.max_redirects
        )
        if result.status is not None and 400 <= result.status < 500:
            return _Robots(None)
        if not result.ok:
            why = result.error or f"HTTP {result.status}"
            return _Robots(None, denied=f"robots.txt unavailable ({why}): host skipped")
        rules = Protego.parse(result.body.decode("utf-8", errors="replace"))
        delay = rules.crawl_delay(ROBOTS_AGENT)
        if delay:
            gate = self._gate(host)
            gate.delay = max(gate.delay, min(float(delay), MAX_CRAWL_DELAY))
        return _Robots(rules)

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET `url` politely. With `etag` / `last_modified` the request is conditional (304: `not_modified`)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if not is_web_url(url):
            return FetchResult(url, url, error="not an http(s) URL")
        return await self._get(
            url, headers, max_bytes=self.politeness.max_bytes, redirects=self.politeness.max_redirects
        )

    async def _get(self, url: str, headers: dict[str, str], *, max_bytes: int, redirects: int) -> FetchResult:
        seen = [normalize_url(url)]
        current = url
        for _ in range(redirects + 1):
            if not current.endswith("/robots.txt"):
                denial = await self.robots_denial(current)
                if denial:
                    return FetchResult(url, current, error=denial, redirects=seen[1:])
            result = await self._attempts(current, headers, max_bytes)
            result.url, result.redirects = url, seen[1:]
            location = result.headers.get("location")
            if result.status not in _REDIRECTS or not location:
                return result
            current = urljoin(current, location)
            target = normalize_url(current)
            if target in seen or not is_web_url(current):
                result.error = f"redirect loop at {current}" if target in seen else f"bad redirect to {current}"
                return result
            seen.append(target)
        result.error = f"more than {redirects} redirects"
        return result

    async def _attempts(self, url: str, headers: dict[str, str], max_bytes: int) -> FetchResult:
        p = self.politeness
        result = FetchResult(url, url)
        for attempt in range(p.retries + 1):
            if attempt:
                await asyncio.sleep(_backoff(p.backoff, attempt, result.headers.get("retry-after")))
            result = await self._once(url, headers, max_bytes)
            result.attempts = attempt + 1
            retry = result.status in _RETRY_STATUS or (result.error or "").startswith(("timeout", "connection"))
            if not retry:
                return result
            if result.error is None:
                result.error = f"HTTP {result.status}"
        result.error = f"{result.error} (after {result.attempts} attempts)"
        return result

    async def _once(self, url: str, headers: dict[str, str], max_bytes: int) -> FetchResult:
        assert self._client is not None, "use `async with Fetcher(...)`"
        result = FetchResult(url, url)
        async with self._gate(host_of(url)):
            try:
                async with asyncio.timeout(self.politeness.timeout):
                    await self._read(url, headers, max_bytes, result)
            except (TimeoutError, httpx.TimeoutException):
                result.error = f"timeout after {self.politeness.timeout:g} s"
            except httpx.TransportError as exc:
                result.error = f"connection failed: {type(exc).__name__} {exc}".strip()
            except httpx.HTTPError as exc:  # a malformed answer (bad headers, bad gzip)
                result.error = f"bad answer: {type(exc).__name__} {exc}".strip()
        return result

    async def _read(self, url: str, headers: dict[str, str], max_bytes: int, result: FetchResult) -> None:
        assert self._client is not None
        async with self._client.stream("GET", url, headers=headers) as answer:
            result.status = answer.status_code
            result.headers = {k.lower(): v for k, v in answer.headers.items()}
            result.final_url = str(answer.url)
            if answer.status_code != 200:
                return
            declared = answer.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                result.error = f"page too large: {int(declared):,} bytes declared, limit {max_bytes:,}"
                return
            kind = result.content_type.lower()
            if kind and not any(t in kind for t in _WEB_TYPES):
                result.error = f"not a web page ({kind.split(';')[0]})"
                return
            chunks, size = [], 0
            async for chunk in answer.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    result.error = f"page too large: stopped reading past {max_bytes:,} bytes"
                    return
                chunks.append(chunk)
            result.body = b"".join(chunks)


def _backoff(base: float, attempt: int, retry_after: str | None) -> float:
    """base · 2^(attempt-1) with ±25 % jitter, or the server's Retry-After (capped at 60 s) when it says more."""
    wait = base * 2 ** (attempt - 1) * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not a secret
    return max(wait, min(_retry_after_seconds(retry_after), 60.0))


def _retry_after_seconds(value: str | None) -> float:
    if not value:
        return 0.0
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return 0.0
