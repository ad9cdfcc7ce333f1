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


def append_only(*models: type[Base], updates: bool = True) -> None:
    """Refuse at flush any delete of these models' rows, and any update unless `updates` is False: event logs,
    audit lines and what a citizen wrote are never rewritten (RuntimeError, the transaction rolled back)."""

    def refuse(_mapper: Any, _connection: Any, target: Any) -> None:
        msg = f"{type(target).__name__} {getattr(target, 'id', '')} is append-only: never deleted or rewritten"
        raise RuntimeError(msg)

    for model in models:
        event.listen(model, "before_delete", refuse)
        if updates:
            event.listen(model, "before_update", refuse)


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
POOL_OVERFLOW = 10  # connections beyond one per thread: dependency exits (commit, audit rows) run outside the limit
log = logging.getLogger(__name__)


class DatabaseBusy(Exception):
    """No write turn within a web process's limits (waited too long, or too many wait): 503 with Retry-After."""


class WriterQueue:
    """This process's writing transactions on one SQLite file, one at a time and in arrival order.

    SQLite has a single write lock, and its busy handler polls for it (sleeping up to 100 ms between
    tries, first come not first served): under steady load a writer could be overtaken until its busy
    timeout ran out and fail with "database is locked" (issue 10, finding 7). Writers of this process
    queue here instead, and each reaches SQLite only when the previous one has finished; the busy timeout
    is then left for other processes (`minyi import`, `minyi run-jobs`).
    """

    def __init__(
        self, timeout: float = WRITE_QUEUE_TIMEOUT_S, *, shed: bool = False, max_waiting: int | None = None
    ) -> None:
        self.timeout = timeout
        self.shed = shed  # past the timeout: raise DatabaseBusy (web processes) instead of asking SQLite
        self.max_waiting = max_waiting  # more writers waiting: DatabaseBusy at once (a web process's pool stays free)
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._owner: int | None = None  # thread that took the turn (to let a nested writer fail fast)
        self._busy = False

    @property
    def waiting(self) -> int:
        """How many writers wait for their turn now."""
        with self._mutex:
            return len(self._waiters)

    def acquire(self) -> bool:
        """Wait for this writer's turn; when it does not come in time, DatabaseBusy if this queue sheds, else
        False (then SQLite's lock decides)."""
        with self._mutex:
            if not self._busy:
                self._busy, self._owner = True, threading.get_ident()
                return True
            if self._owner == threading.get_ident() and not self.shed:
                # a nested write in the thread holding the turn: waiting here would never end. Not for a web
                # process: its request takes the turn in one thread and commits in another, and the first may
                # already serve the next request (and a nested write there is a bug that ends in DatabaseBusy).
                return False
            if self.max_waiting is not None and len(self._waiters) >= self.max_waiting:
                msg = f"{len(self._waiters)} writers already wait for their turn"
                raise DatabaseBusy(msg)
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if not waiter.acquire(timeout=self.timeout):
            with self._mutex:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                    if self.shed:
                        msg = f"a writer waited {self.timeout:g} s for its turn"
                        raise DatabaseBusy(msg)
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


def waiting_writers(threads: int) -> int:
    """How many writers of a web process with that many threads may wait for the write turn at once."""
    return max(1, threads - max(1, threads // 4))


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    threads: int | None = None,
    shed_after: float | None = None,
    **kwargs: Any,
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and a queue for this process's writers.

    A web process passes `threads` (its thread pool: the pool keeps a connection for each, plus POOL_OVERFLOW)
    and `shed_after`: a writer waits at most that many seconds for its turn, and only while fewer than three
    quarters of `threads` writers wait (else DatabaseBusy), and a request as long for a pooled connection (else
    SQLAlchemy's TimeoutError); the web app answers both with 503 and Retry-After. The waiting writers
    can then never take every thread of the pool, whatever the routes do.
    """
    sqlite = url.startswith("sqlite")
    in_memory = sqlite and (":memory:" in url or url.rstrip("/") in {"sqlite:", "sqlite+pysqlite:"})
    if "poolclass" not in kwargs and not in_memory:  # a queue pool: SQLite files and servers
        if threads is not None:
            kwargs.setdefault("pool_size", threads)
            kwargs.setdefault("max_overflow", POOL_OVERFLOW)
        if shed_after is not None:
            kwargs.setdefault("pool_timeout", shed_after)
        if sqlite:  # a connection per worker thread
            for key, value in SQLITE_POOL.items():
                kwargs.setdefault(key, value)
    if sqlite:
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": busy_timeout_ms / 1000})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        writers = WriterQueue()
        if shed_after is not None:  # a web process: a quarter of its threads at least serve pages, not waiting
            writers = WriterQueue(shed_after, shed=True, max_waiting=waiting_writers(threads or 4))
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
def transaction(factory: sessionmaker[Session], *, write: bool = True, lazy: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error.

    `lazy`: the transaction begins at the session's first use, in the thread that uses it, not here (a web
    request's session is made in one thread and used in another: the write turn and the connection are
    taken where the work is done). `reading` gives that session's reads of their own before it.
    """
    if write and lazy:
        session = factory(execution_options={WRITE_OPTION: True})  # read when the connection begins
    else:
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


@contextmanager
def reading(session: Session) -> Iterator[Session]:
    """Reads of their own on a lazy session: a reading transaction, if any, ended on exit.

    For the request dependencies (the logged-in user, its role): they run in a thread of their own, and
    must not hold the write turn or a connection while the route waits for its thread. On a writing session
    the objects read are expired on exit, so that the route reads them again inside its write transaction
    (what it changes, it changes from what is stored). Inside a transaction already open, simply part of it.
    """
    if session.in_transaction():
        yield session
        return
    options = session.execution_options
    session.execution_options = options.union({WRITE_OPTION: False})
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    else:
        if session.in_transaction():
            session.commit()
            if options.get(WRITE_OPTION):
                session.expire_all()
    finally:
        session.execution_options = options
