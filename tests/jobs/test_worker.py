"""Real `minyi worker` processes on the real engine (huey on SQLite): queued analyses, periodic tasks once per
period across two racing workers, and nothing lost when a queue entry is (a worker killed with -9 mid-task)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.jobs.models import TaskClaim
from minyi.jobs.runner import SCHEDULE
from minyi.jobs.tasks import Jobs
from minyi.messages.models import MessageAnalysis
from tests import factories as f

DAY = 86400  # one period a day: two workers started together race on the same period


def _settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'minyi.sqlite3'}"
    return Settings(data_dir=tmp_path, database_url=url, secret_key="worker-test", scheduler_interval_seconds=DAY)


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "MINYI_DATA_DIR": str(settings.data_dir),
        "MINYI_DATABASE_URL": settings.database_url,
        "MINYI_SECRET_KEY": settings.secret_key,
        "MINYI_SCHEDULER_INTERVAL": str(settings.scheduler_interval_seconds),
        "MINYI_WORKER_THREADS": "2",
    }


@contextmanager
def _workers(settings: Settings, count: int, **env: str) -> Iterator[list[Path]]:
    """`count` worker processes started together; their logs' paths; stopped (SIGINT) afterwards."""
    logs = [settings.data_dir / f"worker{i}.log" for i in range(count)]
    command = [sys.executable, "-c", "from minyi.cli import main; main()", "worker"]
    procs = []
    for log in logs:
        with log.open("wb") as out:
            procs.append(subprocess.Popen(command, env={**_env(settings), **env}, stdout=out, stderr=subprocess.STDOUT))
    try:
        yield logs
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait(condition: Callable[[], bool], logs: list[Path], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    tails = "\n".join(log.read_text(encoding="utf-8", errors="replace")[-3000:] for log in logs)
    raise AssertionError(f"timed out; worker logs:\n{tails}")


def _analysed(factory: sessionmaker[Session], *ids: int) -> bool:
    with transaction(factory, write=False) as session:
        found = session.scalar(select(func.count()).where(MessageAnalysis.message_id.in_(ids)))
    return found == len(ids)


def _log_lines(logs: list[Path], needle: str) -> list[str]:
    return [line for log in logs for line in log.read_text(encoding="utf-8").splitlines() if needle in line]


def test_two_workers_run_each_periodic_task_once_and_consume_queued_analyses(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    upgrade(settings.database_url)
    factory = make_session_factory(make_engine(settings.database_url))
    web = Jobs(settings, factory)  # what a web process holds: it only enqueues
    with transaction(factory) as session:
        queued = f.message(session, title="路灯不亮好几天了", submission_key=None).message.id
        lost = f.message(session, title="小区门口积水严重", submission_key=None).message.id
    web.analyse(queued)  # acknowledged and queued while no worker runs; `lost`'s queue entry never made it
    with _workers(settings, 2) as logs:
        scheduled = [*SCHEDULE, "analysis_catch_up"]
        # every worker's scheduler enqueued every periodic task at its start: two attempts per task and period
        _wait(lambda: all(len(_log_lines(logs, f"scheduled task {t} ")) >= 2 for t in scheduled), logs)
        _wait(lambda: _analysed(factory, queued, lost), logs)  # from the queue and from the catch-up
        with transaction(factory) as session:  # a new message while the workers run: the catch-up has had its day
            fresh = f.message(session, title="公交站台顶棚破损", submission_key=None).message.id
        web.analyse(fresh)
        _wait(lambda: _analysed(factory, fresh), logs)
    daily = [t for t in scheduled if t != "similar_index"]  # similar_index has minute periods of its own
    for task in daily:
        assert len(_log_lines(logs, f"scheduled task {task} ran for period")) == 1, task
        assert len(_log_lines(logs, f"scheduled task {task} skipped: period")) == 1, task
    with transaction(factory, write=False) as session:
        claims = session.scalars(select(TaskClaim).where(TaskClaim.task.in_(daily))).all()
    assert sorted(c.task for c in claims) == sorted(daily)  # one claim per task for the day, each finished
    assert all(c.finished_at is not None for c in claims)
    assert _log_lines(logs, "Executing minyi.jobs.tasks.analyse: ")  # the queued analyses ran as engine tasks


def _thread_nice_values(pid: int) -> list[int]:
    """The nice value of every thread of a process (field 19 of /proc/PID/task/TID/stat)."""
    values = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        stat = (task / "stat").read_text()
        values.append(int(stat.rsplit(")", 1)[1].split()[16]))
    return values


def test_a_worker_lowers_its_cpu_priority_in_every_thread(tmp_path: Path) -> None:
    """MINYI_WORKER_NICE: the worker yields the cores to the web processes; its task threads inherit the priority."""
    settings = _settings(tmp_path)
    upgrade(settings.database_url)
    ours = os.nice(0)
    with _workers(settings, 1, MINYI_WORKER_NICE="7") as logs:
        _wait(lambda: bool(_log_lines(logs, "scheduled task analysis_catch_up ran")), logs)
        pid = int(_log_lines(logs, "minyi worker ")[0].split("minyi worker ", 1)[1].split(":", 1)[0])
        values = _thread_nice_values(pid)
    assert len(values) >= 3  # the main thread, the scheduler and the task threads
    assert set(values) == {min(19, ours + 7)}


def test_a_worker_killed_with_sigkill_loses_nothing(tmp_path: Path) -> None:
    """An analysis taken from the queue by a worker that is then killed is done by the next worker's catch-up."""
    settings = _settings(tmp_path)
    upgrade(settings.database_url)
    factory = make_session_factory(make_engine(settings.database_url))
    with _workers(settings, 1) as logs:
        _wait(lambda: bool(_log_lines(logs, "scheduled task analysis_catch_up ran")), logs)
        pid = int(_log_lines(logs, "minyi worker ")[0].split("minyi worker ", 1)[1].split(":", 1)[0])
        os.kill(pid, signal.SIGKILL)  # the day's catch-up is claimed and the worker gone
    with transaction(factory) as session:
        orphan = f.message(session, title="夜间施工噪音扰民", submission_key=None).message.id
    with transaction(factory) as session:  # its queue entry died with the worker; the next period comes
        session.execute(TaskClaim.__table__.delete().where(TaskClaim.task == "analysis_catch_up"))
    with _workers(settings, 1) as logs:
        _wait(lambda: _analysed(factory, orphan), logs)


def test_serve_starts_a_worker_beside_itself_and_the_worker_ends_with_it(tmp_path: Path) -> None:
    """`make demo`'s one command: `minyi serve` runs a `minyi worker` child, which ends even after serve's kill -9."""
    settings = _settings(tmp_path)
    upgrade(settings.database_url)
    factory = make_session_factory(make_engine(settings.database_url))
    with transaction(factory) as session:
        waiting = f.message(session, title="楼道燃气味很重", submission_key=None).message.id
    log = tmp_path / "serve.log"
    command = [sys.executable, "-c", "from minyi.cli import main; main()", "serve", "--port", "0"]
    with log.open("wb") as out:
        serve = subprocess.Popen(command, env=_env(settings), stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: _analysed(factory, waiting), [log])  # the web process never analyses: its worker did
        worker_pid = int(_log_lines([log], "minyi worker ")[0].split("minyi worker ", 1)[1].split(":", 1)[0])
        assert worker_pid != serve.pid
    finally:
        serve.kill()
        serve.wait()
    _wait(lambda: not _alive(worker_pid), [log], timeout=30)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")  # a zombie (exited, not yet reaped by init) counts as gone
    return not (status.exists() and status.read_text().split(") ", 1)[1].startswith("Z"))
