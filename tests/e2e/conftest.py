"""A real server on loopback and a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.web.app import create_app
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("MINYI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@dataclass
class LiveServer:
    """A running app and the session factory of its database."""

    url: str
    factory: object
    app: object = None  # the running app (a test may change its settings through minyi.web.state.app_state)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """minyi served by uvicorn in a thread, on its own SQLite file."""
    data = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{data / 'e2e.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    settings = Settings(
        data_dir=data,
        database_url=url,
        secret_key="e2e-secret",
        run_scheduler=False,
        run_analysis=False,
        submit_rate_limit=100,
    )
    port = _free_port()
    app = create_app(settings, factory, start_background=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield LiveServer(url=f"http://127.0.0.1:{port}", factory=factory, app=app)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium, headless; a clear failure when it is missing."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make test` (installs it) or set MINYI_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Where this test saves its screenshots."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def with_db(server: LiveServer):
    """A transaction on the live server's database (to arrange staff accounts)."""
    return transaction(server.factory)


def login(page, server: LiveServer, username: str) -> None:  # type: ignore[no-untyped-def]
    """Log a staff member in through the login form (demo password of tests.factories)."""
    page.goto(f"{server.url}/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
