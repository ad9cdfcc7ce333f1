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

import contextlib
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# ASCII punctuation that scrapers often narrow from the full-width form that was in the GBK bytes.
_ASCII_TO_FULL = {ord(c): ord(c) + 0xFEE0 for c in "!,;:?()"}
_MAX_LEFT = 6  # how far left of a cluster of suspicious characters a span may start
_MAX_RIGHT = 6  # how far right of it the span may end
_MAX_SPAN = 24  # longest span re-decoded at once; a longer garble is repaired piece by piece
_MAX_CLUSTERS = 50  # beyond this the text is noise, not a few garbled spans: flag, don't search
_CONTEXT = 8  # characters each side of a cluster over which a repair's reading is judged
_MIN_COVERAGE = 0.6  # share of the repaired span's Han characters inside dictionary words
_MIN_COVERAGE_GAIN = 0.4
# and at least this many of them: two-character "words" happen by chance after a byte shift, but
# a UTF-8 decoding of GBK bytes that succeeds at all is already strong evidence.
_MIN_COVERED = {"gbk_shift": 4, "utf8_as_gbk": 2}
# what a shifted decoding produces: rare Han, kana, Greek, Cyrillic, box drawing, and the
# "digit full stop" signs (⒈⒉) that a shifted 、 (0xA1A2) turns into
_SYMBOL_PREFIXES = ("CJK UNIFIED", "HIRAGANA", "KATAKANA", "GREEK", "CYRILLIC", "BOX DRAWINGS", "DIGIT ", "NUMBER ")
# A GBK trail byte can be ASCII (0x40-0x7E): the shifted decoding of a Traditional text leaves a lone
# Latin letter or symbol glued between Han characters (琅f, 栴}). Uppercase is left out: the shared
# data writes anonymised places that way (西地省A市).
_GLUED_ASCII_CHARS = "abcdefghijklmnopqrstuvwxyz`@[]^_{|}~"
_GLUED_ASCII = "(?<=[\u4e00-\u9fff])[a-z`@\\[\\]^_{|}~](?=[\u4e00-\u9fff，。、])"
# A shifted 、 (0xA1A2) starts with a list sign of row 0xA2 (⑵ ① ㈥ Ⅲ): odd when glued after Han,
# where a real list sign never stands.
_LIST_SIGN_RANGES = ((0x2160, 0x216C), (0x2460, 0x249C), (0x3220, 0x322A))
_GLUED_LIST_SIGN = "(?<=[\u4e00-\u9fff])[\u2160-\u216b\u2460-\u249b\u3220-\u3229]"
_MAX_GAP = 3  # odd characters at most this far apart form one cluster


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
    """Frequent Han, CJK punctuation and printable ASCII.

    Frequent Han: GB2312 level 1, Big5 level 1, and every GBK character whose Simplified form is in
    GB2312 level 1 (Traditional variants such as 爲 羣 衆 that Big5 level 1 lacks).
    """
    simplified = _decode_pairs("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))
    han = simplified | _decode_pairs("big5", range(0xA4, 0xC6), range(0x40, 0xFF))
    every = sorted(_decode_pairs("gbk", range(0x81, 0xFF), range(0x40, 0xFF)) - han)
    converted = to_simplified().convert("\n".join(every)).split("\n")
    han |= {c for c, s in zip(every, converted, strict=True) if s in simplified}
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
    import jieba  # only needed on this rare path

    words = set()
    path = Path(jieba.__file__).with_name("dict.txt")
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word = line.split(" ", 1)[0]
            if 2 <= len(word) <= 4:
                words.add(word)
    return frozenset(words)


@functools.cache
def to_simplified():  # opencc ships no type stubs
    """The OpenCC Traditional → Simplified converter (config ``t2s``), built once."""
    import opencc

    return opencc.OpenCC("t2s")


def char_class(chars: Iterable[str]) -> str:
    """A regular-expression character class matching exactly `chars`, as compact ranges."""
    points, parts = sorted(map(ord, chars)), []
    start = 0
    for i, point in enumerate(points):
        if i + 1 == len(points) or points[i + 1] != point + 1:
            low, high = re.escape(chr(points[start])), re.escape(chr(point))
            parts.append(low if start == i else f"{low}-{high}")
            start = i + 1
    return "[" + "".join(parts) + "]"


@functools.cache
def _suspicious_pattern() -> re.Pattern[str]:
    return re.compile(char_class(suspicious_chars()))


@functools.cache
def _odd_pattern() -> re.Pattern[str]:
    """One odd character: a suspicious one, or a glued ASCII letter or list sign (the same matches as
    ``suspicious|_GLUED_ASCII|_GLUED_LIST_SIGN``). Written as one class of every candidate character followed
    by look-behinds that check which kind it is, so that re skips the other characters at C speed (the
    alternation starts with look-behinds, which made it try all three at every position: ~6x slower)."""
    suspicious = suspicious_chars()
    signs = {chr(c) for low, high in _LIST_SIGN_RANGES for c in range(low, high)}
    first = char_class(set(suspicious) | set(_GLUED_ASCII_CHARS) | signs)
    han = "[\u4e00-\u9fff]"
    return re.compile(
        f"{first}(?:(?<={char_class(suspicious)})"
        f"|(?<={han}[a-z`@\\[\\]^_{{|}}~])(?=[\u4e00-\u9fff，。、])"
        f"|(?<={han}[\u2160-\u216b\u2460-\u249b\u3220-\u3229]))"
    )


def has_suspicious(text: str) -> bool:
    """Cheap detector (a few µs): does the text contain a character typical of garbled GBK?"""
    return _suspicious_pattern().search(text) is not None


def word_coverage(text: str) -> tuple[float, int]:
    """(share, count) of the Han characters of `text` (made Simplified) inside 2-4 char words."""
    simple = to_simplified().convert(text)
    han = sum(1 for c in simple if "\u4e00" <= c <= "\u9fff")
    if not han:
        return 0.0, 0
    words, covered, i = _dictionary_words(), 0, 0
    while i < len(simple):
        size = next((n for n in (4, 3, 2) if i + n <= len(simple) and simple[i : i + n] in words), 1)
        covered += size if size > 1 else 0
        i += size
    return covered / han, covered


def _next_cluster(text: str, pos: int) -> tuple[int, int] | None:
    """(first, last) index of the next group of odd characters close together.

    Only groups with two or more different characters count: garbling seldom repeats a character,
    while Chinese often does (咔咔, 嗲嗲, 鑫天鑫).
    """
    first = last = -1
    group: set[str] = set()
    for match in _odd_pattern().finditer(text, pos):
        i = match.start()
        if first >= 0 and i - last > _MAX_GAP:
            if len(group) >= 2:
                return first, last
            first, group = -1, set()
        if first < 0:
            first = i
        last = i
        group.add(match.group(0))
    return (first, last) if len(group) >= 2 else None


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
    with contextlib.suppress(UnicodeDecodeError):
        found.append(("utf8_as_gbk", raw.decode("utf-8"), None))
    return found


def _candidates(text: str, first: int, last: int) -> Iterator[tuple[tuple, GbkFix]]:
    """Yield (rank, fix) for each clean re-decoding of a span around one cluster.

    Rank: suspicious characters removed, then how well the repaired text around the cluster reads
    (Han characters inside words minus those outside), then the span's length.
    """
    frequent, suspicious = frequent_chars(), suspicious_chars()
    low, high = max(0, first - _CONTEXT), last + 1 + _CONTEXT
    for start in range(max(0, first - _MAX_LEFT), first + 1):
        for end in range(first + 2, min(len(text), last + 1 + _MAX_RIGHT, start + _MAX_SPAN) + 1):
            span = text[start:end]
            if "\n" in span:
                continue
            for kind, decoded, dangling in _redecodings(span):
                if not decoded or not frequent.issuperset(decoded):
                    continue
                completed = _complete(decoded[-1], dangling) if dangling is not None else ""
                after = decoded + (completed or "")
                coverage, covered = word_coverage(after)
                if coverage < _MIN_COVERAGE or covered < _MIN_COVERED[kind]:
                    continue
                if coverage - word_coverage(span)[0] >= _MIN_COVERAGE_GAIN:
                    removed = sum(1 for c in span if c in suspicious)
                    reads = _reads(text[low:start] + after + text[end:high])
                    fix = GbkFix(kind, start, end, span, after, completed is None)
                    yield (removed, reads, len(span), len(after)), fix


def _reads(text: str) -> int:
    """Han characters inside dictionary words minus Han characters outside them."""
    coverage, covered = word_coverage(text)
    return 2 * covered - round(covered / coverage) if covered else -len(text)


def _best_fix(text: str, first: int, last: int) -> GbkFix | None:
    """The best ranked candidate around one cluster, if any."""
    best = max(_candidates(text, first, last), default=None, key=lambda ranked: ranked[0])
    return None if best is None else _trimmed(best[1])


def _trimmed(fix: GbkFix) -> GbkFix:
    """Drop the characters a fix leaves as they were from both of its ends."""
    before, after, start, end = fix.before, fix.after, fix.start, fix.end
    while before and after and before[-1] == after[-1] and not fix.truncated:
        before, after, end = before[:-1], after[:-1], end - 1
    while before and after and before[0] == after[0]:
        before, after, start = before[1:], after[1:], start + 1
    return GbkFix(fix.kind, start, end, before, after, fix.truncated)


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
        if char in frequent and to_simplified().convert(before + char) in words:
            found.append(char)
    return found[0] if len(found) == 1 else None


def repair_gbk(text: str) -> tuple[str, list[GbkFix], list[str]]:
    """Repair confident garbled spans, left to right; returns (text, fixes, flags)."""
    fixes: list[GbkFix] = []
    flags: set[str] = set()
    pos = tried = 0
    while (cluster := _next_cluster(text, pos)) is not None:
        tried += 1
        if tried > _MAX_CLUSTERS:
            flags.add("gbk_suspect_many")
            break
        first, last = cluster
        fix = _best_fix(text, first, last)
        if fix is None:
            if _looks_garbled(text, first, last):
                flags.add("gbk_suspect")
            pos = last + 1
            continue
        fixes.append(fix)
        flags.update(["gbk_shift_truncated"] if fix.truncated else [])
        text = text[: fix.start] + fix.after + text[fix.end :]
        pos = fix.start + len(fix.after)
    return text, fixes, sorted(flags)


def _looks_garbled(text: str, first: int, last: int) -> bool:
    """Three or more different odd characters close together that form no word."""
    distinct = {m.group(0) for m in _odd_pattern().finditer(text, first, last + 2) if m.start() <= last}
    return len(distinct) >= 3 and word_coverage(text[first : last + 1])[1] == 0
