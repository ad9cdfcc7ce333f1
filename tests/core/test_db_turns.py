"""A web process's write turns (docs/scale.md, defect 1): taken in the thread that does the work, bounded in time
and in number, and never held by what a request's dependencies read."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.db import DatabaseBusy, WriterQueue, make_engine, make_session_factory, reading, transaction
from minyi.core.migrate import upgrade
from minyi.departments.models import Department
from tests import factories as f


def _in_thread(work: Callable[[], object]) -> object:
    """What `work` returns, or the exception it raises, run in a thread of its own."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # handed back for the assertion
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert outcome, "the thread did not finish"
    return outcome[0]


def test_a_web_writer_past_its_wait_gets_busy_and_others_still_ask_sqlite() -> None:
    shedding, legacy = WriterQueue(0.2, shed=True), WriterQueue(0.2)
    assert shedding.acquire() and legacy.acquire()  # this thread holds both turns
    assert isinstance(_in_thread(shedding.acquire), DatabaseBusy)  # a web request: 503
    assert _in_thread(legacy.acquire) is False  # a worker or a command: SQLite's busy timeout decides
    shedding.release()
    assert _in_thread(shedding.acquire) is True


def test_no_more_writers_wait_than_the_limit() -> None:
    queue = WriterQueue(60, shed=True, max_waiting=1)
    assert queue.acquire()
    waiting = threading.Thread(target=lambda: queue.acquire() and queue.release())
    waiting.start()
    while queue.waiting < 1:  # the first writer behind the turn's holder is in the queue
        waiting.join(timeout=0.01)
    assert isinstance(_in_thread(queue.acquire), DatabaseBusy)  # a second one is turned away at once
    queue.release()  # the waiting writer has its turn, and hands it back
    waiting.join(timeout=60)
    assert not waiting.is_alive() and queue.waiting == 0
    assert _in_thread(queue.acquire) is True


def _web_factory(tmp_path: Path) -> tuple[Engine, sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    upgrade(url)
    engine = make_engine(url, busy_timeout_ms=500, threads=4, shed_after=0.5)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE hits (n INTEGER NOT NULL)")
    return engine, make_session_factory(engine)


def _write(factory: sessionmaker[Session], n: int) -> None:
    with transaction(factory) as session:
        session.execute(text("INSERT INTO hits (n) VALUES (:n)"), {"n": n})


def test_a_request_session_takes_the_turn_where_it_is_used_and_its_dependencies_hold_nothing(
    tmp_path: Path,
) -> None:
    engine, factory = _web_factory(tmp_path)
    with transaction(factory, lazy=True) as session:  # the request's session, made in one thread
        _write(factory, 1)  # made, not used: another writer has the turn at once
        with reading(session):  # a dependency reads (the logged-in user)
            assert session.execute(text("SELECT count(*) FROM hits")).scalar() == 1
        assert not session.in_transaction()
        _write(factory, 2)  # what it read holds neither the turn nor a connection

        def route() -> None:  # the route, in another thread: the turn is taken there
            session.execute(text("INSERT INTO hits (n) VALUES (3)"))

        assert _in_thread(route) is None
        assert session.in_transaction()
        assert isinstance(_in_thread(lambda: _write(factory, 4)), DatabaseBusy)  # held until the commit
    _write(factory, 5)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM hits ORDER BY n").scalars().all() == [1, 2, 3, 5]
    engine.dispose()


def test_what_the_dependencies_read_is_read_again_inside_the_write_transaction(tmp_path: Path) -> None:
    engine, factory = _web_factory(tmp_path)
    with transaction(factory) as db:
        dept_id = f.department(db, name="旧的部门名称").id
    with transaction(factory, lazy=True) as session:
        with reading(session):
            dept = session.get(Department, dept_id)
            assert dept is not None and dept.name == "旧的部门名称"
        with transaction(factory) as other:  # another request changes it in between
            renamed = other.get(Department, dept_id)
            assert renamed is not None
            renamed.name = "新的部门名称"
        assert dept.name == "新的部门名称"  # the route changes what is stored, not what the dependency saw
    engine.dispose()
