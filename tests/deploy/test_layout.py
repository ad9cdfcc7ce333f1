"""The production layout of docs/deploy.md on loopback, walked through once.

PostgreSQL (the throwaway server of `make test-postgres`: a data database and a queue database), Debian's
nginx running deploy/nginx/minyi-proxy.conf in front of two `minyi serve` processes, and one `minyi worker`.
One message goes round the whole loop over HTTP through nginx: a citizen submits, the worker analyses it, a
coordinator assigns, the department's handler replies, the citizen rates. Then /healthz and /metrics through
nginx, a backup with deploy/backup.sh restored by deploy/restore.sh into new databases, and a clean stop.

Runs where MINYI_TEST_DATABASE_URL names PostgreSQL (`make test-postgres`, which installs nginx); skipped
elsewhere with the reason. Where nginx is missing it is skipped too, and fails when CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from minyi.core.db import make_engine, make_session_factory, transaction
from tests.deploy.layout import Layout, running_layout

PG_URL = os.environ.get("MINYI_TEST_DATABASE_URL", "")
REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"), reason="needs PostgreSQL: run by `make test-postgres`"
)

MESSAGE = {
    "title": "建设路路口下水道堵塞积水",
    "body": "建设路与人民路路口的下水道堵塞了一个星期，每次下雨积水超过二十厘米，行人无法通行，请尽快疏通。",
    "appeal_kind": "complaint",
    "contact_phone": "13600000000",
    "contact_name": "王五",
}


def _nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        reason = "Debian's nginx is not installed (apt-get install nginx; `make nginx`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    """The whole layout, started once for the module and stopped (checked) at the end."""
    with running_layout(tmp_path_factory.mktemp("layout"), nginx=_nginx(), base_url=PG_URL) as running:
        yield running
    assert running.stopped_cleanly, running.logs()


def _wait_for_analysis(client: httpx.Client, case_id: int, headers: dict[str, str], timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = client.get(f"/api/v1/staff/cases/{case_id}", headers=headers).json()
        if view.get("analysis"):
            return view
        time.sleep(0.5)
    pytest.fail(f"the worker did not analyse case {case_id} within {timeout:.0f} s")


def test_one_message_round_the_whole_loop_through_nginx(layout: Layout) -> None:
    with httpx.Client(base_url=layout.url, timeout=60) as client:
        submitted = client.post("/api/v1/messages", json=MESSAGE)
        assert submitted.status_code == 201, submitted.text
        case_id, token = submitted.json()["id"], submitted.json()["tracking_token"]
        assert submitted.json()["status"] == "submitted"

        coordinator, handler = layout.token(client, "coordinator"), layout.token(client, "handler")
        analysed = _wait_for_analysis(client, case_id, coordinator)
        assert "domain" in analysed["analysis"] and "appeal_kind" in analysed["analysis"], analysed["analysis"]

        assigned = client.post(
            f"/api/v1/staff/cases/{case_id}/actions/assign",
            json={"department_id": layout.department_id},
            headers=coordinator,
        )
        assert assigned.status_code == 200 and assigned.json()["status"] == "assigned", assigned.text
        inbox = client.get("/api/v1/staff/inbox", headers=handler).json()
        assert case_id in [item["id"] for item in inbox["items"]]

        accepted = client.post(f"/api/v1/staff/cases/{case_id}/actions/accept", json={}, headers=handler)
        assert accepted.status_code == 200, accepted.text
        reply = "已安排市政部门疏通建设路路口下水道，积水问题已解决，感谢您的反映。"
        replied = client.post(f"/api/v1/staff/cases/{case_id}/actions/reply", json={"body": reply}, headers=handler)
        assert replied.status_code == 200 and replied.json()["status"] == "replied", replied.text

        public = client.get(f"/api/v1/cases/{case_id}").json()
        assert reply in str(public) and "13600000000" not in str(public)
        rated = client.post(f"/api/v1/track/{token}/rate", json={"level": "satisfied", "comment": "很及时"})
        assert rated.status_code == 200 and rated.json()["status"] == "closed", rated.text

        log = client.get(f"/api/v1/staff/cases/{case_id}", headers=coordinator).json()["log"]
        assert [e["kind"] for e in log] == ["submit", "assign", "accept", "reply", "rate"]
    layout.case_id = case_id


def test_health_and_metrics_through_nginx(layout: Layout) -> None:
    with httpx.Client(base_url=layout.url, timeout=30) as client:
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}
        metrics = client.get("/metrics")
        assert metrics.status_code == 200, metrics.text
        assert "minyi_http_requests_total" in metrics.text and "minyi_queue_pending_tasks" in metrics.text
        assert "13600000000" not in metrics.text
        forged = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
        assert forged.status_code == 403  # nginx appends 127.0.0.1; minyi sees the client 203.0.113.7
    for port in layout.web_ports:  # nginx spread the requests over both web processes
        direct = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        served = [line for line in direct.splitlines() if line.startswith('minyi_http_requests_total{method="GET"')]
        assert served, f"web process on port {port} answered nothing through nginx"


def test_backup_and_restore_of_data_and_queue(layout: Layout, tmp_path: Path) -> None:
    case_id = getattr(layout, "case_id", None)
    if case_id is None:
        pytest.skip("the loop test did not run")
    env = {**os.environ, **layout.env, "PATH": f"{layout.pg_bin}:{os.environ['PATH']}"}
    subprocess.run([REPO / "deploy" / "backup.sh", tmp_path / "backup"], env=env, check=True, capture_output=True)
    with layout.fresh_databases() as (data_url, jobs_url):
        restore_env = {**env, "MINYI_DATABASE_URL": data_url, "MINYI_JOBS_URL": jobs_url}
        restore = [REPO / "deploy" / "restore.sh", tmp_path / "backup"]
        subprocess.run(restore, env=restore_env, check=True, capture_output=True)
        restored = make_engine(data_url)
        with transaction(make_session_factory(restored)) as session:
            status = session.execute(text("SELECT status FROM cases WHERE id = :id"), {"id": case_id}).scalar()
            kinds = session.execute(
                text("SELECT kind FROM case_events WHERE case_id = :id ORDER BY id"), {"id": case_id}
            ).scalars()
            assert status == "closed" and list(kinds)[-1] == "rate"
        restored.dispose()
        queue = create_engine(jobs_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with queue.connect() as conn:
            assert conn.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'task'")
            ).scalar()
        queue.dispose()
