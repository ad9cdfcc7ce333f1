"""The live feed across processes: two `minyi serve` on one database (SQLite, or PostgreSQL in test-postgres); a
browser's stream on process A receives an answer posted through process B (told through the database, not through
memory), and a stream reconnected to B with Last-Event-ID gets what it missed while it was away; then nginx in
front of both."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from minyi.core.migrate import upgrade
from tests.deploy.layout import _nginx_conf
from tests.interviews.test_services import _local
from tests.reliability.live import (
    STAFF_PASSWORD,
    STAFF_USER,
    _create_staff,
    _free_port,
    _minyi,
    _wait_until_up,
    fresh_database,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@contextmanager
def _serve(folder: Path, env: dict[str, str], name: str) -> Iterator[str]:
    port = _free_port()
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*_minyi(), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, proc, log, 60)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Process A and process B serving one migrated database (an SQLite file; PostgreSQL in `make test-postgres`)."""
    folder = tmp_path_factory.mktemp("two")
    with fresh_database(folder) as url:
        upgrade(url)
        _create_staff(url)
        env = {
            **os.environ,
            "MINYI_DATA_DIR": str(folder),
            "MINYI_DATABASE_URL": url,
            "MINYI_SECRET_KEY": "two-" + secrets.token_hex(16),
            "MINYI_RUN_SCHEDULER": "false",
            "MINYI_RUN_ANALYSIS": "false",
        }
        with ExitStack() as stack:
            yield stack.enter_context(_serve(folder, env, "a")), stack.enter_context(_serve(folder, env, "b"))


@pytest.fixture(scope="module")
def behind_nginx(two_servers: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx on loopback in front of both processes, with the deployed server block (deploy/nginx)."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed: the two processes are tested without the proxy")
    folder = tmp_path_factory.mktemp("nginx")
    port = _free_port()
    conf = _nginx_conf(folder, port, [int(url.rsplit(":", 1)[1]) for url in two_servers])
    with (folder / "nginx.out").open("wb") as out:
        proc = subprocess.Popen([nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
                                stdout=out, stderr=out)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"nginx did not start: {(folder / 'error.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class Listener:
    """An SSE client in a thread: every event it receives, in order."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.events: list[tuple[str, str, dict]] = []
        self.opened = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, args=(url, headers or {}), daemon=True)
        self._thread.start()

    def _run(self, url: str, headers: dict[str, str]) -> None:
        block: dict[str, str] = {}
        with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(5, read=60)) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            self._response = response
            self.opened.set()
            try:
                for line in response.iter_lines():
                    if not line:
                        if "event" in block:
                            self.events.append((block["id"], block["event"], json.loads(block["data"])))
                        block = {}
                    elif not line.startswith(":"):
                        key, _, value = line.partition(": ")
                        block[key] = value
            except (httpx.HTTPError, RuntimeError, ValueError):
                return  # closed by close()

    def wait_for(self, predicate, timeout: float = 15) -> tuple[str, str, dict]:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in list(self.events):
                if predicate(event):
                    return event
            time.sleep(0.05)
        pytest.fail(f"no matching event within {timeout} s; received {self.events}")

    def close(self) -> None:
        if self._response is not None:
            self._response.close()  # the browser leaves the page
        self._thread.join(timeout=1)  # a blocked read ends at the next keep-alive; the thread is a daemon


def _token(client: httpx.Client, base: str) -> dict[str, str]:
    response = client.post(f"{base}/api/v1/auth/token", json={"username": STAFF_USER, "password": STAFF_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_an_answer_posted_to_b_reaches_a_stream_on_a(two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    with httpx.Client(timeout=20) as http:
        staff_a, staff_b = _token(http, a), _token(http, b)
        created = http.post(
            f"{a}/api/v1/staff/interviews",
            headers=staff_a,
            json={
                "title": "两个进程的在线访谈",
                "leader": "周局长",
                "starts_at": _local_now(0),
                "ends_at": _local_now(2),
            },
        )
        assert created.status_code == 201, created.text
        iid = created.json()["id"]
        qid = http.post(f"{a}/api/v1/interviews/{iid}/questions", json={"body": "河道清淤什么时候开始？"}).json()["id"]
        assert (
            http.post(f"{a}/api/v1/staff/interview-questions/{qid}/approve", headers=staff_a, json={}).status_code
            == 200
        )
        after = http.get(f"{a}/api/v1/interviews/{iid}").json()["last_event_id"]

        on_a = Listener(f"{a}/interviews/{iid}/events?after={after}")
        assert on_a.opened.wait(10)
        answer = {"body": "下周一开始，月底完成。", "guest": "周局长"}
        posted = http.post(f"{b}/api/v1/staff/interview-questions/{qid}/answer", headers=staff_b, json=answer)
        assert posted.status_code == 200, posted.text
        got_id, name, data = on_a.wait_for(lambda e: e[1] == "question" and e[2].get("answers"))
        assert name == "question" and data["id"] == qid and data["answers"][0]["body"] == "下周一开始，月底完成。"
        on_a.close()

        # away: a second answer is posted to A; the browser reconnects to B with Last-Event-ID and gets it
        second = {"body": "清淤期间会提前发布通告。", "guest": "周局长"}
        assert (
            http.post(f"{a}/api/v1/staff/interview-questions/{qid}/answer", headers=staff_a, json=second).status_code
            == 200
        )
        on_b = Listener(f"{b}/interviews/{iid}/events", headers={"Last-Event-ID": got_id})
        _id, _name, again = on_b.wait_for(lambda e: len(e[2].get("answers", [])) == 2)
        assert [x["body"] for x in again["answers"]] == ["下周一开始，月底完成。", "清淤期间会提前发布通告。"]
        ended = http.post(f"{a}/api/v1/staff/interviews/{iid}/end", headers=staff_a, json={})
        assert ended.status_code == 200
        on_b.wait_for(lambda e: e[1] == "status" and e[2]["status"] == "ended")
        on_b.close()


def test_streams_behind_the_proxy_get_answers_posted_to_either_process(
    two_servers: tuple[str, str], behind_nginx: str
) -> None:
    a, b = two_servers
    with httpx.Client(timeout=20) as http:
        staff = _token(http, a)
        body = {"title": "代理后面的在线访谈", "leader": "吴主任", "starts_at": _local_now(0), "ends_at": _local_now(2)}
        iid = http.post(f"{behind_nginx}/api/v1/staff/interviews", headers=staff, json=body).json()["id"]
        qid = http.post(f"{behind_nginx}/api/v1/interviews/{iid}/questions", json={"body": "垃圾分类怎么做？"}).json()
        approve = http.post(f"{a}/api/v1/staff/interview-questions/{qid['id']}/approve", headers=staff, json={})
        assert approve.status_code == 200
        streams = [Listener(f"{behind_nginx}/interviews/{iid}/events?after=0") for _ in range(4)]  # round robin: A, B
        assert all(s.opened.wait(10) for s in streams)
        for n, server in enumerate((a, b), start=1):
            answer = {"body": f"第{n}条答复：按四类分好投放。", "guest": "吴主任"}
            path = f"{server}/api/v1/staff/interview-questions/{qid['id']}/answer"
            assert http.post(path, headers=staff, json=answer).status_code == 200
            for stream in streams:
                stream.wait_for(lambda e, n=n: len(e[2].get("answers", [])) == n)
        for stream in streams:
            stream.close()


def _local_now(hours: int) -> str:
    from datetime import timedelta

    return _local(timedelta(hours=hours))
