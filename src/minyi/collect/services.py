"""Use cases of the collector that need no database: crawl from start URLs, then clean, deduplicate, analyse."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from minyi.collect.crawl import Crawler, HostHealth
from minyi.collect.dedup import duplicate_of
from minyi.collect.extract import Item
from minyi.collect.fetch import Fetcher, Politeness

# The fields of one collected item, in the order `minyi collect` writes them (issue 15, item 6).
FIELDS = (
    "url", "canonical_url", "title", "text", "author", "published", "parent_url", "kind", "encoding",
    "duplicate_of", "domain", "appeal_kind", "urgent", "places",
)  # fmt: skip
ANALYSIS_BATCH = 500


@dataclass
class CollectResult:
    """The analysed items (dicts with exactly `FIELDS`), each host's health, and the requests made."""

    items: list[dict[str, Any]]
    hosts: list[HostHealth]
    pages: int

    @property
    def errors(self) -> int:
        return sum(h.errors for h in self.hosts)


def collect_urls(
    *,
    urls: Sequence[str],
    max_pages: int = 100,
    politeness: Politeness | None = None,
    analyzer: Any = None,
    on_page: Callable[[str, bool], None] | None = None,
    on_analysed: Callable[[int], None] | None = None,
) -> CollectResult:
    """Crawl from `urls` (pages, list pages, feeds, sitemaps), at most `max_pages` requests, and analyse every
    item in batches like a message (domain, appeal kind, urgency, places). Failures are in `hosts`, never raised.
    `analyzer`: a MessageAnalyzer (default: the shipped one)."""
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    crawl = asyncio.run(_crawl(list(urls), max_pages, politeness or Politeness(), on_page))
    records = analyse_items(crawl.items, analyzer=analyzer, on_analysed=on_analysed)
    return CollectResult(items=records, hosts=sorted(crawl.hosts.values(), key=lambda h: h.host), pages=crawl.pages)


async def _crawl(urls: list[str], max_pages: int, politeness: Politeness, on_page: Any) -> Any:
    async with Fetcher(politeness) as fetcher:
        return await Crawler(fetcher, max_pages=max_pages, on_page=on_page).run(urls)


def analyse_items(
    items: Sequence[Item], *, analyzer: Any = None, on_analysed: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """Items as output records: clean text, `duplicate_of`, and the analysis of (title, text), in batches."""
    from minyi.nlp.pipeline import clean, load_default_analyzer

    analyzer = analyzer or load_default_analyzer()
    duplicates = duplicate_of(items)
    records: list[dict[str, Any]] = []
    for batch in _batches(list(zip(items, duplicates, strict=True)), ANALYSIS_BATCH):
        texts = [clean(item.text)[0] for item, _ in batch]
        results = analyzer.analyze_many(
            [(item.title or "", text) for (item, _), text in zip(batch, texts, strict=True)]
        )
        for (item, duplicate), text, result in zip(batch, texts, results, strict=True):
            records.append(
                {
                    "url": item.url,
                    "canonical_url": item.canonical_url,
                    "title": item.title,
                    "text": text,
                    "author": item.author,
                    "published": item.published,
                    "parent_url": item.parent_url,
                    "kind": item.kind,
                    "encoding": item.encoding,
                    "duplicate_of": duplicate,
                    "domain": result["domain"],
                    "appeal_kind": result["appeal_kind"],
                    "urgent": bool(result["urgent"]),
                    "places": [place["name"] for place in result["places"]],
                }
            )
        if on_analysed is not None:
            on_analysed(len(batch))
    return records


def _batches(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
