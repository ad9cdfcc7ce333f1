"""Spreadsheet cells that never run as formulas: every CSV and XLSX writer passes its rows through here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and WPS.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet shows as typed (a leading apostrophe); numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row of cells, each through `safe_cell` (department names, titles, places are data, not formulas)."""
    return [safe_cell(v) for v in values]
