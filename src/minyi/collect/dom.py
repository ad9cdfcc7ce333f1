"""The page as an lxml tree: parsing, readable text of an element, and the site's chrome taken away."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

_BLOCKS = {
    "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "blockquote", "pre", "dd", "dt", "table", "ul", "ol", "header", "footer",
}  # fmt: skip
_INVISIBLE = ("script", "style", "noscript", "template", "iframe", "svg", "form", "button", "select", "textarea")
_CHROME_TAGS = ("nav", "aside", "footer")
# class/id words of site chrome in the layouts of Chinese portals and forums (nav, breadcrumbs, share bars,
# "related news", sidebars, footers, ads)
CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|bread|position|location|footer|foot|bottom|header|top"
    r"|topbar|share|bdshare|related|relate|recommend|hot-?news|ranking|rank|sidebar|side|aside|right|left|ads?"
    r"|advert\w*|banner|copyright|login|search|toolbar|tools|pager|pages|pagination|qrcode|weixin)(?:$|[\s_-])",
    re.I,
)
_SPACES = re.compile(r"[ \t\r\f\v\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def parse(html: str) -> lxml.html.HtmlElement | None:
    """The document tree, or None for an empty or unparseable page."""
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)  # lxml refuses a str with an encoding declaration
    if not html.strip():
        return None
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    for bad in root.xpath("//comment() | //processing-instruction()"):
        bad.drop_tree()
    return root


def attrs_of(el: etree._Element) -> str:
    """The element's class and id, for matching words like `comment` or `author`."""
    return f"{el.get('class', '')} {el.get('id', '')}".strip()


def text_of(el: etree._Element) -> str:
    """Readable text: block elements on their own lines, runs of spaces collapsed, scripts left out."""
    parts: list[str] = []
    _walk(el, parts)
    text = "".join(parts)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _walk(el: etree._Element, parts: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _INVISIBLE:
        if el.tail:
            parts.append(el.tail)
        return
    block = tag in _BLOCKS
    if block:
        parts.append("\n")
    if el.text and tag:
        parts.append(el.text)
    for child in el:
        _walk(child, parts)
    if block:
        parts.append("\n")
    if el.tail:
        parts.append(el.tail)


_NOT_WORDS = re.compile(r"\s+|\d{2,4}[-/年.:：]\d{1,2}(?:[-/月.:：]\d{1,2}日?)?")


def link_density(el: etree._Element) -> float:
    """Share of the element's words that are link text (navigation and lists of headlines are near 1); spaces and
    the dates beside headlines are not words."""
    total = len(_NOT_WORDS.sub("", "".join(el.itertext())))
    if not total:
        return 1.0
    linked = sum(len(_NOT_WORDS.sub("", "".join(a.itertext()))) for a in el.iter("a"))
    return min(1.0, linked / total)


def strip_chrome(root: lxml.html.HtmlElement) -> None:
    """Remove invisible elements and the site's chrome (nav, sidebars, footers, share bars) in place."""
    for el in list(root.iter(*_INVISIBLE, *_CHROME_TAGS)):
        _drop(el)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.tag in ("html", "body") or el.getparent() is None:
            continue
        if CHROME.search(attrs_of(el)) and not _holds_long_text(el):
            _drop(el)


def _holds_long_text(el: etree._Element) -> bool:
    """A container named `left`/`main-right` may hold the article: keep elements with real paragraphs."""
    return any(len("".join(p.itertext()).strip()) >= 60 for p in el.iter("p")) and link_density(el) < 0.5


def _drop(el: etree._Element) -> None:
    if el.getparent() is not None:
        el.drop_tree()
