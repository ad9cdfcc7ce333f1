"""后台任务 (/staff/admin/tasks): failed tasks listed for the admin, paged, each with a retry button that queues it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.settings import Settings
from minyi.jobs.failures import record_failure
from minyi.jobs.models import FailedTask
from minyi.jobs.tasks import Jobs
from minyi.web.state import app_state
from tests import factories as f


def _failed(db: Session, message_id: int = 7) -> FailedTask:
    return record_failure(
        db,
        task="minyi.jobs.tasks.analyse",
        args=[message_id],
        kwargs={},
        attempts=5,
        error="Traceback (most recent call last):\nsqlite3.OperationalError: database is locked",
    )


def test_the_admin_sees_failed_tasks_and_retries_one(
    client: TestClient, db: Session, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    row = _failed(db)
    jobs = Jobs(settings, session_factory)
    app_state(client.app).jobs = jobs
    f.login(client, f.user(db, role="admin"))
    page = client.get("/staff/admin/tasks")
    assert page.status_code == 200
    assert "后台任务" in page.text and "database is locked" in page.text and f"task-{row.id}" in page.text
    assert "/staff/admin/tasks" in client.get("/staff/admin").text  # linked from the admin console
    retried = client.post(f"/staff/admin/tasks/{row.id}/retry", data={"csrf_token": f.csrf(client)})
    assert retried.status_code == 200 and "任务已重新排队" in retried.text
    assert f"task-{row.id}" not in retried.text  # no longer among the failed ones
    queued = jobs.huey.dequeue()
    assert queued is not None and queued.name == "analyse" and queued.args == (7,)
    db.refresh(row)
    assert row.status == "retried" and row.retried_at is not None
    again = client.post(f"/staff/admin/tasks/{row.id}/retry", data={"csrf_token": f.csrf(client)})
    assert again.status_code == 409 and jobs.huey.pending_count() == 0  # queued once only


def test_the_page_is_paged_and_hostile_input_is_answered_clearly(client: TestClient, db: Session) -> None:
    for i in range(55):
        _failed(db, i)
    f.login(client, f.user(db, role="admin"))
    first = client.get("/staff/admin/tasks")
    assert "（55）" in first.text and "1 / 2" in first.text and "下一页" in first.text
    assert client.get("/staff/admin/tasks?page=2").status_code == 200
    for page in ("0", "-1", "x", "9" * 40, "<script>"):
        assert client.get("/staff/admin/tasks", params={"page": page}).status_code == 200
    assert client.post("/staff/admin/tasks/999999/retry", data={"csrf_token": f.csrf(client)}).status_code == 404
    assert client.post("/staff/admin/tasks/abc/retry", data={"csrf_token": f.csrf(client)}).status_code == 404


def test_only_the_admin_sees_the_page(client: TestClient, db: Session) -> None:
    _failed(db)
    assert client.get("/staff/admin/tasks", follow_redirects=False).status_code == 303  # to the login page
    f.login(client, f.user(db, role="coordinator"))
    assert client.get("/staff/admin/tasks").status_code == 403
    assert client.post("/staff/admin/tasks/1/retry", data={"csrf_token": f.csrf(client)}).status_code == 403
