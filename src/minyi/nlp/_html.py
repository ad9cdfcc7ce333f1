"""Web pages: main-content extraction, page boilerplate lines, injected spam links.

HTML goes through trafilatura (selectolax as a fallback); a page that was captured as plain text is
cleaned line by line: navigation, share, QR-code and footer lines are recognised by what they say
and by where they stand (before the first or after the last real paragraph), not by a list of one
site's exact lines.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"<(?:!doctype|html|head|body|div|p|br|span|a|table|ul|li|h[1-6]|script|article)\b", re.I)
_BOILERPLATE = re.compile(
    r"分享到|分享至|一键分享|转发到|扫一扫|扫码|二维码|长按识别|关注我们|版权所有|copyright|ICP备|ICP证"
    r"|网安备|不良信息|举报电话|联系我们|关于我们|网站地图|返回顶部|打印本页|关闭窗口|责任编辑|收藏本页"
    r"|设为首页|加入收藏|上一篇|下一篇|相关阅读|相关新闻|推荐阅读|热点推荐|点击排行|字号[:：]?\s*[大中小]"
    r"|^首页|^(?:[^|｜]{1,8}[|｜]){2,}|^.{0,8}(?:微信|微博|抖音|快手|头条号|公众号|客户端|app)$|^更多|©\s*\d{4}|^[×✕xX|>»«·•\-\s]+$",
    re.I,
)
_SHORT = 30  # boilerplate lines are short; a longer line that mentions 微信 is content
_PARAGRAPH = 40  # a line this long with sentence punctuation is a body paragraph
_SENTENCE_END = re.compile(r"[。！？；!?;…”」）)]$")
_TEASER_END = re.compile(r"(?:……|\.\.\.|…)\s*$")
_TLD = r"(?:com|cn|net|org|info|top|xyz|vip|cc|me|io|co|biz|tv|club|site|online|win|bet|app|gov|edu)"
_PATH = r"(?:/(?:(?!https?:)[\w.~%/?#=&+-])*)?"  # stops where the next link's scheme starts
_LINK = re.compile(
    rf"(?:(?:https?|ftp):)?//(?:[A-Za-z0-9-]+\.)+{_TLD}(?![A-Za-z])(?::\d+)?{_PATH}"
    rf"|(?<![\w@.])(?:[A-Za-z0-9-]+\.)+{_TLD}(?![A-Za-z])(?!@){_PATH}",
    re.ASCII,
)
_HOST = re.compile(rf"(?:[A-Za-z0-9-]+\.)+{_TLD}", re.ASCII)
_LINK_HINT = re.compile(rf"//|\.{_TLD}(?![A-Za-z])", re.ASCII)


def looks_like_html(text: str) -> bool:
    """Two or more HTML tags in the first 10,000 characters."""
    head = text[:10_000]
    return "<" in head and len(_TAG.findall(head, 0)) >= 2


def extract_html(html: str) -> str:
    """Main content of a page (title first), via trafilatura; selectolax when that finds nothing."""
    import trafilatura  # import on first use: it costs ~0.3 s and plain messages never need it

    document = trafilatura.bare_extraction(html, favor_precision=True, include_comments=False)
    text = (getattr(document, "text", None) or "").strip()
    title = (getattr(document, "title", None) or "").strip()
    if not text:
        return _selectolax_text(html)
    if title and not text.startswith(title):
        text = title + "\n" + text
    return text


def _selectolax_text(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser  # selectolax 1.0 removed the old `parser` (Modest) backend

    tree = LexborHTMLParser(html)
    tree.strip_tags(["script", "style", "nav", "header", "footer", "aside", "form", "noscript"])
    body = tree.body or tree.root
    return body.text(separator="\n") if body is not None else ""


def is_boilerplate(line: str) -> bool:
    """A short line that is navigation, sharing, a QR-code prompt or a footer."""
    return len(line) <= _SHORT and _BOILERPLATE.search(line) is not None


def looks_like_page(text: str) -> bool:
    """Plain text captured from a web page: at least two boilerplate lines."""
    found = 0
    for line in text.split("\n"):
        found += is_boilerplate(line)
        if found >= 2:
            return True
    return False


def _is_paragraph(line: str) -> bool:
    return len(line) >= _PARAGRAPH and re.search(r"[。！？；，,.!?;]", line) is not None


def _drop_teasers(lines: list[str], keep: list[bool], last: int) -> int:
    """Unkeep 'related article' teasers (a headline, then a cut-off excerpt) ending the body.

    Returns the index of the new last paragraph (-1 when none is left).
    """
    while last > 0 and _TEASER_END.search(lines[last]):
        headline = max((i for i in range(last) if keep[i]), default=-1)
        if headline < 0 or _is_paragraph(lines[headline]) or _SENTENCE_END.search(lines[headline]):
            break
        keep[headline] = keep[last] = False
        last = max((i for i in range(headline) if _is_paragraph(lines[i])), default=-1)
    return last


def strip_page_boilerplate(text: str) -> tuple[str, list[str]]:
    """Drop boilerplate lines, teasers and what follows the article; returns (text, dropped lines).

    After the last paragraph only a closing sentence (a long line ending a sentence) is kept.
    """
    lines = text.split("\n")
    keep = [bool(line) for line in lines]
    paragraphs = [i for i, line in enumerate(lines) if _is_paragraph(line)]
    last = _drop_teasers(lines, keep, paragraphs[-1]) if paragraphs else len(lines) - 1
    for i, line in enumerate(lines):
        closing = len(line) > _SHORT and _SENTENCE_END.search(line) is not None
        if keep[i] and (is_boilerplate(line) or (i > last and not closing)):
            keep[i] = False
    kept = [line for line, k in zip(lines, keep, strict=True) if k]
    dropped = [line for line, k in zip(lines, keep, strict=True) if line and not k]
    return "\n".join(kept), dropped


def may_have_link(text: str) -> bool:
    """Cheap check before the link pattern: a '//' or a dot followed by a top-level domain."""
    return _LINK_HINT.search(text) is not None


def _is_spam_host(link: str, before: str) -> bool:
    """A host made mostly of digits (8858151.com) or a scheme-less //host glued into the text."""
    if link.startswith("//") and before != ":":
        return True
    host = _HOST.search(link)
    if host is None:
        return False
    name = host.group(0).rsplit(".", 1)[0].removeprefix("www.")
    digits = sum(c.isdigit() for c in name)
    return digits >= 4 and digits * 2 >= len(name)


def remove_spam_links(text: str, *, header_end: int = 0) -> tuple[str, list[str]]:
    """Remove spam-looking links anywhere and every link in text[:header_end] (a page's by-line).

    Returns (text, removed links). Ordinary links in a citizen's message are content and stay.
    """
    removed: list[str] = []

    def drop(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() else ""
        if match.start() < header_end or _is_spam_host(match.group(0), before):
            removed.append(match.group(0))
            return ""
        return match.group(0)

    return _LINK.sub(drop, text), removed


def header_end(text: str) -> int:
    """Offset where the first body paragraph of a page starts (0 when there is none)."""
    offset = 0
    for line in text.split("\n"):
        if _is_paragraph(line):
            return offset
        offset += len(line) + 1
    return 0
