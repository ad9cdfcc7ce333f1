"""Removal of pinyin injected after Han characters: ``當(dāng)前`` → ``當前``.

Only a parenthesised syllable carrying a tone mark right after a Han character is removed: plain
Latin words in brackets (``世卫组织(WHO)``, ``(a)``) are content, not injected pinyin.
"""

from __future__ import annotations

import re

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = rf"[a-zü{_TONED}]{{0,5}}[{_TONED}][a-zü{_TONED}]{{0,4}}"
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
# full-width parentheses too: a width-normalised page may carry either form
_AFTER_HAN = re.compile(rf"({_HAN})[(（]{_SYLLABLE}[)）]")
_MAYBE = re.compile(rf"[(（][a-zü{_TONED}]{{0,5}}[{_TONED}]")
# a character lost to "?" keeps its pinyin but loses the opening parenthesis: 日?qǐng). The "?"
# becomes U+FFFD, the usual mark of a lost character, so that it is flagged if it stays.
_AFTER_LOST = re.compile(rf"\?{_SYLLABLE}\)")


def remove_pinyin(text: str) -> tuple[str, int, int]:
    """Return (text without injected pinyin, syllables removed, lost characters marked)."""
    if ("(" not in text and "（" not in text) or not _MAYBE.search(text):
        return text, 0, 0
    text, removed = _AFTER_HAN.subn(r"\1", text)
    if not removed:
        return text, 0, 0
    text, lost = _AFTER_LOST.subn("\ufffd", text)
    return text, removed, lost
