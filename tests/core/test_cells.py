"""Spreadsheet cells: text that would run as a formula is written as text; numbers pass unchanged."""

from __future__ import annotations

import pytest

from minyi.core.cells import safe_cell, safe_row


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_starts_get_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["市水务局", "", "a=1", " =1", 3, -2, 1.5, None])
def test_other_values_pass_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def test_a_row_is_escaped_cell_by_cell() -> None:
    assert safe_row(["=1", 2, "部门"]) == ["'=1", 2, "部门"]
