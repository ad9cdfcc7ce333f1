"""Checks over every page template: what a reviewer would otherwise have to catch by eye."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

TEMPLATES = Path(str(files("minyi") / "web" / "templates"))


def test_every_input_says_its_type_so_that_the_stylesheet_styles_it() -> None:
    untyped = [
        f"{path.relative_to(TEMPLATES)}: {tag[:60]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for tag in re.findall(r"<input\b[^>]*>", path.read_text(encoding="utf-8"))
        if not re.search(r"\btype=", tag)
    ]
    assert not untyped, untyped
    css = (TEMPLATES.parent / "static" / "minyi.css").read_text(encoding="utf-8")
    assert "input:not([type])" in css  # and any that slips through still looks like the others


def test_a_web_voice_source_line_becomes_a_link_and_nothing_else_does() -> None:
    from minyi.web.templating import web_source_linked

    body = "春晖路积水<b>严重</b>。\n\n（网络民意，来源：http://news.example.cn/a?id=1&x=2）"
    shown = str(web_source_linked(body))
    assert shown.startswith("春晖路积水&lt;b&gt;严重&lt;/b&gt;。")
    assert (
        '（网络民意，来源：<a class="web-source" href="http://news.example.cn/a?id=1&amp;x=2" '
        'rel="nofollow noopener noreferrer" target="_blank">http://news.example.cn/a?id=1&amp;x=2</a>）'
    ) in shown
    for hostile in (
        "（网络民意，来源：javascript:alert(1)）",
        '（网络民意，来源：http://x.cn/"onmouseover="alert(1)）',
        "来源：http://x.cn/a",
    ):
        assert 'href="javascript' not in str(web_source_linked(hostile))
        assert 'onmouseover="' not in str(web_source_linked(hostile))
    assert "<a" not in str(web_source_linked("（网络民意，来源：javascript:alert(1)）"))
