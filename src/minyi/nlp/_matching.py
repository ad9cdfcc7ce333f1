"""Aho-Corasick matches on any str: the automaton reads UTF-8, which has no lone surrogates (``"\\ud800"``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ahocorasick_rs import AhoCorasick

__all__ = ["find_matches"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def find_matches(matcher: AhoCorasick, text: str, *, overlapping: bool = False) -> list[tuple[int, int, int]]:
    """(pattern index, start, end) of ``matcher``'s matches in ``text`` (character offsets). A lone surrogate
    is read as U+FFFD (same length, in no pattern): the matches are those of the text itself."""
    try:
        return matcher.find_matches_as_indexes(text, overlapping=overlapping)
    except UnicodeEncodeError:
        return matcher.find_matches_as_indexes(_SURROGATE.sub("\ufffd", text), overlapping=overlapping)
