"""`minyi hot`: jsonl/csv/xlsx in, a ranked table out (stdout, xlsx, JSON); bad files fail cleanly."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from minyi.cli import main

T0 = datetime(2019, 11, 1, 9)
PROBLEM = [
    ("丽景花园小区附近搅拌站噪音扰民", "A市A2区丽景花园小区旁边新建了一个混凝土搅拌站，每天晚上噪音很大，灰尘满天飞。"),
    ("投诉丽景花园旁搅拌站夜间作业", "我是丽景花园小区的业主，小区附近的搅拌站半夜还在作业，噪音和粉尘严重影响生活。"),
    ("A2区丽景花园小区搅拌站粉尘污染严重", "丽景花园小区边上的搅拌站粉尘太大，晚上噪音也很大，请求搬迁搅拌站。"),
]
OTHERS = [
    ("A7县星沙镇开元路路灯不亮", "开元路东段的路灯已经坏了一个多月，晚上通行很不安全。"),
    ('=HYPERLINK("http://example.com")咨询公积金', "请问公积金贷款的额度是多少？"),
]
COLUMNS = ["id", "user", "title", "time", "body", "likes", "dislikes"]


def _rows() -> list[dict]:
    return [
        {
            "id": 500 + k,
            "user": f"U{k}",
            "title": title,
            "time": f"{T0 + timedelta(days=2 * k):%Y-%m-%d %H:%M:%S}",
            "body": body,
            "likes": k,
            "dislikes": 0,
        }
        for k, (title, body) in enumerate(PROBLEM + OTHERS)
    ]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _write_csv(path: Path, rows: list[dict], columns: list[str] = COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _write_xlsx(path: Path, rows: list[dict]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for r in rows:
        sheet.append([r[c] for c in COLUMNS])
    book.save(path)
    return path


def _invoke(*args: str):
    return CliRunner().invoke(main, ["hot", *args, "--no-progress"])


def test_hot_ranks_a_jsonl_file_and_writes_json_and_xlsx(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows())
    out_json, out_xlsx = tmp_path / "hot.json", tmp_path / "hot.xlsx"
    result = _invoke(str(source), "--top", "2", "--json", str(out_json), "--xlsx", str(out_xlsx))
    assert result.exit_code == 0, result.output
    assert "丽景花园" in result.output.splitlines()[0]
    issues = json.loads(out_json.read_text(encoding="utf-8"))
    assert len(issues) == 2
    assert set(issues[0]) >= {"rank", "score", "description", "start", "end", "members"}
    assert issues[0]["rank"] == 1 and issues[0]["members"] == [500, 501, 502]
    assert issues[0]["start"] == "2019-11-01 09:00:00" and issues[0]["end"] == "2019-11-05 09:00:00"
    book = openpyxl.load_workbook(out_xlsx)
    assert book.sheetnames == ["热点问题", "热点问题留言明细"]
    table, members = book.worksheets
    assert table.cell(2, 1).value == 1 and "丽景花园" in table.cell(2, 3).value
    assert [row[1] for row in members.iter_rows(min_row=2, values_only=True)][:3] == [500, 501, 502]
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows())
    out_xlsx = tmp_path / "hot.xlsx"
    assert _invoke(str(source), "--top", "5", "--xlsx", str(out_xlsx)).exit_code == 0
    cells = [c for row in openpyxl.load_workbook(out_xlsx).worksheets[1].iter_rows() for c in row]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert risky and all(c.data_type == "s" for c in risky)


@pytest.mark.parametrize("writer", [_write_csv, _write_xlsx])
def test_hot_reads_csv_and_xlsx(tmp_path: Path, writer) -> None:
    source = writer(tmp_path / f"in.{writer.__name__.split('_')[-1]}", _rows())
    out_json = tmp_path / "hot.json"
    result = _invoke(str(source), "--top", "1", "--json", str(out_json))
    assert result.exit_code == 0, result.output
    assert json.loads(out_json.read_text(encoding="utf-8"))[0]["members"] == [500, 501, 502]


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    rows = _rows()
    duplicate = [*rows, {**rows[0], "title": "另一条"}]
    bad_time = [dict(r) for r in rows]
    bad_time[2]["time"] = "2019-13-45 25:61:00"
    no_time = [dict(r) for r in rows]
    del no_time[3]["time"]
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    return {
        "empty": (tmp_path / "empty.jsonl", "empty"),
        "missing column": (_write_csv(tmp_path / "cols.csv", rows, ["id", "user", "time", "body"]), "title"),
        "duplicate ids": (_write_jsonl(tmp_path / "dup.jsonl", duplicate), "row 6, column 'id': duplicate id 500"),
        "bad time": (_write_jsonl(tmp_path / "time.jsonl", bad_time), "row 3, column 'time': unparseable time"),
        "no time": (_write_jsonl(tmp_path / "notime.jsonl", no_time), "row 4, column 'time'"),
        "absent": (tmp_path / "absent.jsonl", "not found"),
    }


@pytest.mark.parametrize("case", ["empty", "missing column", "duplicate ids", "bad time", "no time", "absent"])
def test_bad_input_fails_clearly_and_writes_nothing(tmp_path: Path, case: str) -> None:
    source, message = _bad_files(tmp_path)[case]
    out_json, out_xlsx = tmp_path / "out" / "hot.json", tmp_path / "out" / "hot.xlsx"
    out_json.parent.mkdir()
    result = _invoke(str(source), "--json", str(out_json), "--xlsx", str(out_xlsx))
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert list(out_json.parent.iterdir()) == []


def test_unwritable_output_leaves_no_partial_files(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows())
    out_json = tmp_path / "hot.json"
    result = _invoke(str(source), "--json", str(out_json), "--xlsx", str(tmp_path / "missing" / "hot.xlsx"))
    assert result.exit_code != 0 and "does not exist" in result.output
    assert not out_json.exists() and not list(tmp_path.glob(".*.tmp"))


def test_bad_options(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows())
    assert _invoke(str(source), "--top", "0").exit_code != 0
    result = _invoke(str(source), "--now", "tomorrow")
    assert result.exit_code != 0 and "--now" in result.output
    later = _invoke(str(source), "--top", "1", "--now", "2021-01-01")
    assert later.exit_code == 0 and "近 30 天无新增" in later.output
    listed = _invoke(str(source), "--top", "1", "--members", "2")
    assert listed.exit_code == 0 and "500  2019-11-01  U0  丽景花园" in listed.output
    assert "502" not in listed.output.split("\n", 1)[1]
