"""`minyi collect URL... --out OUT.jsonl`: items with exactly the issue's fields, host health on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from minyi.cli import main
from minyi.collect.services import FIELDS
from tests.collect.loopback import Answer, LoopbackWeb
from tests.collect.pages import news_page

HOST = "127.0.0.1"
COMMENT = ("河西居民", "2024-05-12 11:20", "我家门口也积水，春晖路三号附近，晚上回家只能绕路。")


@pytest.fixture
def web() -> Iterator[LoopbackWeb]:
    served = LoopbackWeb((HOST,))
    yield served
    served.close()


def _run(args: list[str]) -> object:
    return CliRunner().invoke(main, ["collect", "--no-progress", "--delay", "0", "--timeout", "1", *args])


def test_collect_writes_one_json_object_per_item(web: LoopbackWeb, tmp_path: Path) -> None:
    page = web.serve(HOST, "/news/1.html", Answer(news_page(comments=(COMMENT, (*COMMENT[:2], "顶"))).encode()))
    broken = web.serve(HOST, "/gone.html", Answer(b"gone", status=410))
    out = tmp_path / "items.jsonl"
    result = _run([page, broken, "--out", str(out), "--max-pages", "5"])
    assert result.exit_code == 0, result.output
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [i["kind"] for i in items] == ["article", "comment", "comment"]
    assert all(list(i) == list(FIELDS) for i in items)
    assert items[0]["domain"] and items[0]["appeal_kind"] and isinstance(items[0]["places"], list)
    assert f"{web.url(HOST, '')}: 1 fetched, 3 items, 1 errors" in result.output
    assert "gone.html: HTTP 410" in result.output and "3 items (0 duplicates)" in result.output


def test_bad_urls_and_folders_are_clear_errors(tmp_path: Path) -> None:
    result = _run(["ftp://x.cn/a", "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "not an http(s) URL: ftp://x.cn/a" in result.output
    result = _run(["http://127.0.0.1:9/", "--out", str(tmp_path / "missing" / "o.jsonl")])
    assert result.exit_code == 1 and "folder" in result.output and "does not exist" in result.output
    result = _run(["--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2


def test_an_unreachable_host_is_reported_not_raised(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    result = _run(["http://127.0.0.1:9/nothing.html", "--out", str(out)])
    assert result.exit_code == 0 and out.read_text() == ""
    assert "robots.txt unavailable" in result.output and "0 items" in result.output
