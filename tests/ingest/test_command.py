"""`minyi import` as a user runs it: a summary per file, bad rows on stderr with exit code 1, --dry-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from minyi.cli import main
from minyi.core import settings as settings_module
from minyi.core.db import make_engine, make_session_factory
from minyi.messages.models import Message


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MINYI_DATABASE_URL", raising=False)
    settings_module.get_settings.cache_clear()
    assert CliRunner().invoke(main, ["migrate"]).exit_code == 0
    yield tmp_path
    settings_module.get_settings.cache_clear()


def _messages(data_dir: Path) -> int:
    with make_session_factory(make_engine(f"sqlite:///{data_dir / 'minyi.sqlite3'}"))() as session:
        return session.scalar(select(func.count(Message.id))) or 0


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


GOOD = [
    {
        "id": i,
        "title": f"留言标题{i}",
        "body": "留言正文",
        "time": "2024-03-04 09:00:00",
        "reply": "您好，已处理。\n市城管局",
        "reply_time": "2024-03-06 09:00:00",
    }
    for i in range(1, 6)
]


def test_import_dry_run_then_real_then_again(data_dir: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "good.jsonl", GOOD)
    runner = CliRunner()
    dry = runner.invoke(main, ["import", "--dry-run", str(path)])
    assert dry.exit_code == 0 and "5 imported" in dry.output and "dry run" in dry.output
    assert _messages(data_dir) == 0
    real = runner.invoke(main, ["import", "--batch-size", "2", str(path)])
    assert real.exit_code == 0 and "[good]: 5 rows, 5 imported (5 with a reply)" in real.output
    again = runner.invoke(main, ["import", str(path)])
    assert again.exit_code == 0 and "0 imported" in again.output and "5 already present" in again.output
    assert _messages(data_dir) == 5


def test_bad_rows_fail_the_command_and_name_row_and_column(data_dir: Path, tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.jsonl", [*GOOD[:2], {"id": 9, "title": "标题", "body": "正文", "time": "昨天"}])
    good = _write(tmp_path / "good.jsonl", GOOD[2:])
    result = CliRunner().invoke(main, ["import", str(bad), str(good)])
    assert result.exit_code == 1
    assert "bad.jsonl: cannot be read, nothing written" in result.output
    assert "row 3, column 'time'" in result.output and "unparseable time" in result.output
    assert "[good]: 3 rows, 3 imported" in result.output  # the other file is still imported
    assert _messages(data_dir) == 3
    unreadable = CliRunner().invoke(main, ["import", "--skip-bad-rows", str(bad)])  # a parse error stops the file
    assert unreadable.exit_code == 1 and "not read past this row" in unreadable.output and _messages(data_dir) == 3
    checked = _write(tmp_path / "checked.jsonl", [*GOOD[:2], {"id": 9, "title": "标题", "body": "正文"}])
    skipped = CliRunner().invoke(main, ["import", "--skip-bad-rows", str(checked)])
    assert skipped.exit_code == 0 and "1 bad rows skipped" in skipped.output and _messages(data_dir) == 5
    assert "row 3, column 'time': missing" in skipped.output
    refused = CliRunner().invoke(
        main, ["import", str(_write(tmp_path / "again.jsonl", [{"id": 1, "title": "t", "body": "b"}]))]
    )
    assert refused.exit_code == 1 and "again.jsonl: 1 bad rows, nothing written" in refused.output


def test_unknown_options_and_missing_files_are_refused(data_dir: Path) -> None:
    assert CliRunner().invoke(main, ["import", "/nonexistent.jsonl"]).exit_code == 2
    assert CliRunner().invoke(main, ["import"]).exit_code == 2
    assert CliRunner().invoke(main, ["import", "--appeal-kind", "rant", __file__]).exit_code == 2


def test_a_later_file_completes_what_an_earlier_one_lacked(data_dir: Path, tmp_path: Path) -> None:
    unreplied = [{k: v for k, v in row.items() if not k.startswith("reply")} for row in GOOD[:2]]
    plain = _write(tmp_path / "plain.jsonl", unreplied)
    votes = _write(tmp_path / "votes.jsonl", [unreplied[0] | {"likes": 4, "dislikes": 1}])
    replies = _write(tmp_path / "replies.jsonl", GOOD[:2])
    first = CliRunner().invoke(main, ["import", "--source", "tc", str(plain), str(votes), str(replies)])
    assert first.exit_code == 0, first.output
    assert "[tc]: 1 rows, 0 imported (0 with a reply), 0 already present, the votes of 1 message added" in first.output
    assert (
        "[tc]: 2 rows, 0 imported (0 with a reply), 0 already present, 2 replies added to existing cases"
        in first.output
    )
    again = CliRunner().invoke(main, ["import", "--source", "tc", str(replies), str(votes)])
    assert again.exit_code == 0 and "added" not in again.output and "2 already present" in again.output
    assert _messages(data_dir) == 2
