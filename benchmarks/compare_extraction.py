"""Which extractor is right more often on Chinese news and forum pages: trafilatura alone, gne, or minyi's
(trafilatura's main text on the page without its chrome and comment blocks, with the page's own headline, author
and time marks)? Pages and right answers: benchmarks/extraction_pages.py (written for minyi, content invented).

    .venv/bin/python benchmarks/compare_extraction.py              # the 26 pages minyi's rules were written on
    .venv/bin/python benchmarks/compare_extraction.py --held-out   # 25 pages in 5 layouts they were not

Held-out pages and their right answers: benchmarks/extraction_heldout/ (gold.json; a null title or author is right
only when the extractor gives none). With --held-out, comments are scored too: a right comment is one whose text an
extractor gives (minyi: as a comment item, its author and minute checked as well; trafilatura: inside its comments
text; gne gives none).

A title or an author is right when it is exactly the right one; a time when it gives the right minute; a text
when it matches the right one at 90 % or more (difflib ratio, whitespace ignored). gne is optional (pip install gne).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction_pages import Gold, pages

from minyi.collect.extract import extract_page
from minyi.collect.meta import iso_time

HELD_OUT = Path(__file__).resolve().parent / "extraction_heldout"
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


def held_out() -> list[Gold]:
    """The held-out pages (benchmarks/extraction_heldout/) with their right answers."""
    answers = json.loads((HELD_OUT / "gold.json").read_text(encoding="utf-8"))
    return [
        Gold(
            layout=a["layout"],
            html=(HELD_OUT / "pages" / name).read_text(encoding="utf-8"),
            title=a["title"],
            text=a["text"],
            author=a["author"],
            published=a["published"],
            comments=tuple((c["author"], c["published"], c["text"]) for c in a["comments"]),
        )
        for name, a in sorted(answers.items())
    ]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def alike(got: str, want: str) -> bool:
    """The same text at 90 % or more, whitespace ignored."""
    return difflib.SequenceMatcher(None, _squeeze(got), _squeeze(want)).ratio() >= 0.9


def right(field: str, got: str | None, gold: Gold) -> bool:
    want = gold.published if field == "day" else getattr(gold, field)
    if want is None:  # the page has none: right only when none is made up
        return not (got or "").strip()
    if not got:
        return False
    if field == "day":
        return (iso_time(got) or "")[:10] == gold.published[:10]
    if field == "text":
        return alike(got, want)
    if field == "published":
        return (iso_time(got) or "")[:16] == want[:16]
    return got.strip() == want


def comments_found(gold: Gold) -> dict[str, tuple[int, int, int]]:
    """Per extractor: (texts, authors, minutes) of the page's right comments that it gives."""
    import trafilatura

    doc = trafilatura.bare_extraction(gold.html, with_metadata=True, include_comments=True)
    pooled = _squeeze((doc.comments if doc is not None else None) or "")
    by_trafilatura = sum(bool(pooled) and _squeeze(text)[:40] in pooled for _, _, text in gold.comments)
    page = extract_page(gold.html, url="http://example.invalid/page.html")
    theirs = [i for i in page.items if i.kind == "comment"]
    texts = authors = minutes = 0
    for author, when, text in gold.comments:
        match = next((i for i in theirs if alike(i.text, text)), None)
        if match is not None:
            texts += 1
            authors += (match.author or "").strip() == author
            minutes += (iso_time(match.published or "") or "")[:16] == when
    return {"trafilatura": (by_trafilatura, 0, 0), "minyi": (texts, authors, minutes)}


def print_comments(corpus: list[Gold]) -> None:
    total = sum(len(g.comments) for g in corpus)
    sums = {"trafilatura": [0, 0, 0], "minyi": [0, 0, 0]}
    for gold in corpus:
        for name, found in comments_found(gold).items():
            sums[name] = [a + b for a, b in zip(sums[name], found, strict=True)]
    print(f"\ncomments: {total} on the pages; right texts (minyi: and of those, right author / right minute)")
    print(f"  trafilatura {sums['trafilatura'][0]:>4} (one comments text, no authors or times)")
    print("  gne            - (gives no comments)")
    print(f"  minyi       {sums['minyi'][0]:>4}  authors {sums['minyi'][1]}  minutes {sums['minyi'][2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--held-out", action="store_true", help="the held-out pages of benchmarks/extraction_heldout/")
    args = parser.parse_args()
    extractors: dict[str, Callable[[str], Result]] = {"trafilatura": with_trafilatura, "minyi": with_minyi}
    try:
        import gne  # noqa: F401

        extractors = {"trafilatura": with_trafilatura, "gne": with_gne, "minyi": with_minyi}
    except ImportError:
        print("gne is not installed: comparing trafilatura and minyi only", file=sys.stderr)
    corpus = held_out() if args.held_out else pages()
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
    if args.held_out:
        print_comments(corpus)


if __name__ == "__main__":
    main()
