"""Personal data in messages: find it, and mask it for public display.

Kinds: ``mobile`` (1[3-9] + 9 digits, optional +86), ``landline`` (area code 0xx/0xxx, a separator,
7-8 digits), ``id_card`` (18-character resident ID, checked by its birth date and its GB 11643
check character), ``bank_card`` (16-19 digits passing the Luhn check), ``email`` and ``plate``
(licence plates, the 8-character new-energy ones too). Numbers are checked, not only matched: an
18-digit number with a wrong check character is not an ID, a long order number failing Luhn is not
a card, an amount or a date is not a phone number.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data: its kind and where it is (text[start:end] == text)."""

    kind: str
    start: int
    end: int
    text: str


# Numbers in a labelled field like this are references, not personal data.
_REFERENCE_LABEL = re.compile(r"(?:订单|单号|编号|流水|快递|运单|合同|案号|发票|批次|工单|序号|票号)[号码:：\s]*$")
# A number followed by a unit or a decimal part is an amount or a measure, not a phone number.
_UNIT_AFTER = re.compile(r"\s*(?:元|块|万|亿|千|百|米|平|吨|斤|克|公里|km|人|次|户|%|‰|\.\d)")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTER = "A-HJ-NP-Z"  # plate letters skip I and O

_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "id_card": re.compile(r"(?<![\dA-Za-z])[1-8]\d{5}(?:19|20)\d{9}[\dXx](?![\dA-Za-z])"),
    "bank_card": re.compile(r"(?<![\d-])[3-6]\d{3}(?:[ -]?\d{4}){2}[ -]?\d{4,7}(?![\d-])"),
    "mobile": re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![\d-])"),
    "landline": re.compile(
        r"(?<![\d-])(?:\(0(?:10|2\d|[3-9]\d{2})\)|（0(?:10|2\d|[3-9]\d{2})）|0(?:10|2\d|[3-9]\d{2})[-－ ])"
        r"[2-9]\d{6,7}(?![\d-])"
    ),
    "plate": re.compile(
        rf"(?<![A-Za-z0-9])[{_PROVINCES}][{_PLATE_LETTER}][·•\s]?"
        rf"(?:[DF][{_PLATE_LETTER}0-9]\d{{4}}|\d{{5}}[DF]|[{_PLATE_LETTER}0-9]{{5}}|[{_PLATE_LETTER}0-9]{{4}}[学警挂领使港澳])"
        r"(?![A-Za-z0-9])"
    ),
}
_LONG_NUMBER = re.compile(r"\d{3}")  # every number kind has a 3-digit group: skip them all when absent
_FULL_WIDTH_DIGITS = {0xFF10 + i: ord("0") + i for i in range(10)}
_FULL_WIDTH_DIGIT = re.compile("[\uff10-\uff19]")
_ORDER = ("email", "id_card", "bank_card", "mobile", "landline", "plate")  # wins on overlap

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_checksum_ok(number: str) -> bool:
    """GB 11643: the 18th character is the weighted sum of the first 17 digits mod 11."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _birth_date_ok(number: str) -> bool:
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def luhn_ok(digits: str) -> bool:
    """The Luhn check used by bank cards: doubled every second digit from the right, sum % 10."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _is_reference(text: str, start: int) -> bool:
    return _REFERENCE_LABEL.search(text, max(0, start - 8), start) is not None


def _valid_id(text: str, match: re.Match[str]) -> bool:
    number = match.group(0)
    return id_checksum_ok(number) and _birth_date_ok(number)


def _valid_card(text: str, match: re.Match[str]) -> bool:
    digits = _digits(match.group(0))
    return 16 <= len(digits) <= 19 and luhn_ok(digits) and not _is_reference(text, match.start())


def _valid_phone(text: str, match: re.Match[str]) -> bool:
    if _is_reference(text, match.start()):
        return False
    return _UNIT_AFTER.match(text, match.end()) is None


_VALIDATORS: dict[str, Callable[[str, re.Match[str]], bool]] = {
    "id_card": _valid_id,
    "bank_card": _valid_card,
    "mobile": _valid_phone,
    "landline": _valid_phone,
}


def find_pii(text: str) -> list[PiiMatch]:
    """Every piece of personal data in `text`, in order, without overlaps.

    Where two kinds claim the same characters the first of email, ID, card, mobile, landline,
    plate wins. Raises TypeError when `text` is not a str.
    """
    if not isinstance(text, str):
        raise TypeError(f"find_pii() expects str, got {type(text).__name__}")
    original, text = text, _ascii_digits(text)  # same length: positions stay valid
    numeric = _LONG_NUMBER.search(text) is not None
    taken = _Spans()
    found: list[PiiMatch] = []
    for kind in _ORDER:
        if kind not in ("email", "plate") and not numeric:
            continue
        valid = _VALIDATORS.get(kind)
        for match in _PATTERNS[kind].finditer(text):
            start, end = match.span()
            if not taken.overlaps(start, end) and (valid is None or valid(text, match)):
                taken.add(start, end)
                found.append(PiiMatch(kind, start, end, original[start:end]))
    return sorted(found, key=lambda m: m.start)


class _Spans:
    """Non-overlapping (start, end) spans kept sorted, for overlap checks in O(log n)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start)
        before = i > 0 and self._ends[i - 1] > start
        return before or (i < len(self._starts) and self._starts[i] < end)

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def _ascii_digits(text: str) -> str:
    """Full-width digits (１３８) as ASCII, so that one set of patterns serves both."""
    return text.translate(_FULL_WIDTH_DIGITS) if _FULL_WIDTH_DIGIT.search(text) else text


# How much of each kind stays readable once masked: (characters kept at the start, at the end).
_KEEP = {
    "mobile": (3, 4),
    "landline": (4, 2),
    "id_card": (3, 2),
    "bank_card": (0, 4),
    "plate": (2, 1),
}


def _mask(match: PiiMatch) -> str:
    if match.kind == "email":
        local, _, domain = match.text.partition("@")
        return local[:1] + "*" * max(3, len(local) - 1) + "@" + domain
    head, tail = _KEEP[match.kind]
    chars = list(match.text)
    positions = [i for i, c in enumerate(chars) if c.isalnum()]
    for i in positions[head : len(positions) - tail]:
        chars[i] = "*"
    return "".join(chars)


def mask_pii(text: str) -> str:
    """`text` with personal data starred out for public display (138****5678, z***@qq.com)."""
    masked, last = [], 0
    for match in find_pii(text):
        masked += [text[last : match.start], _mask(match)]
        last = match.end
    masked.append(text[last:])
    return "".join(masked)
