"""URLs in one normal form, so that one page reached under several spellings is one page."""

from __future__ import annotations

import posixpath
from urllib.parse import parse_qsl, quote, unquote, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
# query parameters that only say where a visitor came from: dropped, so that shared links meet their page
_TRACKING = ("utm_", "spm", "from", "share_", "fbclid", "gclid", "wfr", "isappinstalled")


def normalize_url(url: str, base: str | None = None) -> str:
    """Absolute, lower-case scheme and host, default port and fragment dropped, dot segments resolved,
    percent-escapes made uniform, tracking parameters dropped and the rest sorted."""
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = posixpath.normpath(unquote(parts.path)) if parts.path else "/"
    if parts.path.endswith("/") and path != "/":
        path += "/"
    path = "/" + path.lstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    return urlunsplit((scheme, netloc, quote(path, safe="/:@!$&'()*+,;=-._~"), urlencode(sorted(query)), ""))


def absolute_url(href: str, base: str) -> str:
    """`href` made absolute against `base`, without its fragment; otherwise as the site wrote it."""
    return urldefrag(urljoin(base, href.strip()))[0]


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return any(key == t or (t.endswith("_") and key.startswith(t)) for t in _TRACKING)


def host_of(url: str) -> str:
    """`scheme://host[:port]`: the unit of politeness, robots.txt and health."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
