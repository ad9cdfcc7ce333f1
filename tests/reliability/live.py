"""A real `minyi serve` on loopback, and the clients that load it (used by the reliability suite and
benchmarks/bench_flood.py).

The server is the product as deployed: `minyi migrate`, `minyi demo-data` and `minyi serve` in their own
processes on a fresh database (an SQLite file, or a new database on the PostgreSQL server named by
MINYI_TEST_DATABASE_URL), with the background analysis and scheduler running and 127.0.0.1 configured as
the trusted reverse proxy. Every client sends its own X-Forwarded-For, as a proxy in front would.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from minyi.core.db import make_engine, make_session_factory, transaction

STAFF_USER = "reliability"
STAFF_PASSWORD = "reliability-pass-1"  # a throwaway account of a throwaway database
CASE_NO = re.compile(r'id="case-no">(\d+)<')
CSRF_COOKIE = "minyi_csrf"


@dataclass
class Server:
    """A running server: its address, database and the staff login created for the tests."""

    url: str
    database_url: str
    log: Path
    submit_rate_limit: int
    env: dict[str, str] = field(default_factory=dict, repr=False)  # what the server's commands ran with
    username: str = STAFF_USER
    password: str = STAFF_PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _minyi() -> list[str]:
    script = Path(sys.executable).with_name("minyi")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from minyi.cli import main; main()"]


@contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """An empty database: an SQLite file in `folder`, or a new PostgreSQL database dropped afterwards."""
    base = os.environ.get("MINYI_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{folder / 'minyi.sqlite3'}"
        return
    name = f"minyi_live_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _create_staff(database_url: str) -> None:
    from argon2 import PasswordHasher

    from minyi.accounts.services import create_user

    # Hashed with the product's argon2 parameters, not the test suite's cheap ones: a wrong password costs
    # the server what it costs in production (the stored hash carries its parameters).
    password_hash = PasswordHasher().hash(STAFF_PASSWORD)
    engine = make_engine(database_url)
    with transaction(make_session_factory(engine)) as session:
        create_user(
            session,
            username=STAFF_USER,
            display_name="可靠性测试",
            password=STAFF_PASSWORD,
            role="coordinator",
            password_hash=password_hash,
        )
    engine.dispose()


@contextmanager
def running_server(
    folder: Path, *, submit_rate_limit: int, extra_env: dict[str, str] | None = None, start_timeout: float = 60
) -> Iterator[Server]:
    """Migrate a fresh database, load the demo data, add a staff login and serve it; stop it afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    with fresh_database(folder) as database_url:
        env = {
            **os.environ,
            "MINYI_DATA_DIR": str(folder),
            "MINYI_DATABASE_URL": database_url,
            "MINYI_SECRET_KEY": "live-" + secrets.token_hex(16),
            "MINYI_TRUSTED_PROXIES": "127.0.0.1",
            "MINYI_SUBMIT_RATE_LIMIT": str(submit_rate_limit),
            "MINYI_SUBMIT_RATE_WINDOW": "3600",
            "MINYI_RUN_SCHEDULER": "true",
            "MINYI_RUN_ANALYSIS": "true",
            **(extra_env or {}),
        }
        env.pop("FORWARDED_ALLOW_IPS", None)  # only the product's own setting says which proxy to trust
        for command in (["migrate"], ["demo-data"]):
            subprocess.run([*_minyi(), *command], env=env, check=True, capture_output=True, timeout=180)
        _create_staff(database_url)
        port = _free_port()
        log = folder / "server.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*_minyi(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, proc, log, start_timeout)
            yield Server(url=url, database_url=database_url, log=log, submit_rate_limit=submit_rate_limit, env=env)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/api/v1/departments", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def start_import(server: Server, folder: Path, rows: int) -> subprocess.Popen:
    """`minyi import` of `rows` made-up historical messages (half with a reply), in its own process."""
    rng = random.Random(rows)
    path = folder / "history.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(rows):
            row = {
                "id": i,
                "user": f"U{i:06d}",
                "title": f"A{rng.randrange(1, 9)}区第{i}号路段路灯不亮",
                "body": "路灯已经坏了两周，晚上出行很不方便，请尽快维修。" * rng.randrange(1, 4),
                "time": f"2019-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} 09:30:00",
            }
            if i % 2:
                row |= {
                    "reply": f"您好，已安排维修。\nA{rng.randrange(1, 9)}区城市管理局",
                    "reply_time": "2020-01-15 10:00:00",
                }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (folder / "import.log").open("wb") as log:
        return subprocess.Popen(
            [*_minyi(), "import", "--source", "reliability", str(path)],
            env=server.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


# --- the load ------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Everything the clients saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> count
    server_errors: list[str] = field(default_factory=list)  # "METHOD path -> status: body"
    transport_errors: list[str] = field(default_factory=list)  # connection errors, timeouts
    acknowledged: dict[int, str] = field(default_factory=dict)  # case id -> title sent
    submit_seconds: list[float] = field(default_factory=list)
    limited_clients: set[str] = field(default_factory=set)  # clients that got 429 on a submission

    def record(self, kind: str, response: httpx.Response) -> None:
        with self.lock:
            self.statuses[(kind, response.status_code)] += 1
            if response.status_code >= 500:
                self.server_errors.append(
                    f"{response.request.method} {response.request.url.path} -> "
                    f"{response.status_code}: {response.text[:300]!r}"
                )

    def failed(self, kind: str, request: str, exc: Exception) -> None:
        with self.lock:
            self.statuses[(kind, "error")] += 1
            self.transport_errors.append(f"{request}: {type(exc).__name__}: {exc}")

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def count(self, kind: str | None = None, *, statuses: Callable[[object], bool] = lambda _s: True) -> int:
        return sum(n for (k, s), n in self.statuses.items() if (kind is None or k == kind) and statuses(s))


def _client(server: Server, forwarded_for: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url,
        timeout=httpx.Timeout(60, connect=10),
        headers={"X-Forwarded-For": forwarded_for},
        follow_redirects=False,
    )


def _call(tally: Tally, kind: str, send: Callable[[], httpx.Response], label: str) -> httpx.Response | None:
    try:
        response = send()
    except httpx.HTTPError as exc:
        tally.failed(kind, label, exc)
        return None
    tally.record(kind, response)
    return response


def _csrf(client: httpx.Client, tally: Tally) -> str:
    if CSRF_COOKIE not in client.cookies:
        _call(tally, "browse", partial(client.get, "/staff/login"), "GET /staff/login")
    return client.cookies.get(CSRF_COOKIE, "")


def _message(label: str, n: int) -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "title": f"负载测试{label}第{n}条：小区路灯不亮{tag}",
        "body": f"我们小区门口的路灯已经坏了两周，晚上出行很不方便，请尽快安排维修。编号{tag}。",
        "appeal_kind": "complaint",
        "place_text": "",
        "submission_key": f"live-{tag}",
    }


