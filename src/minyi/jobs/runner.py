"""In-process background worker: analyses new messages and runs scheduled tasks.

One daemon thread per app process. Work is queued by message id, so a request never waits for the
analysis; on start the worker also catches up with every message stored without an analysis (while it
was not running, or queued in a process that stopped): live messages first, newest first, then
imported history, a batch at a time and only while no newly queued message waits.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque

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
    from minyi.privacy.retention import erase_expired_contacts
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
    return {
        "auto_closed": closed,
        "hot_issues": hot_issues,
        "reports": reports,
        "watch_alerts": watch_alerts,
        **run_deadline_tasks(factory, get_settings()),
        # PIPL: contact data of cases closed longer than the retention period, in batches.
        "contacts_erased": erase_expired_contacts(factory, retention_days=get_settings().contact_retention_days),
    }


FIRST_RUN_AFTER_SECONDS = 10  # soon after start, then every scheduler interval
BACKLOG_BATCH = 500  # message ids read per catch-up query


class AnalysisBacklog:
    """The messages stored without an analysis: live ones newest first, then imported history, in batches.

    Each batch is read when the previous one is used up, below the last id seen, so the whole backlog
    drains however large it is, and a message that keeps failing is tried once per start, not forever.
    """

    def __init__(self, factory: sessionmaker[Session], batch: int = BACKLOG_BATCH) -> None:
        self.factory = factory
        self.batch = batch
        self._phases = [False, True]  # imported? live messages first
        self._below: int | None = None
        self._pending: deque[int] = deque()

    def next_id(self) -> int | None:
        """The next message to analyse, or None when the backlog is drained."""
        while not self._pending and self._phases:
            with transaction(self.factory, write=False) as session:
                ids = unanalysed_message_ids(session, imported=self._phases[0], below_id=self._below, limit=self.batch)
            if ids:
                self._pending.extend(ids)
                self._below = ids[-1]
            else:
                self._phases.pop(0)
                self._below = None
        return self._pending.popleft() if self._pending else None


class BackgroundJobs:
    """A queue of messages to analyse plus a periodic scheduler, in one daemon thread."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        analyzer: Analyzer | None = None,
        backlog_batch: int = BACKLOG_BATCH,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self._analyzer = analyzer
        self._analyzer_failed = False
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._backlog: AnalysisBacklog | None = AnalysisBacklog(factory, backlog_batch)
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

    def _analyse_one(self, message_id: int, *, from_backlog: bool = False) -> None:
        analyzer = self._analyzer_or_none()
        if analyzer is None:
            return
        with transaction(self.factory) as session:
            analyse_message(session, message_id=message_id, analyzer=analyzer, if_missing=from_backlog)

    def _next_backlog_id(self) -> int | None:
        if self._backlog is None or not self.settings.run_analysis or self._analyzer_or_none() is None:
            return None
        message_id = self._backlog.next_id()
        if message_id is None:
            self._backlog = None  # drained: from now on only queued messages
        return message_id

    def _next_item(self, timeout: float) -> tuple[int | None, bool]:
        """(message id, from the backlog?): a queued message first, else the backlog, else wait for the queue."""
        try:
            return self._queue.get_nowait(), False
        except queue.Empty:
            pass
        if not self._stop.is_set():
            backlog_id = self._next_backlog_id()
            if backlog_id is not None:
                return backlog_id, True
        try:
            return self._queue.get(timeout=timeout), False
        except queue.Empty:
            return None, False

    def _run(self) -> None:
        interval = self.settings.scheduler_interval_seconds
        next_run = time.monotonic() + min(interval, FIRST_RUN_AFTER_SECONDS)
        while not self._stop.is_set():
            try:
                item, from_backlog = self._next_item(max(0.0, next_run - time.monotonic()))
            except Exception:
                log.exception("reading the analysis backlog failed; it is retried at the next start")
                self._backlog, item, from_backlog = None, None, False
            if time.monotonic() >= next_run:
                next_run = time.monotonic() + interval
                try:
                    log.info("scheduled tasks: %s", run_scheduled_tasks(self.factory))
                except Exception:
                    log.exception("scheduled tasks failed")
            if item is not None:
                try:
                    self._analyse_one(item, from_backlog=from_backlog)
                except Exception:
                    log.exception("analysis of message %s failed", item)
