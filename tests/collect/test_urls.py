"""One page, one URL: the normal form used to fetch every page once and to find the same page twice."""

from __future__ import annotations

from minyi.collect.urls import absolute_url, host_of, normalize_url


def test_normal_form() -> None:
    assert normalize_url("HTTP://News.Example.CN:80/a/./b/../c.html?b=2&a=1&utm_source=wx#top") == (
        "http://news.example.cn/a/c.html?a=1&b=2"
    )
    assert normalize_url("https://x.cn:443") == "https://x.cn/"
    assert normalize_url("/p?id=5&spm=a.b", "http://x.cn/list/") == "http://x.cn/p?id=5"
    assert normalize_url("http://x.cn/%e6%b0%91") == normalize_url("http://x.cn/民")


def test_absolute_url_keeps_the_query_as_written() -> None:
    assert absolute_url("../t.html?b=1&a=2#f", "http://x.cn/a/b/") == "http://x.cn/a/t.html?b=1&a=2"
    assert host_of("http://X.cn:8080/p") == "http://x.cn:8080"
