"""The platform commands, run as a user would on a fresh data folder."""

from __future__ import annotations

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
    yield tmp_path
    settings_module.get_settings.cache_clear()


def test_migrate_then_demo_data_prints_random_logins_once(data_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    first = runner.invoke(main, ["demo-data"])
    assert first.exit_code == 0, first.output
    assert "coordinator" in first.output and "admin" in first.output
    assert "log in at http://127.0.0.1:8000/staff/login" in first.output and "HOST:PORT" not in first.output
    passwords = [line.split()[1] for line in first.output.splitlines() if line.startswith("  ")]
    assert len(passwords) >= 5 and len(set(passwords)) == len(passwords)
    second = runner.invoke(main, ["demo-data"])
    assert "already loaded" in second.output
    engine = make_engine(f"sqlite:///{data_dir / 'minyi.sqlite3'}")
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count(Message.id))) >= 8
    assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0


def test_create_user_and_reset_password(data_dir: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["migrate"])
    made = runner.invoke(main, ["create-user", "chief", "--name", "主任", "--role", "supervisor"])
    assert made.exit_code == 0 and "password" in made.output
    dup = runner.invoke(main, ["create-user", "chief", "--name", "主任", "--role", "supervisor"])
    assert dup.exit_code != 0 and "已被使用" in dup.output
    handler = runner.invoke(main, ["create-user", "handler1", "--name", "甲", "--role", "handler"])
    assert handler.exit_code != 0 and "部门" in handler.output
    reset = runner.invoke(main, ["reset-password", "chief"])
    assert reset.exit_code == 0 and "new password" in reset.output
    assert runner.invoke(main, ["reset-password", "ghost"]).exit_code != 0


def test_run_jobs_reports_what_it_did(data_dir: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["migrate"])
    result = runner.invoke(main, ["run-jobs"])
    assert result.exit_code == 0 and "auto_closed" in result.output
    assert "{" not in result.output  # one line a task, not a Python dict
    assert any(
        line.split()[0] == "auto_closed" and line.split()[1].isdigit() for line in result.output.splitlines()[1:]
    )
