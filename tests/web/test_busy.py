"""The web process under a write backlog (docs/scale.md, defect 1 and the PostgreSQL pool): no deadlock of
the thread pool, a writer that cannot have its turn in time and a request that cannot have a connection
are answered 503 with Retry-After, never 500 and never an endless wait.

Real servers and databases: uvicorn in a thread on an SQLite file, or on a new database of the PostgreSQL
server of `make test-postgres`. No time is asserted: BOUND is only how long a client waits for an answer.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from minyi.core.db import POOL_OVERFLOW, make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.messages.models import Message
from minyi.web.app import create_app
from minyi.web.state import app_state
from minyi.workflow.models import Case
from tests import factories as f
from tests.reliability.live import fresh_database

THREADS = 4  # the web process's thread pool: small, so that a backlog of ten times that is quick to build
BURST = 40  # requests sent at once while the database's write lock is held by another connection
HOLD = 1.5  # seconds the lock is held while the burst arrives
BOUND = 90.0  # a client's timeout: far longer than any wait of the product (MINYI_DB_WAIT below)
TITLE = "积压测试路灯不亮"


def _settings(tmp_path: Path, url: str, *, db_wait: int, threads: int = THREADS) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=url,
        secret_key="busy-test",
        run_scheduler=False,
        run_analysis=False,
        submit_rate_limit=0,  # one client sends everything: no per-client limit
        web_threads=threads,
        db_wait=db_wait,
    )


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    """uvicorn on loopback in a thread, its lifespan on (it sizes the thread pool); stopped afterwards."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextmanager
def _write_lock_held(url: str) -> Iterator[None]:
    """Another connection holds the write lock (SQLite's, or PostgreSQL's on the messages table) until exit."""
    if url.startswith("sqlite"):
        other = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.rollback()
            other.close()
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE messages IN EXCLUSIVE MODE"))  # reads go on, writers wait
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


@dataclass
class Answer:
    """What one request of the burst got back."""

    kind: str
    status: int | None  # None: no answer within BOUND
    retry_after: str | None
    body: str


async def _send(client: httpx.AsyncClient, kind: str, method: str, path: str, **kw: object) -> Answer:
    try:
        response = await client.request(method, path, **kw)
    except httpx.TimeoutException:
        return Answer(kind, None, None, "")
    return Answer(kind, response.status_code, response.headers.get("retry-after"), response.text)


def _csrf(client: httpx.Client) -> str:
    if "minyi_csrf" not in client.cookies:
        client.get("/staff/login")
    return client.cookies["minyi_csrf"]


def _prepare(url: str) -> tuple[str, int, list[int]]:
    """A coordinator, a department and a case for each staff request of the burst."""
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        dept = f.department(db, name="积压测试城管局")
        coordinator = f.user(db, role="coordinator")
        cases = [f.message(db, title=f"积压测试待转办{i}").case.id for i in range(BURST)]
        names = coordinator.username, dept.id, cases
    engine.dispose()
    return names


async def _burst(base: str, cookies: httpx.Cookies, dept_id: int, cases: list[int], url: str) -> list[Answer]:
    """BURST writes at once — the form, the JSON API, a staff action in turn — while the lock is held; then
    one more submission, once everything has been answered."""
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=BOUND) as client:
        csrf = cookies["minyi_csrf"]
        form = {"body": "幸福路小区门口的路灯坏了好几天，晚上很黑。", "appeal_kind": "complaint", "csrf_token": csrf}
        sends = []
        for i in range(BURST):
            if i % 3 == 0:
                sends.append(_send(client, "form", "POST", "/messages", data=form | {"title": f"{TITLE}{i}"}))
            elif i % 3 == 1:
                api = {"title": f"{TITLE}{i}", "body": form["body"], "appeal_kind": "complaint"}
                sends.append(_send(client, "api", "POST", "/api/v1/messages", json=api))
            else:
                action = f"/staff/cases/{cases[i]}/actions/assign"
                data = {"department_id": str(dept_id), "csrf_token": csrf}
                sends.append(_send(client, "staff", "POST", action, data=data, follow_redirects=False))
        with _write_lock_held(url):
            tasks = [asyncio.ensure_future(s) for s in sends]
            await asyncio.sleep(HOLD)
        answers = list(await asyncio.gather(*tasks))
        after = await _send(client, "after", "POST", "/messages", data=form | {"title": f"{TITLE}之后"})
        return [*answers, after]


def _stored(url: str, cases: list[int]) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        messages = conn.scalar(select(func.count()).select_from(Message).where(Message.title.like(f"{TITLE}%")))
        assigned = conn.scalar(
            select(func.count()).select_from(Case).where(Case.id.in_(cases), Case.status != "submitted")
        )
    engine.dispose()
    return messages or 0, assigned or 0