def submit_once(client: httpx.Client, tally: Tally, label: str, n: int, *, form: bool) -> httpx.Response | None:
    """One submission, through the HTML form (with its CSRF token) or the JSON API; records what came back."""
    data = _message(label, n)
    started = time.perf_counter()
    if form:
        fields = {**data, "is_public": "on", "csrf_token": _csrf(client, tally)}
        response = _call(tally, "submit", partial(client.post, "/messages", data=fields), "POST /messages")
    else:
        response = _call(tally, "submit", partial(client.post, "/api/v1/messages", json=data), "POST /api/v1/messages")
    if response is None:
        return None
    with tally.lock:
        tally.submit_seconds.append(time.perf_counter() - started)
        if response.status_code == 429:
            tally.limited_clients.add(client.headers["X-Forwarded-For"])
        case_id = _acknowledged_id(response, form=form)
        if case_id is not None:
            tally.acknowledged[case_id] = data["title"]
    return response


def _acknowledged_id(response: httpx.Response, *, form: bool) -> int | None:
    if not 200 <= response.status_code < 300:
        return None
    if form:
        match = CASE_NO.search(response.text)
        return int(match.group(1)) if match else None
    return int(response.json()["id"])


def browse_once(client: httpx.Client, tally: Tally, rng: random.Random) -> None:
    """One look at the public board, a case page or the public API."""
    with tally.lock:
        known = list(tally.acknowledged)[-50:]
    case_id = rng.choice(known) if known else 1
    path = rng.choice(
        [
            "/board",
            f"/board?page={rng.randint(1, 3)}",
            f"/cases/{case_id}",
            "/api/v1/cases",
            f"/api/v1/cases/{case_id}",
            "/board?q=路灯",
        ]
    )
    _call(tally, "browse", partial(client.get, path), f"GET {path}")


