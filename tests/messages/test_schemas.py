"""The text patterns of the API document accept exactly what core.validation.text_field accepts."""

from __future__ import annotations

import random
import re

import pytest

from minyi.core.errors import ValidationFailed
from minyi.core.validation import text_field
from minyi.messages.schemas import text_pattern

ALPHABET = [
    "a",
    "中",
    " ",
    "\t",
    "\n",
    "\r",
    "\x85",
    "\xa0",
    "\u3000",
    "\u2028",
    "\ufeff",
    "\x01",
    "\x0b",
    "\x1c",
    "\x7f",
]


def _accepted(value: str, min_len: int, *, required: bool) -> bool:
    try:
        text_field(value, field="x", label="x", max_len=100, min_len=min_len, required=required)
    except ValidationFailed:
        return False
    return True


@pytest.mark.parametrize(("min_len", "required"), [(4, True), (10, True), (2, True), (0, True), (0, False), (5, False)])
def test_pattern_agrees_with_the_service(min_len: int, required: bool) -> None:
    pattern = re.compile(text_pattern(min_len, required=required))
    rng = random.Random(min_len * 2 + required)
    for _ in range(3000):
        value = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        assert bool(pattern.search(value)) == _accepted(value, min_len, required=required), repr(value)
