"""Ids from user input; SQLite writers under load."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.db import begin_write, get_by_id, make_engine, make_session_factory, parse_id, transaction
from minyi.departments.models import Department
from tests import factories as f


@pytest.mark.parametrize("raw", [None, "", "abc", "1.5", "-3", "0", 2**63, "9" * 30, [], 1.5e30])
def test_bad_ids_are_none(raw: object) -> None:
    assert parse_id(raw) is None


def test_good_ids(db: Session) -> None:
    dept = f.department(db)
    assert parse_id(str(dept.id)) == dept.id
    assert get_by_id(db, Department, str(dept.id)) is dept
    assert get_by_id(db, Department, "9" * 30) is None  # too large for the database: not an error


# --- writers under load (issue 10, finding 7) ----------------------------------------------------------


def _file_engine(tmp_path: Path, **kwargs: object) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}", **kwargs)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE hits (n INTEGER NOT NULL)")
    return engine


def _write_and_hold(factory: sessionmaker[Session], n: int, hold: float, failures: list[BaseException]) -> None:
    try:
        with transaction(factory) as session:
            session.execute(text("INSERT INTO hits (n) VALUES (:n)"), {"n": n})
            time.sleep(hold)  # e.g. a slow step inside a request's write transaction
    except BaseException as exc:  # collected for the assertion
        failures.append(exc)


def test_writers_of_one_process_wait_their_turn_instead_of_failing(tmp_path: Path) -> None:
    # 8 writers each hold the write lock for 0.1 s, far longer together than SQLite's busy timeout here (0.2 s):
    # with SQLite's busy handler alone the later ones fail with "database is locked".
    engine = _file_engine(tmp_path, busy_timeout_ms=200)
    factory = make_session_factory(engine)
    failures: list[BaseException] = []
    threads = [threading.Thread(target=_write_and_hold, args=(factory, n, 0.1, failures)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures[:2]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM hits").scalar() == 8
    engine.dispose()


def test_the_turn_is_handed_on_after_errors_and_abandoned_sessions(tmp_path: Path) -> None:
    engine = _file_engine(tmp_path, busy_timeout_ms=200)
    factory = make_session_factory(engine)
    with pytest.raises(ZeroDivisionError), transaction(factory) as session:
        session.execute(text("INSERT INTO hits (n) VALUES (1)"))
        _ = 1 / 0
    abandoned = factory()
    begin_write(abandoned)
    abandoned.execute(text("INSERT INTO hits (n) VALUES (2)"))
    abandoned.close()  # neither committed nor rolled back by the caller
    failures: list[BaseException] = []
    _write_and_hold(factory, 3, 0, failures)  # would wait for a turn that is never handed on
    assert not failures, failures
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM hits").scalars().all() == [3]
    engine.dispose()


def test_a_writer_waits_for_another_process_longer_than_five_seconds() -> None:
    engine = make_engine("sqlite://")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30_000
    engine.dispose()