def citizen(
    server: Server, tally: Tally, index: int, stop: threading.Event, *, max_submissions: int, browse: bool = True
) -> None:
    """A client behind the proxy: submits (form and API in turn) and browses until told to stop."""
    rng = random.Random(index)
    with _client(server, f"10.20.{index // 250}.{index % 250 + 1}") as client:
        n = 0
        while not stop.is_set() and n < max_submissions:
            submit_once(client, tally, f"C{index}", n, form=n % 2 == 0)
            n += 1
            if browse:
                browse_once(client, tally, rng)
        while browse and not stop.is_set():
            browse_once(client, tally, rng)


def login_flooder(server: Server, tally: Tally, index: int, stop: threading.Event) -> None:
    """A client sending wrong passwords for the staff account, to the login form and the token API in turn."""
    with _client(server, f"10.66.0.{index + 1}") as client:
        n = 0
        while not stop.is_set():
            wrong = f"wrong-{index}-{n}"
            if n % 2 == 0:
                fields = {
                    "username": server.username,
                    "password": wrong,
                    "next": "/staff",
                    "csrf_token": _csrf(client, tally),
                }
                _call(tally, "login", partial(client.post, "/staff/login", data=fields), "POST /staff/login")
            else:
                body = {"username": server.username, "password": wrong}
                _call(tally, "login", partial(client.post, "/api/v1/auth/token", json=body), "POST /api/v1/auth/token")
            n += 1


def run_clients(targets: list[Callable[[threading.Event], None]], seconds: float) -> None:
    """Run each target in its own thread for `seconds`, then stop them and wait for their last request."""
    stop = threading.Event()
    threads = [threading.Thread(target=t, args=(stop,), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=90)


def stored_titles(database_url: str, case_ids: list[int]) -> dict[int, list[str]]:
    """Case id -> the titles stored for it, read straight from the database."""
    from minyi.messages.models import Message
    from minyi.workflow.models import Case

    engine = make_engine(database_url)
    found: dict[int, list[str]] = {}
    try:
        with engine.connect() as conn:
            for start in range(0, len(case_ids), 500):
                chunk = case_ids[start : start + 500]
                rows = conn.execute(
                    select(Case.id, Message.title)
                    .join(Message, Message.id == Case.message_id)
                    .where(Case.id.in_(chunk))
                )
                for case_id, title in rows:
                    found.setdefault(case_id, []).append(title)
    finally:
        engine.dispose()
    return found


def count_titles(database_url: str, titles: list[str]) -> Counter:
    """How many stored messages carry each of these titles."""
    from minyi.messages.models import Message

    engine = make_engine(database_url)
    counts: Counter = Counter()
    try:
        with engine.connect() as conn:
            for start in range(0, len(titles), 500):
                chunk = titles[start : start + 500]
                counts.update(t for (t,) in conn.execute(select(Message.title).where(Message.title.in_(chunk))))
    finally:
        engine.dispose()
    return counts
