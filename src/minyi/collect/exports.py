"""Exports dropped as files (a microblog's or a comment section's export, or `minyi collect`'s own output): rows
with `text` and, where the export has them, `url`, `title`, `author`, `published`, `parent_url`, `kind`."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from minyi.collect.crawl import HostHealth
from minyi.collect.extract import Item
from minyi.collect.urls import is_web_url, normalize_url

EXPORT_SUFFIXES = frozenset({".jsonl", ".json", ".csv"})
KINDS = frozenset({"article", "post", "comment"})


def read_export(path: Path, health: HostHealth) -> list[Item]:
    """The export's rows as items; an unreadable file or row is a failure in `health`, never an exception."""
    try:
        rows = _rows(path)
    except (OSError, ValueError, csv.Error) as exc:
        health.fail(str(path), f"cannot read the export: {type(exc).__name__}: {exc}")
        return []
    health.fetched += 1
    items: list[Item] = []
    for number, row in enumerate(rows, start=1):
        item = _item(path, number, row) if isinstance(row, dict) else None
        if item is None:
            health.fail(f"{path}#{number}", "row without text")
            continue
        items.append(item)
    health.items = len(items)
    return items


def _rows(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return list(csv.DictReader(text.splitlines()))
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        return data if isinstance(data, list) else [data]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _item(path: Path, number: int, row: dict[str, Any]) -> Item | None:
    text = str(row.get("text") or "").strip()
    if not text:
        return None
    url = str(row.get("url") or "").strip()
    if not is_web_url(url):  # an export without links: a stable address of its own, by file and text
        digest = hashlib.sha256(f"{path.name}\x00{text}".encode()).hexdigest()[:16]
        url = f"file://{path.name}#{digest}"
    canonical = str(row.get("canonical_url") or "").strip()
    parent = str(row.get("parent_url") or "").strip() or None
    kind = str(row.get("kind") or "").strip()
    return Item(
        url=url,
        canonical_url=canonical if is_web_url(canonical) else (normalize_url(url) if is_web_url(url) else url),
        title=str(row.get("title") or "").strip() or None,
        text=text,
        author=str(row.get("author") or "").strip() or None,
        published=str(row.get("published") or "").strip() or None,
        parent_url=parent,
        kind=kind if kind in KINDS else ("comment" if parent else "post"),
        encoding="utf-8",
    )
