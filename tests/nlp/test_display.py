"""strip_invisible / public_display / public_search_text: controls removed, then personal data masked."""

from __future__ import annotations

import pytest

from minyi.nlp.display import public_display, public_search_text, strip_invisible


@pytest.mark.parametrize(
    "char",
    [
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u200f",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2060",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\ufeff",
    ],
)
def test_every_override_and_zero_width_character_is_removed(char: str) -> None:
    assert strip_invisible(f"路灯{char}不亮") == "路灯不亮"


def test_visible_text_is_kept_as_it_is() -> None:
    text = "  第一行\n第二行：全角，标点！😀 Ａ"
    assert strip_invisible(text) == text and strip_invisible("") == ""


def test_a_hidden_character_inside_a_number_does_not_stop_the_mask() -> None:
    assert public_display("电话 138\u200b1234\u202e5678") == "电话 138****5678"
    assert public_display("") == ""


def test_search_text_is_the_three_fields_as_shown_one_per_line() -> None:
    assert public_search_text("标题13812345678", "正文", "") == "标题138****5678\n正文\n"
