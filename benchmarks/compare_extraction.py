"""Which extractor is right more often on Chinese news and forum pages: trafilatura alone, gne, or minyi's
(trafilatura's main text on the page without its chrome and comment blocks, with the page's own headline, author
and time marks)? Pages and right answers: benchmarks/extraction_pages.py (written for minyi, content invented).

    .venv/bin/python benchmarks/compare_extraction.py

A title or an author is right when it is exactly the right one; a time when it gives the right minute; a text
when it matches the right one at 90 % or more (difflib ratio, whitespace ignored). gne is optional (pip install gne).
"""

from __future__ import annotations

import difflib
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction_pages import Gold, pages

from minyi.collect.extract import extract_page
from minyi.collect.meta import iso_time

Result = dict[str, str | None]
FIELDS = ("title", "text", "author", "published")
SCORED = (*FIELDS, "day")  # "day": the right date, for extractors that give no time of day


def with_trafilatura(html: str) -> Result:
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    if doc is None:
        return dict.fromkeys(FIELDS)
    return {"title": doc.title, "text": doc.text, "author": doc.author, "published": doc.date}


def with_gne(html: str) -> Result:
    from gne import GeneralNewsExtractor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = GeneralNewsExtractor().extract(html)
    return {k: found.get(g) for k, g in zip(FIELDS, ("title", "content", "author", "publish_time"), strict=True)}


def with_minyi(html: str) -> Result:
    page = extract_page(html, url="http://example.invalid/page.html")
    first = next((i for i in page.items if i.kind != "comment"), None)
    if first is None:
        return dict.fromkeys(FIELDS)
    return {"title": first.title, "text": first.text, "author": first.author, "published": first.published}


def right(field: str, got: str | None, gold: Gold) -> bool:
    if not got:
        return False
    if field == "day":
        return (iso_time(got) or "")[:10] == gold.published[:10]
    want = getattr(gold, field)
    if field == "text":
        squeeze = re.compile(r"\s+")
        return difflib.SequenceMatcher(None, squeeze.sub("", got), squeeze.sub("", want)).ratio() >= 0.9
    if field == "published":
        return (iso_time(got) or "")[:16] == want[:16]
    return got.strip() == want


def main() -> None:
    extractors: dict[str, Callable[[str], Result]] = {"trafilatura": with_trafilatura, "minyi": with_minyi}
    try:
        import gne  # noqa: F401

        extractors = {"trafilatura": with_trafilatura, "gne": with_gne, "minyi": with_minyi}
    except ImportError:
        print("gne is not installed: comparing trafilatura and minyi only", file=sys.stderr)
    corpus = pages()
    layouts = sorted({g.layout for g in corpus})
    scores = {name: {(lay, f): 0 for lay in layouts for f in SCORED} for name in extractors}
    for gold in corpus:
        for name, extract in extractors.items():
            found = extract(gold.html)
            for field in SCORED:
                got = found.get("published" if field == "day" else field)
                scores[name][(gold.layout, field)] += right(field, got, gold)
    print(f"{len(corpus)} pages in {len(layouts)} layouts; right answers per field (of {len(corpus)})\n")
    print(f"{'extractor':<12}" + "".join(f"{f:>11}" for f in SCORED) + f"{'all four':>11}")
    for name in extractors:
        per_field = [sum(scores[name][(lay, f)] for lay in layouts) for f in SCORED]
        total = sum(per_field[: len(FIELDS)])
        print(f"{name:<12}" + "".join(f"{n:>11}" for n in per_field) + f"{total / (4 * len(corpus)):>11.0%}")
    print("\nper layout (title/text/author/time right, of the layout's pages):")
    for lay in layouts:
        n = sum(g.layout == lay for g in corpus)
        cells = "  ".join(f"{name} {'/'.join(str(scores[name][(lay, f)]) for f in FIELDS)}" for name in extractors)
        print(f"  {lay:<12} ({n})  {cells}")


if __name__ == "__main__":
    main()