def test_a_write_backlog_larger_than_the_thread_pool_is_answered_not_deadlocked(tmp_path: Path) -> None:
    # Before the fix the dependency took the write turn (SQLite) or a connection (PostgreSQL) in one thread and
    # the route needed another: with more writers waiting than threads, nothing moved until the queue's 120 s
    # (or the pool's 30 s) ran out, then 500s.
    with fresh_database(tmp_path) as url:
        upgrade(url)
        username, dept_id, cases = _prepare(url)
        app = create_app(_settings(tmp_path, url, db_wait=15), start_background=False)
        with _serving(app) as base, httpx.Client(base_url=base, timeout=BOUND) as staff:
            login = {"username": username, "password": f.PASSWORD, "csrf_token": _csrf(staff)}
            assert staff.post("/staff/login", data=login, follow_redirects=False).status_code == 303
            *answers, after = asyncio.run(_burst(base, staff.cookies, dept_id, cases, url))
        app_state(app).session_factory.kw["bind"].dispose()
        stored, assigned = _stored(url, cases)
    done = {"form": 200, "api": 201, "staff": 303}
    seen = Counter((a.kind, a.status) for a in answers)
    assert not [a for a in answers if a.status is None], f"requests without an answer in {BOUND:.0f} s: {seen}"
    assert after.status == 200, after  # and the process serves on
    assert all(a.status in {done[a.kind], 503} for a in answers), seen
    assert any(a.status == done[a.kind] for a in answers), seen  # the backlog is worked through, not only shed
    for shed in (a for a in answers if a.status == 503):
        assert shed.retry_after and int(shed.retry_after) > 0
        assert ('"code":"busy"' if shed.kind == "api" else "系统繁忙") in shed.body
    acknowledged = sum(1 for a in answers if a.kind in {"form", "api"} and a.status == done[a.kind])
    assert stored == acknowledged + 1  # nothing acknowledged was lost, nothing refused was stored
    assert assigned == sum(1 for a in answers if a.kind == "staff" and a.status == 303)


# --- the limits, one at a time ----------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    upgrade(url)
    return url


def _submit(client: TestClient, title: str) -> tuple[httpx.Response, httpx.Response]:
    data = {"title": title, "body": "幸福路小区门口的路灯坏了好几天，晚上很黑。", "appeal_kind": "complaint"}
    form = client.post("/messages", data=data | {"csrf_token": f.csrf(client)})
    return form, client.post("/api/v1/messages", json=data)


def _assert_busy(form: httpx.Response, api: httpx.Response) -> None:
    assert form.status_code == 503 and form.headers["retry-after"] == "1"
    assert "系统繁忙" in form.text and "本次提交未保存" in form.text
    assert api.status_code == 503 and api.headers["retry-after"] == "1"
    assert api.json()["error"]["code"] == "busy" and "系统繁忙" in api.json()["error"]["message"]


def test_a_writer_that_waits_longer_than_the_limit_for_its_turn_gets_503(tmp_path: Path, sqlite_url: str) -> None:
    app = create_app(_settings(tmp_path, sqlite_url, db_wait=1, threads=8), start_background=False)
    with TestClient(app) as client:
        with transaction(app_state(app).session_factory):  # another request of this process is writing
            _assert_busy(*_submit(client, "等待写入超时的留言"))
        form, api = _submit(client, "写入空闲后的留言")
        assert form.status_code == 200 and api.status_code == 201


def test_a_writer_that_waits_longer_than_the_limit_for_another_process_gets_503(
    tmp_path: Path, sqlite_url: str
) -> None:
    app = create_app(_settings(tmp_path, sqlite_url, db_wait=1), start_background=False)
    with TestClient(app) as client:
        with _write_lock_held(sqlite_url):  # e.g. the worker or `minyi import`
            _assert_busy(*_submit(client, "另一进程占用写锁时的留言"))
        assert _submit(client, "写锁释放后的留言")[0].status_code == 200


def test_the_thread_pool_is_sized_by_the_setting(tmp_path: Path, sqlite_url: str) -> None:
    async def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    app = create_app(_settings(tmp_path, sqlite_url, db_wait=1, threads=7), start_background=False)
    with TestClient(app) as client:
        assert client.portal.call(tokens) == 7
    engine = app_state(app).session_factory.kw["bind"]
    assert isinstance(engine, Engine) and engine.pool.size() == 7


def test_an_exhausted_connection_pool_is_answered_503_not_500(tmp_path: Path) -> None:
    # PostgreSQL in `make test-postgres` (the pool of the defect's log: "QueuePool limit ... reached"), else SQLite.
    with fresh_database(tmp_path) as url:
        upgrade(url)
        app = create_app(_settings(tmp_path, url, db_wait=1, threads=1), start_background=False)
        engine = app_state(app).session_factory.kw["bind"]
        with TestClient(app) as client:
            f.csrf(client)  # the CSRF cookie, before the pool is taken
            taken = [engine.connect() for _ in range(1 + POOL_OVERFLOW)]  # every connection the pool may open
            try:
                page, listing = client.get("/board"), client.get("/api/v1/cases")
                form, api = _submit(client, "连接池耗尽时的留言")
            finally:
                for conn in taken:
                    conn.close()
            assert page.status_code == 503 and page.headers["retry-after"] == "1" and "系统繁忙" in page.text
            assert listing.status_code == 503 and listing.json()["error"]["code"] == "busy"
            _assert_busy(form, api)
            assert client.get("/board").status_code == 200
            assert _submit(client, "连接归还后的留言")[0].status_code == 200
        engine.dispose()
