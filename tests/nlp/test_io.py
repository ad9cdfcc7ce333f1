"""read_messages: the shared schema from .jsonl/.csv/.xlsx, and a clear error for every bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minyi.nlp.io import MessageFileError, read_messages

ROWS = [
    {"id": 1, "title": "小区停车难", "body": "希望增加停车位", "time": "2019-04-25 09:32:09", "likes": 3},
    {
        "id": 2,
        "title": "公交线路建议",
        "body": "建议延长1路公交收班时间",
        "user": "A0001",
        "reply": "已转交县交通运输局。",
    },
]


def _jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_reads_jsonl_with_optional_columns(tmp_path: Path) -> None:
    messages = read_messages(_jsonl(tmp_path / "m.jsonl", ROWS))
    assert [m["id"] for m in messages] == [1, 2]
    assert messages[0]["likes"] == 3 and messages[0]["time"] == "2019-04-25 09:32:09"
    assert messages[1]["reply"].startswith("已转交")


def test_reads_csv(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("id,title,body,time\n7,标题,正文,2019/04/25 09:32:09\n", encoding="utf-8-sig")
    assert read_messages(path) == [{"id": 7, "title": "标题", "body": "正文", "time": "2019-04-25 09:32:09"}]


def test_reads_xlsx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "title", "body", "likes"])
    sheet.append([3, "路灯不亮", "请修路灯", 2.0])
    sheet.append([None, None, None, None])  # blank rows are skipped
    book.save(tmp_path / "m.xlsx")
    assert read_messages(tmp_path / "m.xlsx") == [{"id": 3, "title": "路灯不亮", "body": "请修路灯", "likes": 2}]


def _error(path: Path) -> MessageFileError:
    with pytest.raises(MessageFileError) as info:
        read_messages(path)
    return info.value


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("id,title\n1,标题\n", encoding="utf-8")
    error = _error(path)
    assert error.row == 0 and error.column == "body" and "missing" in error.reason


def test_empty_file(tmp_path: Path) -> None:
    for name in ("m.jsonl", "m.csv"):
        (tmp_path / name).write_text("  \n", encoding="utf-8")
        assert "empty" in _error(tmp_path / name).reason
    (tmp_path / "h.csv").write_text("id,title,body\n", encoding="utf-8")
    assert "no messages" in _error(tmp_path / "h.csv").reason


def test_duplicate_ids_name_both_rows(tmp_path: Path) -> None:
    error = _error(_jsonl(tmp_path / "m.jsonl", [ROWS[0], ROWS[1], ROWS[0]]))
    assert (error.row, error.column) == (3, "id") and "row 1" in error.reason
    assert len(read_messages(tmp_path / "m.jsonl", unique_ids=False)) == 3


def test_bad_json_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(ROWS[0]) + '\n{"id": 2, "title": \n', encoding="utf-8")
    error = _error(path)
    assert error.row == 2 and "bad JSON" in error.reason and "row 2" in str(error)
    path.write_text("[1, 2]\n", encoding="utf-8")
    assert "JSON object" in _error(path).reason


def test_unparseable_time_names_row_and_column(tmp_path: Path) -> None:
    error = _error(_jsonl(tmp_path / "m.jsonl", [ROWS[0], {**ROWS[1], "reply_time": "昨天下午"}]))
    assert (error.row, error.column) == (2, "reply_time") and "unparseable time" in error.reason


def test_bad_numbers_and_ids(tmp_path: Path) -> None:
    assert _error(_jsonl(tmp_path / "a.jsonl", [{**ROWS[0], "likes": "many"}])).column == "likes"
    assert _error(_jsonl(tmp_path / "b.jsonl", [{**ROWS[0], "id": ""}])).column == "id"
    assert _error(_jsonl(tmp_path / "c.jsonl", [{**ROWS[0], "title": "", "body": " "}])).column == "title"


def test_unsupported_missing_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "m.txt").write_text("x", encoding="utf-8")
    assert "unsupported" in _error(tmp_path / "m.txt").reason
    assert "not found" in _error(tmp_path / "absent.jsonl").reason
    (tmp_path / "bad.xlsx").write_bytes(b"\x00\x01 not a zip")
    assert "xlsx" in _error(tmp_path / "bad.xlsx").reason
    (tmp_path / "bin.jsonl").write_bytes(bytes(range(1, 256)))
    assert isinstance(_error(tmp_path / "bin.jsonl"), MessageFileError)


def test_reads_the_shared_files(shared_data_dir: Path) -> None:
    messages = read_messages(shared_data_dir / "teddycup2020" / "messages_with_replies.jsonl")
    assert len(messages) > 2000 and all(m["title"] or m["body"] for m in messages)
    assert sum(1 for m in messages if "reply_time" in m) > 2000
