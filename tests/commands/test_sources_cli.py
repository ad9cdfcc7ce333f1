"""`minyi sources add|list|remove` and `minyi collect --once` on a real database and a web served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from minyi.cli import main
from minyi.core import settings as settings_module
from minyi.core.migrate import upgrade
from tests.collect.loopback import Answer, LoopbackWeb
from tests.collect.pages import news_page

HOST = "127.0.0.1"


class _Analyzer:
    def analyze_many(self, pairs: list[tuple[str, str]]) -> list[dict]:
        return [{"domain": None, "appeal_kind": None, "urgent": False, "places": []} for _ in pairs]


@pytest.fixture
def web() -> Iterator[LoopbackWeb]:
    served = LoopbackWeb((HOST,))
    yield served
    served.close()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'minyi.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MINYI_DATABASE_URL", url)
    monkeypatch.setattr("minyi.nlp.pipeline.load_default_analyzer", _Analyzer)
    settings_module.get_settings.cache_clear()
    yield url
    settings_module.get_settings.cache_clear()


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_add_list_collect_once_and_remove(database: str, web: LoopbackWeb) -> None:
    page = web.serve(HOST, "/news/1.html", Answer(news_page().encode()))
    added = _run("sources", "add", "青川新闻", page, "--kind", "page", "--place", "河西区", "--schedule", "30")
    assert added.exit_code == 0, added.output
    assert "added source 1" in added.output
    once = _run("collect", "--once")
    assert once.exit_code == 0, once.output
    assert "青川新闻" in once.output and "正常" in once.output and "新增 1 条" in once.output
    assert "no source is due" in _run("collect", "--once").output
    listed = _run("sources", "list").output
    assert "青川新闻" in listed and "错误 0 个" in listed
    removed = _run("sources", "remove", "1")
    assert removed.exit_code == 0 and "deactivated" in removed.output
    assert "青川新闻" not in _run("sources", "list").output
    assert "[停用]" in _run("sources", "list", "--all").output


def test_bad_input_gives_clear_errors(database: str) -> None:
    bad = _run("sources", "add", "论坛", "ftp://x", "--kind", "list", "--weight", "11")
    assert bad.exit_code == 1 and "网址须以" in bad.output and "权重" in bad.output
    assert "没有这个来源" in _run("sources", "remove", "9").output
    assert _run("collect", "--once", "http://127.0.0.1/").exit_code == 2
    assert _run("collect", "http://127.0.0.1/").exit_code == 2


def test_edit_remove_and_resume_from_the_command_line_are_audited(database: str) -> None:
    from sqlalchemy import select

    from minyi.accounts.models import AuthEvent
    from minyi.collect.models import WebSource
    from minyi.core.db import make_engine, make_session_factory, transaction

    assert _run("sources", "add", "青川新闻", "http://127.0.0.1/rss.xml").exit_code == 0
    assert _run("sources", "edit", "1").exit_code != 0  # nothing to change
    bad = _run("sources", "edit", "1", "--weight", "11", "--url", "ftp://x")
    assert bad.exit_code == 1 and "权重" in bad.output and "网址" in bad.output
    edited = _run("sources", "edit", "1", "--place", "河西区", "--schedule", "30")
    assert edited.exit_code == 0 and "changed source 1" in edited.output
    assert "deactivated" in _run("sources", "remove", "1").output
    assert "resumed source 1" in _run("sources", "resume", "1").output
    assert _run("sources", "resume", "9").exit_code == 1
    with transaction(make_session_factory(make_engine(database)), write=False) as session:
        source = session.scalar(select(WebSource))
        assert source is not None and (source.place, source.schedule_minutes, source.active) == ("河西区", 30, True)
        lines = list(session.scalars(select(AuthEvent).order_by(AuthEvent.id)))
    assert [e.kind for e in lines] == ["source_added", "source_changed", "source_stopped", "source_resumed"]
    assert all(e.username.startswith("命令行（") and e.actor_id is None for e in lines)
    assert "地区：（空） → 河西区；采集间隔（分钟）：60 → 30" in lines[1].detail
