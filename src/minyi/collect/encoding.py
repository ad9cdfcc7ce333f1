"""Page bytes to text: the encoding the bytes are in, not only the one the server or the page claims.

Order: a byte-order mark; bytes that are valid UTF-8 (a Chinese GBK page is virtually never valid UTF-8, so a
UTF-8 page behind a wrong `charset=gbk` header is read right); the HTTP header's and the page's own `<meta>`
charset, each only if the bytes decode under it; then charset-normalizer's guess; GB18030 with replacement last.
GB2312 and GBK are read as GB18030, their superset (a page labelled GB2312 often holds GBK characters).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs", "cp936": "gb18030"}
_SNIFF = 200_000  # charset-normalizer reads at most this many bytes


def charset_of_header(content_type: str | None) -> str | None:
    match = _HEADER.search(content_type or "")
    return match.group(1) if match else None


def charset_of_meta(data: bytes) -> str | None:
    match = _META.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def decode_page(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, the codec name that read it)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name.removesuffix("-sig")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for declared in (charset_of_header(content_type), charset_of_meta(data)):
        text = _try(data, declared)
        if text is not None:
            return text
    best = from_bytes(data[:_SNIFF]).best()
    if best is not None:
        text = _try(data, best.encoding)
        if text is not None:
            return text
    return data.decode("gb18030", errors="replace"), "gb18030"


def _try(data: bytes, name: str | None) -> tuple[str, str] | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    codec = _SUPERSETS.get(codec, codec)
    if codec in ("utf-8", "ascii"):  # already failed above
        return None
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError:
        return None
