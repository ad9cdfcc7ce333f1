"""Background work commands: `minyi worker` (a job-engine consumer, as many as wanted on as many machines)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

from minyi.core.settings import get_settings


@click.command()
@click.option("--threads", type=int, default=None, help="Worker threads (default MINYI_WORKER_THREADS or 2)")
@click.option("--parent-pid", type=int, default=None, hidden=True, help="Stop when this process is gone (serve's)")
def worker(threads: int | None, parent_pid: int | None) -> None:
    """Run queued analyses and the scheduled tasks until stopped (SIGINT finishes running tasks, SIGTERM stops)."""
    from minyi.jobs.tasks import Jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    settings = get_settings()
    lower_priority(settings.worker_nice)  # before any thread starts: Linux threads inherit their creator's nice
    jobs = Jobs(settings)
    click.echo(f"minyi worker {os.getpid()}: queue {settings.jobs_url or settings.data_dir / 'jobs.sqlite3'}")
    if parent_pid is not None:
        threading.Thread(target=_stop_when_orphaned, args=(parent_pid,), daemon=True).start()
    jobs.consumer(threads=threads).run()


def lower_priority(increment: int) -> None:
    """Lower the CPU priority of every thread of this process by `increment` (background work yields a core to
    the web processes). On Linux a nice value is per thread and a new thread inherits its creator's: the threads
    already running (a numeric library's pool, started at import) are lowered one by one, later ones inherit it."""
    if increment <= 0:
        return
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():  # not Linux: the process's priority (all its threads)
        os.nice(increment)
        return
    for task in tasks.iterdir():
        tid = int(task.name)
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + increment))
        except (ProcessLookupError, PermissionError):  # a thread ended meanwhile
            continue


def _stop_when_orphaned(parent_pid: int) -> None:
    """A worker started by `minyi serve` stops (gracefully) when serve is gone, even after a kill -9 of serve."""
    while os.getppid() == parent_pid:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGINT)


def start_worker_process() -> subprocess.Popen[bytes]:
    """`minyi worker` as a child process of this one (the one-command embedded layout of `minyi serve`)."""
    command = [sys.executable, "-c", "from minyi.cli import main; main()", "worker", f"--parent-pid={os.getpid()}"]
    return subprocess.Popen(command)  # noqa: S603 - our own command


def stop_worker_process(process: subprocess.Popen[bytes]) -> None:
    """Let the child finish its running tasks (SIGINT), then stop it; whatever it had not done stays queued."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def register(group: click.Group) -> None:
    """Add the background work commands to the CLI."""
    group.add_command(worker)
