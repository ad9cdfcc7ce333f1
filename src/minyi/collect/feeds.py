"""Start points that list pages: RSS/Atom feeds (feedparser) and XML sitemaps (lxml, entities off)."""

from __future__ import annotations

import re

import feedparser
from lxml import etree

from minyi.collect.urls import absolute_url, is_web_url

_FEED = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.I)
_SITEMAP = re.compile(rb"<(?:urlset|sitemapindex)\b", re.I)
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


def kind_of(body: bytes, content_type: str = "") -> str | None:
    """'feed', 'sitemap' or None (a web page), from the first bytes (servers often say text/xml or text/html)."""
    head = body[:2048].lstrip()
    if _SITEMAP.search(head):
        return "sitemap"
    if _FEED.search(head) or any(t in content_type for t in ("rss+xml", "atom+xml")):
        return "feed"
    return None


def feed_links(body: bytes, base: str) -> list[str]:
    """The entries' links of an RSS or Atom feed, in feed order."""
    parsed = feedparser.parse(body, response_headers={"content-location": base})
    links: dict[str, None] = {}
    for entry in parsed.entries:
        link = entry.get("link")
        if isinstance(link, str) and link.strip():
            url = absolute_url(link, base)
            if is_web_url(url):
                links.setdefault(url, None)
    return list(links)


def sitemap_links(body: bytes, base: str) -> list[str]:
    """Every <loc> of a sitemap or sitemap index (an index's entries are sitemaps, fetched in turn)."""
    try:
        root = etree.fromstring(body, _SAFE_XML)
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    links: dict[str, None] = {}
    for loc in root.iter("{*}loc"):
        if loc.text and loc.text.strip():
            url = absolute_url(loc.text, base)
            if is_web_url(url):
                links.setdefault(url, None)
    return list(links)
