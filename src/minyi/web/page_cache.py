"""A few seconds' cache of the public pages that are the same for every visitor (`/board`, `/hot`, `/stats`).

At a city's volume most requests are citizens reading the board and the hot issues; each page is rendered
from the same rows for everyone. A process keeps the finished HTML of such a page for `MINYI_PUBLIC_PAGE_TTL`
seconds (5 by default; 0 = no cache), keyed by its path and query string, and answers the same URL from it
meanwhile: one rendering per page and process every few seconds, whatever the number of readers.

Only what is the same for everyone is kept: a GET without a session cookie (a logged-in staff member sees
their own menu and is never served from the cache), answered 200, whose HTML does not carry the visitor's
CSRF token (a page with a form that posts is never kept). The CSRF cookie itself is set outside this cache,
per visitor. `/hot?from=&to=` is not kept either (a period being computed shows a page that refreshes itself
until it is ready). `/stats` is kept per query string: its figures are already up to `MINYI_STATS_MAX_AGE` old
(the report cache), and rendering three hundred departments' rows is most of its cost. What a page shows may so
be up to the TTL old: a new message appears on the board, and a message made private leaves it, within a few
seconds (docs/scale.md).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

CACHED_PATHS = frozenset({"/board", "/hot", "/stats"})
# a jurisdiction's public pages (/j/<slug>, /j/<slug>/board, /hot, /stats): each its own path, so its own key
JURISDICTION_PAGE = re.compile(r"/j/[a-z0-9][a-z0-9-]{0,39}(/board|/hot|/stats)?")
MAX_ENTRIES = 256  # distinct URLs kept per process (LRU): the first pages and the common keywords
_SKIPPED_HEADERS = {"content-length", "set-cookie"}


@dataclass(frozen=True)
class _Page:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    stored: float


def cached_path(path: str) -> bool:
    """Whether the page at `path` is one of those kept (the root's and each jurisdiction's board, hot, stats)."""
    return path in CACHED_PATHS or JURISDICTION_PAGE.fullmatch(path) is not None


class PublicPageCache:
    """The finished public pages of one process (thread-safe: the event loop and tests may share it)."""

    def __init__(self, ttl: float, *, session_cookie: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.session_cookie = session_cookie
        self._clock = clock
        self._pages: OrderedDict[str, _Page] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, request: Request) -> str | None:
        """The cache key of a request, or None when its answer may differ per visitor."""
        if self.ttl <= 0 or request.method != "GET" or not cached_path(request.url.path):
            return None
        if request.url.path == "/hot" and request.url.query:  # a period's view may be pending: never kept
            return None
        if self.session_cookie in request.cookies:
            return None
        return f"{request.url.path}?{request.url.query}"

    def get(self, key: str) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or self._clock() - page.stored >= self.ttl:
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: str, body: bytes, headers: list[tuple[str, str]]) -> None:
        kept = tuple((k, v) for k, v in headers if k.lower() not in _SKIPPED_HEADERS)
        with self._lock:
            self._pages[key] = _Page(body, kept, self._clock())
            self._pages.move_to_end(key)
            while len(self._pages) > MAX_ENTRIES:
                self._pages.popitem(last=False)

    async def __call__(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """The middleware: a fresh copy of the page, or the page rendered (and kept when it may be)."""
        key = self.key(request)
        if key is None:
            return await call_next(request)
        page = self.get(key)
        if page is not None:
            return Response(page.body, status_code=200, headers=dict(page.headers))
        response = await call_next(request)
        if response.status_code != 200:
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        token = getattr(request.state, "csrf_token", "")
        if not token or token.encode() not in body:
            self.put(key, body, [(k, v) for k, v in response.headers.items()])
        plain = {k: v for k, v in response.headers.items() if k.lower() not in _SKIPPED_HEADERS}
        fresh = Response(body, status_code=200, headers=plain)
        for k, v in response.headers.items():
            if k.lower() == "set-cookie":  # a cookie the route set goes to this visitor only (never kept)
                fresh.headers.append(k, v)
        return fresh
