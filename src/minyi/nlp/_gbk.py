"""Repair of GBK mojibake spans in Chinese text.

Two kinds are repaired:

- ``gbk_shift``: GBK bytes decoded one byte off. The span's first byte was lost, so every character
  is made of the second byte of one original character and the first byte of the next.
  Re-encoding the span as GBK, putting the lost lead byte back (0xA1, the punctuation row) and
  decoding again brings the original characters back.
- ``utf8_as_gbk``: UTF-8 bytes decoded as GBK (``浣犲ソ`` for ``你好``).

Garbled spans are full of rare characters, so the cheap detector looks for Han characters (or
kana, Greek, box-drawing symbols) that GBK can produce but that are not among the ~3,800 + ~5,400
most frequent Simplified/Traditional characters (GB2312 level 1, Big5 level 1). Only when two such
characters are close together is a repair searched for, and one is kept only when the re-decoded
span is made of frequent characters that form dictionary words (jieba's dictionary) where the
garbled span formed none.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# ASCII punctuation that scrapers often narrow from the full-width form that was in the GBK bytes.
_ASCII_TO_FULL = {ord(c): ord(c) + 0xFEE0 for c in "!,;:?()"}
_MAX_LEFT = 6  # how far left of a cluster of suspicious characters a span may start
_MAX_RIGHT = 6  # how far right of it the span may end
_MAX_CLUSTERS = 200  # beyond this the text is noise, not a few garbled spans: flag, don't search
_MIN_COVERAGE = 0.6  # share of the repaired span's Han characters inside dictionary words
_MIN_COVERAGE_GAIN = 0.4
_SYMBOL_PREFIXES = ("CJK UNIFIED", "HIRAGANA", "KATAKANA", "GREEK", "CYRILLIC", "BOX DRAWINGS")


@dataclass(frozen=True)
class GbkFix:
    """One repaired span: text[start:end] was `before` and becomes `after`."""

    kind: str
    start: int
    end: int
    before: str
    after: str
    truncated: bool  # a trailing half character could not be recovered


def _decode_pairs(codec: str, leads: range, trails: range) -> set[str]:
    chars = set()
    for lead in leads:
        for trail in trails:
            try:
                chars.add(bytes((lead, trail)).decode(codec))
            except UnicodeDecodeError:
                continue
    return chars


@functools.cache
def frequent_chars() -> frozenset[str]:
    """Frequent Han (GB2312 level 1 ∪ Big5 level 1), CJK punctuation and printable ASCII."""
    han = _decode_pairs("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))
    han |= _decode_pairs("big5", range(0xA4, 0xC6), range(0x40, 0xFF))
    punct = set("，。、；：？！“”‘’（）《》【】—…·～「」『』")
    return frozenset(han | punct | {chr(c) for c in range(0x20, 0x7F)})


@functools.cache
def suspicious_chars() -> frozenset[str]:
    """Han, kana, Greek, Cyrillic and box-drawing characters GBK has that are not frequent."""
    every = _decode_pairs("gbk", range(0x81, 0xFF), range(0x40, 0xFF))
    odd = {c for c in every if unicodedata.name(c, "").startswith(_SYMBOL_PREFIXES)}
    return frozenset(odd - frequent_chars())


@functools.cache
def _dictionary_words() -> frozenset[str]:
    """Words of 2 to 4 characters from jieba's dictionary (read once, ~0.5 s)."""
    import jieba  # noqa: PLC0415  (only needed on this rare path)

    words = set()
    path = Path(jieba.__file__).with_name("dict.txt")
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word = line.split(" ", 1)[0]
            if 2 <= len(word) <= 4:
                words.add(word)
    return frozenset(words)


@functools.cache
def _to_simplified():  # noqa: ANN202
    import opencc  # noqa: PLC0415

    return opencc.OpenCC("t2s")


def has_suspicious(text: str) -> bool:
    """Cheap detector: does the text contain any character typical of garbled GBK?"""
    return not suspicious_chars().isdisjoint(text)


