"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """../shared/data: skipped where absent (a user's machine), a failure where CI=true."""
    if not SHARED_DATA.is_dir():
        reason = f"shared data not found at {SHARED_DATA}: tests that need the real messages are skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return SHARED_DATA


# --- database and app fixtures -------------------------------------------------------------------------

from collections.abc import Iterator  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Connection, Engine  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from minyi.core.db import make_engine  # noqa: E402
from minyi.core.migrate import upgrade  # noqa: E402
from minyi.core.settings import Settings  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id with minimal cost in tests (~1 ms instead of ~0.5 s a hash); production keeps the defaults."""
    from argon2 import PasswordHasher

    from minyi.accounts.services import PASSWORDS

    PASSWORDS.use(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    PASSWORDS.use(PasswordHasher())


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One real database for the session, created by the Alembic migrations.

    SQLite in a temporary folder, or the (empty) database named by MINYI_TEST_DATABASE_URL, which
    `make test-postgres` points at a throwaway PostgreSQL server.
    """
    url = os.environ.get("MINYI_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    upgrade(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits become savepoints of the test's transaction."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and checking data."""
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for an app under test (rate limit high enough not to interfere)."""
    return Settings(
        data_dir=tmp_path,
        database_url="sqlite://",
        secret_key="test-secret",
        run_scheduler=False,
        run_analysis=False,
        submit_rate_limit=1000,
        stats_max_age=0,  # a test reads its own writes at once; the max age and the page cache have tests of
        public_page_ttl=0,  # their own
    )


@pytest.fixture
def client(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """An HTTP client talking to the app on the test's transaction."""
    from minyi.web.app import create_app

    app = create_app(settings, session_factory, start_background=False)
    with TestClient(app) as test_client:
        yield test_client
