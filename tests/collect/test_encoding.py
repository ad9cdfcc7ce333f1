"""Page bytes to text: the bytes decide, the header and <meta> only when the bytes agree."""

from __future__ import annotations

from minyi.collect.encoding import decode_page

TEXT = "<html><head>{meta}</head><body><p>青川市河西区居民反映春晖路积水严重，希望尽快修好排水管道。</p></body></html>"


def test_gbk_with_a_header_and_gb2312_meta_is_read_as_gb18030() -> None:
    page = TEXT.format(meta='<meta charset="gb2312">')
    text, codec = decode_page(page.encode("gbk"), "text/html; charset=GBK")
    assert "春晖路积水" in text and codec == "gb18030"


def test_gb18030_characters_beyond_gbk() -> None:
    page = TEXT.format(meta='<meta charset="gb18030">').replace("居民", "居民𠮷")
    text, codec = decode_page(page.encode("gb18030"), None)
    assert "居民𠮷" in text and codec == "gb18030"


def test_big5_from_the_meta_charset() -> None:
    page = TEXT.format(meta='<meta http-equiv="Content-Type" content="text/html; charset=big5">').replace(
        "青川市河西区居民反映春晖路积水严重，希望尽快修好排水管道。",
        "青川市河西區居民反映春暉路積水嚴重，希望盡快修好排水管道。",
    )
    text, codec = decode_page(page.encode("big5"), "text/html")
    assert "春暉路積水嚴重" in text and codec.startswith("big5")


def test_utf8_bytes_behind_a_wrong_gbk_header() -> None:
    page = TEXT.format(meta='<meta charset="gbk">')
    text, codec = decode_page(page.encode("utf-8"), "text/html; charset=gbk")
    assert "春晖路积水" in text and codec == "utf-8"


def test_no_declaration_at_all_is_guessed() -> None:
    text, _ = decode_page(TEXT.format(meta="").encode("gb18030") * 3, None)
    assert "春晖路积水" in text


def test_undecodable_bytes_never_raise() -> None:
    text, codec = decode_page(b"\xff\xfe\xfa\x80\x81" * 10, "text/html; charset=nonsense")
    assert isinstance(text, str) and codec
