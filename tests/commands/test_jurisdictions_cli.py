"""`minyi jurisdictions list|import FILE` on a real migrated database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent
from minyi.cli import main
from minyi.core import settings as settings_module
from minyi.core.migrate import upgrade
from minyi.jurisdictions.models import Jurisdiction

HEADER = "名称,级别,上级,网址代号,地名,领导信箱\n"
TREE = (
    HEADER
    + "甲市,市,,jia,甲市区,书记、市长\n甲一区,区,甲市,jia-1,甲一、甲一区,\n甲一街道,街道,甲市/甲一区,jia-1-1,甲一路,\n"
)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'minyi.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MINYI_DATABASE_URL", url)
    settings_module.get_settings.cache_clear()
    yield url
    settings_module.get_settings.cache_clear()


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _names(url: str) -> list[str]:
    engine = create_engine(url)
    with Session(engine) as session:
        names = list(session.scalars(select(Jurisdiction.name).order_by(Jurisdiction.id)))
    engine.dispose()
    return names


def test_import_then_list_and_a_second_import_completes(database: str, tmp_path: Path) -> None:
    tree = tmp_path / "tree.csv"
    tree.write_text(TREE, encoding="utf-8")
    done = _run("jurisdictions", "import", str(tree))
    assert done.exit_code == 0, done.output
    assert "importing tree.csv: about 3 rows" in done.output and "3 created, 0 updated" in done.output
    listed = _run("jurisdictions", "list").output.splitlines()
    assert listed[0].split("\t")[1] == "本级"
    street = next(line for line in listed if "甲一街道" in line)
    assert "      甲一街道" in street and "街道/乡镇" in street and "/j/jia-1-1" in street and "地名 1 个" in street
    tree.write_text(TREE.replace("甲一路,", "甲一路、乙二路,"), encoding="utf-8")
    again = _run("jurisdictions", "import", str(tree))
    assert again.exit_code == 0 and "0 created, 1 updated" in again.output
    engine = create_engine(database)
    with Session(engine) as session:
        lines = list(session.scalars(select(AuthEvent.detail).where(AuthEvent.kind == "jurisdictions_imported")))
        who = session.scalar(select(AuthEvent.username).where(AuthEvent.kind == "jurisdictions_imported"))
    engine.dispose()
    assert len(lines) == 2 and "tree.csv" in lines[0] and who is not None and who.startswith("命令行")


def test_a_bad_file_is_refused_whole_with_every_error(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(TREE + "乙街道,街道,甲市/没有,yi,,\n丙区,星系,甲市,bing,,\n", encoding="utf-8")
    refused = _run("jurisdictions", "import", str(bad))
    assert refused.exit_code != 0
    assert "bad.csv was not imported (2 errors)" in refused.output
    assert "第 5 行" in refused.output and "第 6 行" in refused.output
    assert _names(database) == ["本级"]  # the good rows of the file were not kept either
    header = tmp_path / "header.csv"
    header.write_text("name,level\n", encoding="utf-8")
    assert "文件缺少列" in _run("jurisdictions", "import", str(header)).output
    assert _run("jurisdictions", "import", str(tmp_path / "missing.csv")).exit_code != 0


def test_a_large_file_prints_its_progress(database: str, tmp_path: Path) -> None:
    rows = [HEADER, "乙市,市,,yi-shi,,\n"]
    rows += [f"乙{i}街道,街道,乙市,yi-{i},乙{i}路,\n" for i in range(1200)]
    big = tmp_path / "big.csv"
    big.write_text("".join(rows), encoding="utf-8")
    done = _run("jurisdictions", "import", str(big))
    assert done.exit_code == 0, done.output
    assert "  500 rows read" in done.output and "  1000 rows read" in done.output and "1201 created" in done.output
