"""A database shared by several connections, as a worker and the web share it, and the means to look at it while a
worker's task is held in the middle of its work.

`LiveDatabase`: a fresh, migrated database that commits for real (a SQLite file, or a fresh PostgreSQL database
copied from a migrated template when MINYI_TEST_DATABASE_URL names a server), with the worker's own engine.
`Gate` holds a task at a chosen point (a patched pure function, or a commit) until the test has looked.
`LiveDatabase.probe_write` is another process's write at that moment: on SQLite `BEGIN IMMEDIATE`, an insert and a
commit with a short busy timeout (it fails with "database is locked" while the worker holds the write lock); on
PostgreSQL, where there is no database-wide lock, it also fails while any other transaction of the database has
written (holds a transaction id, and with it row locks) — the shape of the SQLite defect.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from minyi.core.db import make_engine, make_session_factory
from minyi.core.migrate import upgrade

PROBE_BUSY_TIMEOUT_S = 0.5  # the probe's busy timeout: short, it must not wait for a worker's long transaction
WAIT_S = 120.0  # a step that never comes is a failure, not a hang (never a measured time: nothing is timed)
PG_URL = os.environ.get("MINYI_TEST_DATABASE_URL", "")
_names = itertools.count(1)


@dataclass
class LiveDatabase:
    """A migrated database that commits for real, and the worker's engine on it."""

    url: str
    engine: Engine
    factory: sessionmaker[Session]
    _others: list[Engine] = field(default_factory=list)

    @property
    def backend(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def other_factory(self) -> sessionmaker[Session]:
        """Sessions of another process (another worker, a web process) with a short busy timeout of its own."""
        timeout_ms = int(PROBE_BUSY_TIMEOUT_S * 1000)
        if self.backend == "sqlite":
            engine = make_engine(self.url, busy_timeout_ms=timeout_ms)
        else:  # a row lock held by the worker fails it at once instead of waiting for the paused worker
            engine = make_engine(self.url, connect_args={"options": f"-c lock_timeout={timeout_ms}"})
        self._others.append(engine)
        return make_session_factory(engine)

    def probe_write(self) -> None:
        """Another process writes and commits now; AssertionError when it cannot (or on PostgreSQL when another
        transaction of this database holds written rows)."""
        if self.backend == "sqlite":
            self._probe_sqlite()
        else:
            self._probe_postgresql()

    def assert_no_connection_held(self) -> None:
        """The worker's engine has no connection checked out: no transaction of the worker is open."""
        held = self.engine.pool.checkedout()  # type: ignore[attr-defined]
        assert held == 0, f"the worker holds {held} connection(s), a transaction open, while it computes"

    def count(self, sql: str, **params: Any) -> int:
        """A count read on a connection of its own (what is committed)."""
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return int(conn.execute(text(sql), params).scalar_one())
        finally:
            engine.dispose()

    def _probe_sqlite(self) -> None:
        path = make_url(self.url).database
        assert path
        conn = sqlite3.connect(path, timeout=PROBE_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO task_claims (task, period, worker, claimed_at) VALUES ('probe', ?, 'probe', ?)",
                (uuid.uuid4().hex, "2026-01-01 00:00:00.000000"),
            )
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            msg = f"another process could not write while the worker computed: {exc}"
            raise AssertionError(msg) from exc
        finally:
            conn.close()

    def _probe_postgresql(self) -> None:
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                writers = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                    )
                ).scalar_one()
                assert writers == 0, f"{writers} writing transaction(s) open while the worker computed"
                conn.execute(text("SET LOCAL lock_timeout = '500ms'"))
                conn.execute(
                    text(
                        "INSERT INTO task_claims (task, period, worker, claimed_at)"
                        " VALUES ('probe', :period, 'probe', now())"
                    ),
                    {"period": uuid.uuid4().hex},
                )
        finally:
            engine.dispose()

    def close(self) -> None:
        """Dispose of every engine opened on the database."""
        for engine in [self.engine, *self._others]:
            engine.dispose()


def _admin() -> Engine:
    return create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def _database_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def postgres_template() -> str:
    """A migrated PostgreSQL database to copy (created once per test session); its name."""
    name = f"minyi_live_template_{os.getpid()}"
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        upgrade(_database_url(name))
    finally:
        admin.dispose()
    return name


def drop_postgres(name: str) -> None:
    """Drop a database made here, connections and all."""
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def live_database(tmp_path: Path, template: str | None) -> Iterator[LiveDatabase]:
    """A fresh database: a SQLite file in `tmp_path`, or a copy of the PostgreSQL `template`."""
    name = ""
    if template is None:
        url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
        upgrade(url)
    else:
        name = f"minyi_live_{os.getpid()}_{next(_names)}"
        admin = _admin()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        finally:
            admin.dispose()
        url = _database_url(name)
    engine = make_engine(url)
    live = LiveDatabase(url, engine, make_session_factory(engine))
    try:
        yield live
    finally:
        live.close()
        if name:
            drop_postgres(name)


class Gate:
    """Holds a worker's step where `pause` is called (the first time only) until the test `open`s it."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()
        self._lock = threading.Lock()
        self.used = False

    def pause(self) -> None:
        """Called by the worker: the first call waits for the test; later calls go straight on."""
        with self._lock:
            if self.used:
                return
            self.used = True
        self.reached.set()
        if not self.opened.wait(WAIT_S):
            msg = "the test never let the worker go on"
            raise TimeoutError(msg)

    def holding(self, fn: Callable[..., Any], *, skip: int = 0) -> Callable[..., Any]:
        """`fn`, pausing at the gate before its call number `skip` + 1 runs (for monkeypatching a pure function)."""
        calls = itertools.count()

        def held(*args: Any, **kwargs: Any) -> Any:
            if next(calls) == skip:
                self.pause()
            return fn(*args, **kwargs)

        return held


@dataclass
class Run:
    """A task running in a thread of its own; `result` once it has finished."""

    result: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


@contextmanager
def paused(task: Callable[[], Any], gate: Gate) -> Iterator[Run]:
    """Start `task` in a thread, wait until it reaches the gate, let the body look, then let it finish.

    Fails when the task finishes (or fails) without reaching the gate; re-raises the task's own error at the end.
    """
    run = Run()

    def target() -> None:
        try:
            run.result = task()
        except BaseException as exc:  # handed to the test
            run.error = exc
        finally:
            run.done.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        while not gate.reached.wait(0.05) and thread.is_alive():
            pass
        if not gate.reached.is_set():
            if run.error is not None:
                raise run.error
            msg = "the task finished without reaching the point it should pause at"
            raise AssertionError(msg)
        yield run
    finally:
        gate.opened.set()
        thread.join(WAIT_S)
    assert not thread.is_alive(), "the task did not finish"
    if run.error is not None:
        raise run.error
