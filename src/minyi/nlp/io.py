"""Read message files (.jsonl, .csv, .xlsx) in the shared data's schema, with clear errors.

Schema: id, title, body (required); user, time, category, reply, reply_time, likes, dislikes (optional).
Every problem raises MessageFileError naming the row (1-based data row; 0 = the file itself), the column
and the reason, so that a coordinator importing a file knows exactly what to fix.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "MessageFileError", "read_messages"]

REQUIRED_COLUMNS = ("id", "title", "body")
OPTIONAL_COLUMNS = ("user", "time", "category", "reply", "reply_time", "likes", "dislikes")
_TIME_COLUMNS = ("time", "reply_time")
_INT_COLUMNS = ("likes", "dislikes")
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y-%m-%dT%H:%M:%S",
)


class MessageFileError(ValueError):
    """A message file that cannot be read: where (row, column) and why."""

    def __init__(self, row: int, column: str | None, reason: str, *, path: str | Path | None = None) -> None:
        self.row = row
        self.column = column
        self.reason = reason
        self.path = str(path) if path is not None else None
        where = "file" if row == 0 else f"row {row}"
        if column:
            where += f", column '{column}'"
        prefix = f"{self.path}: " if self.path else ""
        super().__init__(f"{prefix}{where}: {reason}")


def read_messages(path: str | Path, *, unique_ids: bool = True) -> list[dict[str, Any]]:
    """All messages of a .jsonl/.csv/.xlsx file as dicts; raises MessageFileError on any problem.

    unique_ids=False accepts repeated ids (the shared labelled file holds one message under two categories).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    readers = {".jsonl": _jsonl_rows, ".json": _jsonl_rows, ".csv": _csv_rows, ".xlsx": _xlsx_rows}
    if suffix not in readers:
        raise MessageFileError(0, None, f"unsupported file type '{suffix}' (use .jsonl, .csv or .xlsx)", path=path)
    if not path.is_file():
        raise MessageFileError(0, None, "file not found", path=path)
    try:
        messages = [_check_row(n, raw) for n, raw in readers[suffix](path)]
    except MessageFileError as exc:
        exc.path = str(path)
        exc.args = (f"{path}: {exc.args[0]}",)
        raise
    if not messages:
        raise MessageFileError(0, None, "the file holds no messages", path=path)
    if unique_ids:
        _check_unique_ids(messages)
    return messages


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    text = _read_text(path)
    n = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        n += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MessageFileError(n, None, f"bad JSON: {exc.msg} at character {exc.pos}") from None
        if not isinstance(obj, dict):
            raise MessageFileError(n, None, f"expected a JSON object, got {type(obj).__name__}")
        if n == 1:
            _check_columns(obj.keys())
        yield n, obj


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    text = _read_text(path)
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None:
        raise MessageFileError(0, None, "the file is empty")
    _check_columns([c.strip() for c in reader.fieldnames if c])
    for n, row in enumerate(reader, start=1):
        yield n, {(k or "").strip(): v for k, v in row.items() if k is not None}


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise MessageFileError(0, None, f"not a readable .xlsx file ({type(exc).__name__})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise MessageFileError(0, None, "the file is empty")
        names = [str(h).strip() if h is not None else "" for h in header]
        _check_columns(names)
        n = 0
        for values in rows:
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            n += 1
            yield n, {name: value for name, value in zip(names, values, strict=False) if name}
    finally:
        book.close()


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise MessageFileError(0, None, "the file is empty")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MessageFileError(0, None, "not UTF-8 or GB18030 text")  # pragma: no cover - gb18030 decodes most bytes


def _check_columns(names: Any) -> None:
    present = set(names)
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise MessageFileError(0, missing[0], f"missing required column(s): {', '.join(missing)}")


def _check_row(n: int, raw: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in REQUIRED_COLUMNS:
        if column not in raw:
            raise MessageFileError(n, column, "missing value")
    row["id"] = _parse_id(n, raw["id"])
    for column in ("title", "body"):
        value = raw[column]
        row[column] = "" if value is None else str(value)
    if not row["title"].strip() and not row["body"].strip():
        raise MessageFileError(n, "title", "both title and body are empty")
    for column in OPTIONAL_COLUMNS:
        value = raw.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if column in _TIME_COLUMNS:
            row[column] = _parse_time(n, column, value)
        elif column in _INT_COLUMNS:
            row[column] = _parse_int(n, column, value)
        else:
            row[column] = str(value)
    return row


def _parse_id(n: int, value: Any) -> int | str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MessageFileError(n, "id", "empty id")
    if isinstance(value, bool):
        raise MessageFileError(n, "id", f"bad id {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise MessageFileError(n, "id", f"bad id {value!r}")
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else text


def _parse_time(n: int, column: str, value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value).strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
    raise MessageFileError(n, column, f"unparseable time {text[:40]!r} (expected YYYY-MM-DD HH:MM:SS)")


def _parse_int(n: int, column: str, value: Any) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MessageFileError(n, column, f"not a number: {str(value)[:40]!r}") from None
    if not number.is_integer() or number < 0:
        raise MessageFileError(n, column, f"not a non-negative integer: {value!r}")
    return int(number)


def _check_unique_ids(messages: list[dict[str, Any]]) -> None:
    seen: dict[Any, int] = {}
    for n, message in enumerate(messages, start=1):
        key = message["id"]
        if key in seen:
            raise MessageFileError(n, "id", f"duplicate id {key!r} (first seen in row {seen[key]})")
        seen[key] = n
