"""Checks over every page template: what a reviewer would otherwise have to catch by eye."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

TEMPLATES = Path(str(files("minyi") / "web" / "templates"))


def test_every_input_says_its_type_so_that_the_stylesheet_styles_it() -> None:
    untyped = [
        f"{path.relative_to(TEMPLATES)}: {tag[:60]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for tag in re.findall(r"<input\b[^>]*>", path.read_text(encoding="utf-8"))
        if not re.search(r"\btype=", tag)
    ]
    assert not untyped, untyped
    css = (TEMPLATES.parent / "static" / "minyi.css").read_text(encoding="utf-8")
    assert "input:not([type])" in css  # and any that slips through still looks like the others
