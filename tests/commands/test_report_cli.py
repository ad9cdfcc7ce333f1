"""`minyi report` as a user runs it: HTML and XLSX files, weekly periods, bad and empty periods."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from minyi.cli import main
from minyi.core import settings as settings_module


@pytest.fixture
def empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MINYI_DATABASE_URL", raising=False)
    settings_module.get_settings.cache_clear()
    yield tmp_path
    settings_module.get_settings.cache_clear()


@pytest.fixture
def data_dir(empty_dir: Path) -> Path:
    tmp_path = empty_dir
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    rows = [
        {
            "id": i,
            "title": f"幸福路{i}号路灯不亮",
            "body": "路灯坏了很久，晚上出行不安全。",
            "time": f"2024-03-0{i} 09:00:00",
            "reply": "您好，路灯已经修复。\n市城管局",
            "reply_time": f"2024-03-0{i + 2} 10:00:00",
        }
        for i in range(1, 6)
    ]
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert runner.invoke(main, ["import", str(path)]).exit_code == 0
    return tmp_path


def test_monthly_and_weekly_reports(data_dir: Path) -> None:
    out = data_dir / "out"
    result = CliRunner().invoke(main, ["report", "--period", "2024-03", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2024年3月民意月报" in result.output and "收到留言: 5 (上期 0, +5)" in result.output
    html = (out / "minyi-report-2024-03.html").read_text(encoding="utf-8")
    assert "2024年3月民意月报" in html and "市城管局" in html
    book = load_workbook(out / "minyi-report-2024-03.xlsx")
    assert book.sheetnames == ["概要", "趋势", "部门", "热点问题", "考核排名", "答复示例"]
    weekly = CliRunner().invoke(main, ["report", "--period", "2024-W09", "--out", str(out), "--store"])
    assert weekly.exit_code == 0 and (out / "minyi-report-2024-W09.html").exists()
    assert "2024年第9周民意周报" in weekly.output


def test_empty_period_is_a_clear_report(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--period", "2023-01", "--out", str(data_dir)])
    assert result.exit_code == 0 and "没有收到留言" in result.output and "回复率: —" in result.output


@pytest.mark.parametrize("period", ["2024-13", "2024-W54", "March", "", "2999-01"])
def test_malformed_periods_are_clear_cli_errors(empty_dir: Path, period: str) -> None:
    result = CliRunner().invoke(main, ["report", "--period", period, "--out", str(empty_dir / "x")])
    assert result.exit_code == 2 and "Invalid value for --period" in result.output
    assert not (empty_dir / "x").exists()
