"""In-process background worker: analyses new messages and runs scheduled tasks.

One daemon thread per app process. Work is queued by message id, so a request never waits for the
analysis; on start the worker also catches up with messages stored while it was not running.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from minyi.core.db import transaction
from minyi.core.settings import Settings
from minyi.hot.services import recompute_hot_issues
from minyi.messages.analysis import Analyzer, analyse_message, default_analyzer, unanalysed_message_ids
from minyi.reports.services import generate_due_reports
from minyi.workflow.services import auto_close_due

log = logging.getLogger(__name__)


def run_scheduled_tasks(factory: sessionmaker[Session]) -> dict[str, int]:
    """Everything that runs on the schedule, each in its own transaction."""
    from minyi.core.settings import get_settings  # imported here: read when the tasks run
    from minyi.notifications.services import Outbound, run_deadline_tasks
    from minyi.watches.services import scan_watches

    with transaction(factory) as session:
        closed = auto_close_due(session)
    with transaction(factory) as session:
        hot_issues = len(recompute_hot_issues(session))
    with transaction(factory) as session:  # last week's and last month's 民意 reports, each once
        reports = len(generate_due_reports(session))
    with transaction(factory) as session:  # 网上蹲点: new and urgent messages, once per watch and message
        watch_alerts = scan_watches(session, outbound=Outbound.of(get_settings()))
    # Deadline reminders, automatic 督办 of overdue cases, then e-mail/webhook deliveries.
    return {"auto_closed": closed, "hot_issues": hot_issues, "reports": reports, "watch_alerts": watch_alerts,
            **run_deadline_tasks(factory, get_settings())}


FIRST_RUN_AFTER_SECONDS = 10  # soon after start, then every scheduler interval


class BackgroundJobs:
    """A queue of messages to analyse plus a periodic scheduler, in one daemon thread."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings, analyzer: Analyzer | None = None) -> None:
        self.factory = factory
        self.settings = settings
        self._analyzer = analyzer
        self._analyzer_failed = False
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="minyi-jobs", daemon=True)

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the worker to finish and wait briefly."""
        self._stop.set()
        self._queue.put(None)
        self._thread.join(timeout=5)

    def analyse(self, message_id: int) -> None:
        """Queue a message for analysis (returns at once)."""
        if self.settings.run_analysis:
            self._queue.put(message_id)

    def _analyzer_or_none(self) -> Analyzer | None:
        if self._analyzer is None and not self._analyzer_failed:
            try:
                self._analyzer = default_analyzer()
            except Exception:
                self._analyzer_failed = True  # log once, keep serving: messages are stored without suggestions
                log.exception("text analysis is unavailable; messages are stored without suggestions")
        return self._analyzer

    def _analyse_one(self, message_id: int) -> None:
        analyzer = self._analyzer_or_none()
        if analyzer is None:
            return
        with transaction(self.factory) as session:
            analyse_message(session, message_id=message_id, analyzer=analyzer)

    def _run(self) -> None:
        if self.settings.run_analysis:
            with transaction(self.factory) as session:
                for message_id in unanalysed_message_ids(session):
                    self._queue.put(message_id)
        interval = self.settings.scheduler_interval_seconds
        next_run = time.monotonic() + min(interval, FIRST_RUN_AFTER_SECONDS)
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=max(0.0, next_run - time.monotonic()))
            except queue.Empty:
                item = None
            if time.monotonic() >= next_run:
                next_run = time.monotonic() + interval
                try:
                    log.info("scheduled tasks: %s", run_scheduled_tasks(self.factory))
                except Exception:
                    log.exception("scheduled tasks failed")
            if item is not None:
                try:
                    self._analyse_one(item)
                except Exception:
                    log.exception("analysis of message %s failed", item)
