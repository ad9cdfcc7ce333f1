"""Database engine, session factory and declarative base (SQLite WAL by default, PostgreSQL too)."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, Table, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from minyi.core.clock import as_utc

T = TypeVar("T")
WRITE_OPTION = "minyi_write"
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable Alembic diffs)."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


BUSY_TIMEOUT_MS = 60_000  # how long a writer waits for another process's write lock before "database is locked"
WRITE_QUEUE_TIMEOUT_S = 120.0  # how long a writer waits for this process's earlier writers (then asks SQLite)
SQLITE_POOL = {"pool_size": 10, "max_overflow": 40, "pool_timeout": 120}  # >= anyio's 40 worker threads
log = logging.getLogger(__name__)


class WriterQueue:
    """This process's writing transactions on one SQLite file, one at a time and in arrival order.

    SQLite has a single write lock, and its busy handler polls for it (sleeping up to 100 ms between
    tries, first come not first served): under steady load a writer could be overtaken until its busy
    timeout ran out and fail with "database is locked" (issue 10, finding 7). Writers of this process
    queue here instead, and each reaches SQLite only when the previous one has finished; the busy timeout
    is then left for other processes (`minyi import`, `minyi run-jobs`).
    """

    def __init__(self, timeout: float = WRITE_QUEUE_TIMEOUT_S) -> None:
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._owner: int | None = None  # thread that took the turn (to let a nested writer fail fast)
        self._busy = False

    def acquire(self) -> bool:
        """Wait for this writer's turn; False when it did not come in time (then SQLite's lock decides)."""
        with self._mutex:
            if not self._busy:
                self._busy, self._owner = True, threading.get_ident()
                return True
            if self._owner == threading.get_ident():
                return False  # a nested write in the thread holding the turn: waiting here would never end
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if not waiter.acquire(timeout=self.timeout):
            with self._mutex:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                    log.warning("a writer waited %.0f s for its turn; asking SQLite directly", self.timeout)
                    return False
            # handed the turn just as the wait timed out: it is ours
        with self._mutex:
            self._owner = threading.get_ident()
        return True

    def release(self) -> None:
        """End the current turn: hand it to the longest-waiting writer, if any."""
        with self._mutex:
            self._owner = None
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._busy = False


_TURN = "minyi_write_turn"  # key in the connection's info while it holds its writer turn


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")  # first: the next pragma may have to wait
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any, *, writers: WriterQueue) -> None:
    # A writing transaction takes the write lock up front (BEGIN IMMEDIATE): a deferred one that reads and
    # then writes fails at once with "database is locked" when another writer committed in between.
    if not conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN")
        return
    if writers.acquire():
        conn.info[_TURN] = writers
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _end_turn(conn)
        raise


def _end_turn(conn: Any, *_args: Any) -> None:
    writers = conn.info.pop(_TURN, None)
    if writers is not None:
        writers.release()


def _end_turn_on_checkin(_dbapi_connection: Any, record: Any) -> None:
    # A connection returned to the pool (or dropped) without COMMIT or ROLLBACK must not keep the turn.
    if record is not None:
        _end_turn(record)


def table_of(model: type[Base]) -> Table:
    """A model's table, typed as one (for Core inserts and updates of whole batches)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and a queue for this process's writers."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": busy_timeout_ms / 1000})
        in_memory = ":memory:" in url or url.rstrip("/") in {"sqlite:", "sqlite+pysqlite:"}
        if "poolclass" not in kwargs and not in_memory:  # a file: a connection per worker thread
            for key, value in SQLITE_POOL.items():
                kwargs.setdefault(key, value)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        writers = WriterQueue()
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms=busy_timeout_ms))
        event.listen(engine, "begin", partial(_sqlite_begin, writers=writers))
        event.listen(engine, "commit", _end_turn)  # before COMMIT runs: the next writer's BEGIN waits for it
        event.listen(engine, "rollback", _end_turn)
        event.listen(engine.pool, "checkin", _end_turn_on_checkin)
        event.listen(engine.pool, "invalidate", lambda _c, record, _e: _end_turn_on_checkin(None, record))
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


MAX_ID = 2**31 - 1  # the largest id every database can store (ids are INTEGER: 32-bit on PostgreSQL)


def parse_id(raw: Any) -> int | None:
    """A positive integer id from user input, or None (bad text, wrong type, or too large to exist)."""
    try:
        key = int(raw)
    except (TypeError, ValueError):
        return None
    return key if 0 < key <= MAX_ID else None


def get_by_id(session: Session, model: type[T], raw: Any) -> T | None:
    """`session.get` for an id that came from a user: None instead of an error for any bad id."""
    key = parse_id(raw)
    return None if key is None else session.get(model, key)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writing one (BEGIN IMMEDIATE on SQLite; nothing elsewhere)."""
    session.connection(execution_options={WRITE_OPTION: True})


@contextmanager
def transaction(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    session = factory()
    if write:
        begin_write(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
