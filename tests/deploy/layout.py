"""Start and stop the production layout on loopback: nginx → 2 × `minyi serve`, 1 × `minyi worker`, PostgreSQL.

nginx runs as the current user with every path (pid, logs, temp folders, the generated nginx.conf) in a
temporary folder; the server block it runs is deploy/nginx/minyi-proxy.conf itself.
"""

from __future__ import annotations

import getpass
import grp
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from minyi.core.db import make_engine, make_session_factory, transaction
from tests.reliability.live import _free_port, _minyi, fresh_database

REPO = Path(__file__).resolve().parents[2]
PROXY_CONF = REPO / "deploy" / "nginx" / "minyi-proxy.conf"
PASSWORD = "layout-pass-1"  # throwaway accounts of a throwaway database

NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log notice;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream minyi_web {{
{servers}
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        include {proxy_conf};
    }}
}}
"""


@dataclass
class Layout:
    """The running layout: nginx's address, the web ports, the staff and the databases."""

    url: str
    web_ports: list[int]
    env: dict[str, str]
    department_id: int
    pg_bin: str
    folder: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)
    stopped_cleanly: bool = False
    case_id: int | None = None

    def token(self, client: httpx.Client, role: str) -> dict[str, str]:
        """An API bearer header for the layout's coordinator or handler, obtained through nginx."""
        answer = client.post("/api/v1/auth/token", json={"username": f"layout-{role}", "password": PASSWORD})
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    def logs(self) -> str:
        """The tail of every process's log, for a failure message."""
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in sorted(self.folder.glob("*.log"))
        )

    @contextmanager
    def fresh_databases(self) -> Iterator[tuple[str, str]]:
        """Two new empty databases (data, queue) on the same server, dropped afterwards."""
        with fresh_database(self.folder) as data_url, fresh_database(self.folder) as jobs_url:
            yield data_url, _libpq(jobs_url)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_bin() -> str:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), key=lambda p: int(p.parts[-3]))
    return str(found[-1].parent) if found else ""


def _arrange_staff(database_url: str) -> int:
    """A department with a handler, and a coordinator; returns the department's id."""
    from minyi.accounts.services import create_user
    from minyi.departments.services import create_department

    engine = make_engine(database_url)
    with transaction(make_session_factory(engine)) as session:
        department = create_department(session, name="市政工程管理处", domains=["城乡建设"])
        create_user(
            session, username="layout-coordinator", display_name="协调员", password=PASSWORD, role="coordinator"
        )
        create_user(
            session,
            username="layout-handler",
            display_name="承办人",
            password=PASSWORD,
            role="handler",
            department_id=department.id,
        )
        department_id = department.id
    engine.dispose()
    return department_id


def _nginx_conf(folder: Path, port: int, web_ports: list[int]) -> Path:
    user = ""
    if os.geteuid() == 0:  # as root nginx would switch its worker to `nobody`, who cannot enter the temp folder
        user = f"user {getpass.getuser()} {grp.getgrgid(os.getegid()).gr_name};\n"
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in web_ports)
    conf = folder / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(user=user, tmp=folder, servers=servers, port=port, proxy_conf=PROXY_CONF), encoding="utf-8"
    )
    return conf


def _start(layout: Layout, name: str, command: list[str], env: dict[str, str]) -> None:
    with (layout.folder / f"{name}.log").open("wb") as log:
        layout.processes[name] = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_until_up(layout: Layout, url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exited = [n for n, p in layout.processes.items() if p.poll() is not None]
        if exited:
            raise RuntimeError(f"{exited} exited at start:\n{layout.logs()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{layout.logs()}")


def _stop(layout: Layout) -> None:
    """nginx and the web processes get SIGQUIT/SIGTERM, the worker SIGINT (running tasks finish); all must exit."""
    clean = True
    signals = {"nginx": signal.SIGQUIT, "worker": signal.SIGINT}
    for name, proc in layout.processes.items():
        if proc.poll() is None:
            proc.send_signal(signals.get(name, signal.SIGTERM))
    for proc in layout.processes.values():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            clean = False
            proc.kill()
            proc.wait(timeout=10)
    layout.stopped_cleanly = clean and not (layout.folder / "nginx.pid").exists()


@contextmanager
def running_layout(folder: Path, *, nginx: str, base_url: str) -> Iterator[Layout]:
    """Two fresh databases migrated, staff arranged, then nginx, 2 web processes and 1 worker; stopped after."""
    with ExitStack() as stack:
        data_url = stack.enter_context(fresh_database(folder))
        jobs_url = _libpq(stack.enter_context(fresh_database(folder)))
        env = {
            **os.environ,
            "MINYI_DATA_DIR": str(folder),
            "MINYI_DATABASE_URL": data_url,
            "MINYI_JOBS_URL": jobs_url,
            "MINYI_SECRET_KEY": "layout-secret-key-of-a-throwaway-installation",
            "MINYI_TRUSTED_PROXIES": "127.0.0.1",
            "MINYI_RUN_SCHEDULER": "0",
            "MINYI_RUN_ANALYSIS": "1",
            "MINYI_WORKER_THREADS": "1",
        }
        env.pop("FORWARDED_ALLOW_IPS", None)
        subprocess.run([*_minyi(), "migrate"], env=env, check=True, capture_output=True, timeout=180)
        web_ports, port = [_free_port(), _free_port()], _free_port()
        layout = Layout(
            url=f"http://127.0.0.1:{port}",
            web_ports=web_ports,
            env={k: v for k, v in env.items() if k.startswith("MINYI_")},
            department_id=_arrange_staff(data_url),
            pg_bin=_pg_bin(),
            folder=folder,
        )
        try:
            for n, web_port in enumerate(web_ports, 1):
                _start(layout, f"web{n}", [*_minyi(), "serve", "--host", "127.0.0.1", "--port", str(web_port)], env)
            _start(layout, "worker", [*_minyi(), "worker"], env)
            for web_port in web_ports:
                _wait_until_up(layout, f"http://127.0.0.1:{web_port}/healthz")
            conf = _nginx_conf(folder, port, web_ports)
            _start(layout, "nginx", [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")], env)
            _wait_until_up(layout, f"{layout.url}/healthz")
            yield layout
        finally:
            _stop(layout)
