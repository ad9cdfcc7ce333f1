"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from minyi.core.db import make_engine
from minyi.core.migrate import alembic_config, upgrade
from minyi.models import Base


def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    command.check(alembic_config(url))  # raises when the models and migrations disagree
    tables = set(inspect(make_engine(url)).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    assert set(inspect(make_engine(url)).get_table_names()) <= {"alembic_version"}
    upgrade(url)
    assert "cases" in inspect(make_engine(url)).get_table_names()


RELEASE_DB = Path(__file__).resolve().parent / "fixtures" / "release-2026-11-26.sqlite3"


def _snapshot(url: str, tables: dict[str, list[str]]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the given tables, restricted to the given columns, in primary-key order."""
    engine = make_engine(url)
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT {', '.join(cols)} FROM {t} ORDER BY 1")]  # noqa: S608 - names come from the schema itself
            for t, cols in tables.items()
        }


def test_a_release_database_upgrades_without_losing_anything(tmp_path: Path) -> None:
    """A database written by the release of 2026-11-26 (`minyi migrate`, `minyi demo-data`, an import of three
    historical messages, `minyi run-jobs`) upgrades to the current schema with every row and value intact."""
    db = tmp_path / "release.sqlite3"
    db.write_bytes(RELEASE_DB.read_bytes())
    url = f"sqlite:///{db}"
    inspector = inspect(make_engine(url))
    old = {
        t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names() if t != "alembic_version"
    }
    before = _snapshot(url, old)
    assert len(before["messages"]) == 17 and len(before["case_events"]) > 40  # demo data and the import are there
    upgrade(url)
    command.check(alembic_config(url))
    assert _snapshot(url, old) == before
    engine = make_engine(url)
    with engine.connect() as conn:
        searchable = conn.exec_driver_sql("SELECT count(*) FROM messages WHERE public_search_text != ''").scalar()
        leaked = conn.exec_driver_sql("SELECT count(*) FROM messages WHERE public_search_text LIKE '%13912345678%'")
        assert leaked.scalar() == 0  # the imported message's phone number is masked in what public search sees
    assert searchable == len(before["messages"])  # filled for the rows that existed before the upgrade
