"""What a page says about itself: headline, author, time, canonical URL, the next page of a thread."""

from __future__ import annotations

import re

from lxml import etree

from minyi.collect.dom import attrs_of, text_of
from minyi.collect.urls import absolute_url, normalize_url

_DATE = re.compile(
    r"(20\d{2}|19\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
_AUTHOR_LABEL = re.compile(r"(?:作者|记者|文|编辑|发布人|发帖人|楼主|网友|用户)\s*[:：/]\s*([^\s|｜/，,;；:：]{1,20})")
_TITLE_PARTS = re.compile(r"\s*(?:_|\||｜|--|——|\s[-–—]\s)\s*")
_NEXT_TEXT = re.compile(r"^\s*(?:下一页|下页|后页|下一頁|next|›|»|>)\s*(?:›|»|>)?\s*$", re.I)
_META_AUTHOR = ("author", "article:author", "Author", "byline", "dc.creator")
_META_TIME = (
    "article:published_time", "pubdate", "publishdate", "PubDate", "publish_time", "og:release_date",
    "dc.date", "dcterms.created", "date",
)  # fmt: skip
_AUTHOR_CLASS = re.compile(r"author|authi|user(?:name)?|uname|nick|poster|writer|by-?line", re.I)
_PROFILE_LINK = re.compile(r"space|uid=|/u/|/user|/home|profile|member|/people/", re.I)


def headline(root: etree._Element) -> str | None:
    """The page's headline. Chinese pages start <title> with it and then add the section and site names
    (`标题_青川吧_贴吧`), and some put the site's logo in <h1>: so first a heading (h1-h3) that begins <title>, then
    any element whose text is <title>'s first part (a government table's `td.bt`), then the first <h1>, og:title,
    and <title>'s first part."""
    title_el = root.find(".//title")
    full = " ".join(text_of(title_el).split()) if title_el is not None else ""
    first = _TITLE_PARTS.split(full)[0].strip() if full else ""
    headings = [" ".join(text_of(h).split()) for h in root.iter("h1", "h2", "h3")]
    for text in headings:
        if len(text) >= 4 and full.startswith(text):
            return text
    if len(first) >= 4:
        for el in root.iter("h4", "h5", "td", "div", "span", "b", "strong", "p", "em"):
            if (el.text and el.text.strip() == first) or " ".join(text_of(el).split()) == first:
                return first
    h1 = next((t for t, h in zip(headings, root.iter("h1", "h2", "h3"), strict=False) if h.tag == "h1" and t), None)
    return h1 or _meta(root, ("og:title",)) or first or full or None


def canonical_link(root: etree._Element, base: str) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return normalize_url(link.get("href", ""), base)
    return None


def next_page(root: etree._Element, base: str) -> str | None:
    """The next page of a thread or comment list: rel=next, else a link that reads 下一页 / next."""
    for el in root.iter("link", "a"):
        if "next" in (el.get("rel") or "").lower().split() and el.get("href"):
            return absolute_url(el.get("href", ""), base)
    for a in root.iter("a"):
        href = a.get("href")
        if href and not href.startswith(("javascript:", "#")) and _NEXT_TEXT.match("".join(a.itertext())):
            return absolute_url(href, base)
    return None


def page_author(root: etree._Element, head_text: str) -> str | None:
    """<meta name=author>, else `作者：…` in the lines under the headline, else an element classed `author`."""
    found = _meta(root, _META_AUTHOR)
    if found:
        return found
    label = _AUTHOR_LABEL.search(head_text)
    if label:
        return label.group(1)
    return author_in(root)


def author_in(el: etree._Element) -> str | None:
    """An element classed like an author or user name, or a link to a user's profile, with a short text."""
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        profile = node.tag == "a" and _PROFILE_LINK.search(node.get("href", ""))
        if profile or _AUTHOR_CLASS.search(attrs_of(node)):
            text = " ".join(text_of(node).split())
            text = re.sub(r"^(?:作者|发帖人|楼主|网友|用户)\s*[:：]\s*", "", text)
            if 0 < len(text) <= 30 and not _DATE.search(text):
                return text
    return None


def page_time(root: etree._Element, head_text: str) -> str | None:
    """Publication time in ISO 8601 (China time when the page gives no zone), or None."""
    raw = _meta(root, _META_TIME)
    if raw:
        found = iso_time(raw)
        if found:
            return found
    for el in root.iter("time"):
        found = iso_time(el.get("datetime") or text_of(el))
        if found:
            return found
    return iso_time(head_text)


def iso_time(text: str) -> str | None:
    """The first date (and time) in `text` as ISO 8601: `2024-03-05T10:20:00+08:00`, or `2024-03-05`."""
    match = _DATE.search(text or "")
    if not match:
        return None
    year, month, day, hour, minute, second = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    date = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    if hour is None or int(hour) > 23 or int(minute) > 59:
        return date
    zone = _zone_after(text, match.end())
    return f"{date}T{int(hour):02d}:{int(minute):02d}:{int(second or 0):02d}{zone}"


def _zone_after(text: str, end: int) -> str:
    zone = re.match(r"(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})", text[end:])
    if not zone:
        return "+08:00"
    value = zone.group(1)
    return "+00:00" if value == "Z" else (value if ":" in value else f"{value[:3]}:{value[3:]}")


def has_date(text: str) -> bool:
    return _DATE.search(text) is not None


def _meta(root: etree._Element, names: tuple[str, ...]) -> str | None:
    wanted = {n.lower() for n in names}
    for meta in root.iter("meta"):
        key = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        content = (meta.get("content") or "").strip()
        if key in wanted and content:
            return content
    return None


def absolute_links(root: etree._Element, base: str) -> list[str]:
    """Every <a href> of the page, absolute, in page order, once per normal form."""
    seen: dict[str, str] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "mailto:", "#", "tel:")):
            url = absolute_url(href, base)
            seen.setdefault(normalize_url(url), url)
    return list(seen.values())
