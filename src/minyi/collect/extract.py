"""One fetched page → its items: the article or the thread's first post, and each comment or reply on its own.

The main text is trafilatura's, run on the page without its chrome (dom.strip_chrome) and without the block
list of comments or posts (records.find_records); headline, author and time come from the page's own marks
(meta.py), which on Chinese pages are more often right than trafilatura's metadata (docs/collect.md). A page
whose text is all in its block list is a forum thread: the first block is the post (`kind="post"`), the others
are comments; a page with a text of its own is an article with a comment section. A page reached by a thread's
next link holds only comments of the thread's first page.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field

import trafilatura
from lxml import etree

from minyi.collect import meta
from minyi.collect.dom import link_density, parse, strip_chrome, text_of
from minyi.collect.records import Record, find_records
from minyi.collect.urls import normalize_url

_FORUM_URL = re.compile(r"thread|forum|bbs|tieba|topic|viewtopic|/t/|/p/|/post", re.I)
_HEAD_LABELS = re.compile(r"来源|作者|记者|编辑|发布|时间|浏览|阅读|点击|字号|责编|发表于|楼主")
_TAIL_LABELS = re.compile(r"^[(（【\[]?(?:责任编辑|责编|编辑|来源|审核|校对|监制)\s*[:：]")
MIN_PARAGRAPH = 30  # a page without a line this long outside its block list is a forum thread
MIN_BLOCK_TEXT = 60  # the paragraph block must hold this much text, else trafilatura decides
LIST_MIN_LINKS = 10
LIST_LINK_DENSITY = 0.5  # share of a list page's text (after its chrome) that is link text


@dataclass
class Item:
    """One voice on the web, before analysis: the fields of `minyi collect`'s output that a page gives."""

    url: str
    canonical_url: str
    title: str | None
    text: str
    author: str | None
    published: str | None
    parent_url: str | None
    kind: str  # article | post | comment
    encoding: str | None


@dataclass
class ExtractedPage:
    canonical_url: str
    items: list[Item] = field(default_factory=list)
    next_url: str | None = None
    links: list[str] = field(default_factory=list)  # every link, for a list page's articles
    is_list: bool = False


def extract_page(html: str, *, url: str, encoding: str | None = None, thread_url: str | None = None) -> ExtractedPage:
    """Items of one page. `thread_url`: the canonical URL of the thread's first page when this page was reached
    by its next link (then every block is a comment of that thread)."""
    root = parse(html)
    page_url = url.split("#", 1)[0]
    if root is None:
        return ExtractedPage(canonical_url=normalize_url(page_url))
    canonical = meta.canonical_link(root, url) or normalize_url(page_url)
    page = ExtractedPage(canonical_url=canonical, next_url=meta.next_page(root, url))
    title = meta.headline(root)
    body = copy.deepcopy(root)
    strip_chrome(body)
    links = meta.absolute_links(body, url)  # not the site's navigation
    container, records = find_records(body)
    if container is not None and container.getparent() is not None:
        container.drop_tree()
    own_text = main_text(body, title)
    head = _head_text(body, title)

    def item(text: str, kind: str, author: str | None, published: str | None, parent: str | None) -> Item:
        return Item(page_url, canonical, title, text, author, published, parent, kind, encoding)

    if len(links) >= LIST_MIN_LINKS and not records and link_density(body) >= LIST_LINK_DENSITY:
        page.is_list = True  # a section front or search result: its links are the articles
    elif thread_url is not None:
        own_page = normalize_url(page_url)  # a thread's page 2 may number its anchors as page 1 does
        page.items = [_comment(r, page_url, thread_url, encoding, own_page) for r in records]
    elif records and not _has_paragraph(own_text, title):
        first, rest = records[0], records[1:]
        page.items = [item(first.text, "post", first.author, first.published, None)]
        page.items += [_comment(r, page_url, canonical, encoding, canonical) for r in rest]
    elif own_text:
        kind = "post" if _FORUM_URL.search(page_url) else "article"
        page.items = [item(own_text, kind, meta.page_author(root, head), meta.page_time(root, head), None)]
        page.items += [_comment(r, page_url, canonical, encoding, canonical) for r in records]
    page.links = links
    return page


def _comment(record: Record, page_url: str, parent: str, encoding: str | None, page_canonical: str) -> Item:
    """A comment: its URL is the page's as fetched with its anchor; its canonical URL is the page's canonical one
    (normal form: the same comment under the page's second URL is the same item) with that anchor."""
    anchor = record.anchor or "comment-" + hashlib.blake2b(record.text.encode(), digest_size=6).hexdigest()
    return Item(
        f"{page_url}#{anchor}",
        f"{page_canonical}#{anchor}",
        None,
        record.text,
        record.author,
        record.published,
        parent,
        "comment",
        encoding,
    )


def _has_paragraph(text: str, title: str | None) -> bool:
    return any(len(line) >= MIN_PARAGRAPH and line != title for line in text.split("\n"))


def paragraph_block(tree: etree._Element) -> etree._Element | None:
    """The element whose own paragraphs (<p> children and text between <br>) hold the most words: the article
    body on Chinese news and government pages, tables and all."""
    best, best_size = None, MIN_BLOCK_TEXT - 1
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in ("p", "a", "li", "ul", "span", "b", "strong"):
            continue
        size = len((el.text or "").strip())
        for child in el:
            if child.tag == "p" and link_density(child) < 0.3:
                size += len("".join(child.itertext()).strip())
            size += len((child.tail or "").strip())
        if size > best_size:
            best, best_size = el, size
    return best


def main_text(tree: etree._Element, title: str | None) -> str:
    """The page's main text — its paragraph block, else trafilatura's (else the page's own text) — without
    the headline and the source/author/time lines under it, nor the editor's line at the end."""
    block = paragraph_block(tree)
    if block is not None:
        return trim_page_lines(text_of(block), title)
    text = ""
    try:
        text = trafilatura.extract(copy.deepcopy(tree), include_comments=False, include_tables=True) or ""
    except Exception:
        text = ""
    if not text.strip():
        text = text_of(tree.find("body") if tree.find("body") is not None else tree)
    return trim_page_lines(text, title)


def trim_page_lines(text: str, title: str | None) -> str:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    start = 0
    while start < len(lines) and start < 6 and _is_head_line(lines[start], title):
        start += 1
    end = len(lines)
    while end > start and len(lines[end - 1]) <= 40 and _TAIL_LABELS.match(lines[end - 1]):
        end -= 1
    return "\n".join(lines[start:end])


def _is_head_line(line: str, title: str | None) -> bool:
    if title and line.replace(" ", "") == title.replace(" ", ""):
        return True
    return len(line) <= 80 and (meta.has_date(line) or bool(_HEAD_LABELS.search(line))) and not line.endswith("。")


def _head_text(tree: etree._Element, title: str | None) -> str:
    """The text just under the headline, where Chinese pages put 来源 / 作者 / time."""
    text = text_of(tree)
    at = text.find(title) if title else -1
    return text[at + len(title) : at + len(title) + 300] if title and at >= 0 else text[:600]