def word_coverage(text: str) -> float:
    """Share of the Han characters of `text` (made Simplified) inside 2-4 character words."""
    simple = _to_simplified().convert(text)
    han = [c for c in simple if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.0
    words, covered, i = _dictionary_words(), 0, 0
    while i < len(simple):
        size = next((n for n in (4, 3, 2) if simple[i : i + n] in words), 1)
        covered += size if size > 1 else 0
        i += size
    return min(1.0, covered / len(han))


def _clusters(text: str) -> list[tuple[int, int]]:
    """(first, last) index of groups of two or more suspicious characters at most 2 apart."""
    suspicious = suspicious_chars()
    found: list[list[int]] = []
    for i, char in enumerate(text):
        if char in suspicious:
            if found and i - found[-1][1] <= 2:
                found[-1][1] = i
            else:
                found.append([i, i])
    return [(a, b) for a, b in found if b > a]


def _redecodings(span: str) -> list[tuple[str, str, int | None]]:
    """(kind, text, dangling lead byte or None) for each way the span's bytes decode cleanly."""
    try:
        raw = span.translate(_ASCII_TO_FULL).encode("gbk")
    except UnicodeEncodeError:
        return []
    found = []
    for data in (b"\xa1" + raw, raw[1:]):
        dangling = None
        if len(data) % 2:
            data, dangling = data[:-1], data[-1]
        try:
            found.append(("gbk_shift", data.decode("gbk"), dangling))
        except UnicodeDecodeError:
            continue
    try:
        found.append(("utf8_as_gbk", raw.decode("utf-8"), None))
    except UnicodeDecodeError:
        pass
    return found


def _candidates(text: str, first: int, last: int):  # noqa: ANN202
    """Yield (coverage gain, length, kind, start, end, decoded, completion) around one cluster.

    The completion is "" when no byte dangled, None when a dangling byte could not be completed.
    """
    frequent = frequent_chars()
    for start in range(max(0, first - _MAX_LEFT), first + 1):
        for end in range(last + 1, min(len(text), last + 1 + _MAX_RIGHT) + 1):
            span = text[start:end]
            if "\n" in span:
                continue
            for kind, decoded, dangling in _redecodings(span):
                if not decoded or not frequent.issuperset(decoded):
                    continue
                completed = _complete(decoded[-1], dangling) if dangling is not None else ""
                coverage = word_coverage(decoded + (completed or ""))
                if coverage >= _MIN_COVERAGE:
                    gain = coverage - word_coverage(span)
                    yield gain, len(span), kind, start, end, decoded, completed


def _best_fix(text: str, first: int, last: int) -> GbkFix | None:
    """The candidate with the largest gain in dictionary-word coverage (then the longest)."""
    best = max(_candidates(text, first, last), default=None, key=lambda c: c[:2])
    if best is None or best[0] < _MIN_COVERAGE_GAIN:
        return None
    _, _, kind, start, end, after, completed = best
    return GbkFix(kind, start, end, text[start:end], after + (completed or ""), completed is None)


@functools.lru_cache(maxsize=4096)
def _complete(before: str, lead: int) -> str | None:
    """Recover a character whose second byte was lost, by the word it makes with `before`.

    Only when exactly one frequent candidate forms a dictionary word with the preceding character.
    """
    words, frequent = _dictionary_words(), frequent_chars()
    found = []
    for trail in range(0x40, 0xFF):
        try:
            char = bytes((lead, trail)).decode("gbk")
        except UnicodeDecodeError:
            continue
        if char in frequent and _to_simplified().convert(before + char) in words:
            found.append(char)
    return found[0] if len(found) == 1 else None


def repair_gbk(text: str) -> tuple[str, list[GbkFix], list[str]]:
    """Repair confident garbled spans; returns (text, fixes, flags)."""
    clusters = _clusters(text)
    if len(clusters) > _MAX_CLUSTERS:
        return text, [], ["gbk_suspect_many"]
    fixes: list[GbkFix] = []
    flags: set[str] = set()
    for first, last in clusters:
        if fixes and first < fixes[-1].end:
            continue
        fix = _best_fix(text, first, last)
        if fix is None:
            if last - first >= 2 and word_coverage(text[first : last + 1]) == 0:
                flags.add("gbk_suspect")
            continue
        fixes.append(fix)
        if fix.truncated:
            flags.add("gbk_shift_truncated")
    for fix in reversed(fixes):
        text = text[: fix.start] + fix.after + text[fix.end :]
    return text, fixes, sorted(flags)
