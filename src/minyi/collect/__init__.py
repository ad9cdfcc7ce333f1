"""Collecting what is said on the open web (上网看看): polite fetching, extraction, one voice counted once.

`services.collect_urls` crawls from start URLs (pages, feeds, sitemaps) without a database and returns the
analysed items and each host's health; `minyi collect` writes them as JSON lines. See docs/collect.md.
"""
