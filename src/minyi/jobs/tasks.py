"""minyi's tasks on the job engine: what web processes enqueue and what `minyi worker` processes consume.

Both sides build the same `Jobs` (same storage, same task names). Analysis of a new message is queued by the web
after its transaction commits, with a high priority; every scheduled task is a periodic task that every worker's
scheduler enqueues each minute and that runs only for the worker whose claim of (task, period) goes in first.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from huey import Huey, signals
from huey.api import Task
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.clock import utcnow
from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.settings import Settings
from minyi.jobs import claims, runner
from minyi.jobs.engine import make_huey
from minyi.jobs.failures import record_failure
from minyi.messages.analysis import Analyzer

if TYPE_CHECKING:
    from minyi.collect.alerts import UrgentAlerts

log = logging.getLogger(__name__)

RETRIES = 4  # after the first attempt: 5 s, 10 s, 20 s, 40 s later (backoff ×2), then listed as failed
RETRY_DELAY_SECONDS = 5.0
RETRY_BACKOFF = 2.0
LIVE_PRIORITY = 100  # a citizen's new message goes before the scheduled tasks and the catch-up
CATCH_UP = "analysis_catch_up"
IMPORT_PRIORITY = 10  # `minyi import`'s batches (analyse_batch): below a citizen's new message
HOT_PERIOD_PRIORITY = 50  # a period someone is waiting to see on /hot: after new messages, before imports
COLLECT_PRIORITY = 5  # a web source's run: slow (polite fetching), after everything people wait for
SOURCES_DUE = "sources_due"  # the scheduled task that queues one collect_source task per due web source
SOURCES_DUE_PERIOD_SECONDS = 60  # a due source is queued within about a minute


def every_minute(_moment: Any) -> bool:
    """huey's schedulers wake each minute; whether a period is due is the claim's business."""
    return True


class Jobs:
    """The engine with minyi's tasks registered on it."""

    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session] | None = None,
        *,
        analyzer: Analyzer | None = None,
        retry_delay: float = RETRY_DELAY_SECONDS,
    ) -> None:
        self.settings = settings
        self.huey: Huey = make_huey(settings)
        self._factory = factory
        self.analyzer = runner.SharedAnalyzer(analyzer)
        self.pacer = runner.Pacer()
        retry = {"retries": RETRIES, "retry_delay": retry_delay, "retry_backoff": RETRY_BACKOFF}
        self.analyse_task = self.huey.task(priority=LIVE_PRIORITY, name="analyse", **retry)(self._analyse)
        self.analyse_batch_task = self.huey.task(priority=IMPORT_PRIORITY, name="analyse_batch", **retry)(
            self._analyse_batch
        )
        self.hot_period_task = self.huey.task(priority=HOT_PERIOD_PRIORITY, name="hot_period", **retry)(
            self._hot_period
        )
        self.collect_source_task = self.huey.task(priority=COLLECT_PRIORITY, name="collect_source", **retry)(
            self._collect_source
        )
        self.scheduled_tasks = {
            name: self.huey.periodic_task(every_minute, name=f"scheduled_{name}", **retry)(self._scheduled_fn(name))
            for name in [*runner.SCHEDULE, CATCH_UP, SOURCES_DUE]
        }
        self.huey.signal(signals.SIGNAL_ERROR)(self._record_if_final)

    @property
    def factory(self) -> sessionmaker[Session]:
        """Database sessions of this process (created on first use: a web process passes its own)."""
        if self._factory is None:
            self._factory = make_session_factory(make_engine(self.settings.database_url))
        return self._factory

    # --- what the web calls ------------------------------------------------------------------------------

    def analyse(self, message_id: int) -> None:
        """Queue a committed message for analysis; a queue that cannot be reached is left to the catch-up."""
        if not self.settings.run_analysis:
            return
        try:
            self.analyse_task(message_id)
        except Exception:
            log.exception("could not queue message %s for analysis; the worker's catch-up will analyse it", message_id)

    def analyse_batch(self, message_ids: list[int]) -> None:
        """Queue a committed batch of imported messages for analysis (low priority); the catch-up covers a failure."""
        if not self.settings.run_analysis or not message_ids:
            return
        try:
            self.analyse_batch_task([int(i) for i in message_ids])
        except Exception:
            log.exception("could not queue %s imported messages for analysis; the catch-up will", len(message_ids))

    def hot_period(self, period_id: int) -> None:
        """Queue the grouping of a committed period for /hot?from=&to=; a failure is left to the periodic catch-up."""
        try:
            self.hot_period_task(int(period_id))
        except Exception:
            log.exception("could not queue hot period %s; the hot_issues task will group it", period_id)

    def requeue(self, task_name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Queue a failed task again under its engine name (the admin's retry button)."""
        task_class = self.huey._registry.string_to_task(task_name)
        self.huey.enqueue(task_class(args=tuple(args), kwargs=kwargs))

    # --- what the workers run ----------------------------------------------------------------------------

    def _analyse(self, message_id: int) -> bool:
        return runner.analyse(self.factory, self.analyzer.get(), message_id, if_missing=False)

    def _analyse_batch(self, message_ids: list[int]) -> int:
        return runner.analyse_batch(self.factory, self.analyzer.get(), message_ids)

    def _hot_period(self, period_id: int) -> int:
        return runner.hot_period(self.factory, period_id)

    def _collect_source(self, source_id: int) -> dict[str, int]:
        """One web source's run (minyi.collect.sources.collect_source): new items stored, its health recorded; then
        the new items matched against the open cases (minyi.hot.web_links)."""
        from minyi.collect.sources import collect_source
        from minyi.hot.web_links import match_new_web_items

        run = collect_source(self.factory, int(source_id), analyzer=self.analyzer.get(), alerts=self.urgent_alerts())
        if run is None:
            return {}
        linked = match_new_web_items(self.factory) if run.items else 0
        return {"items": run.items, "errors": run.errors, "web_links": linked}

    def urgent_alerts(self) -> UrgentAlerts:
        """How a run's urgent web items are told at once (minyi.collect.alerts): channels, and the watches."""
        from minyi.collect.alerts import UrgentAlerts
        from minyi.notifications.services import Outbound
        from minyi.watches.web import web_watchers

        return UrgentAlerts(outbound=Outbound.of(self.settings), watchers=web_watchers)

    def queue_due_sources(self) -> dict[str, int]:
        """Queue one collect_source task per web source whose next run has come (each claimed once: its next run
        moves one schedule on), so that the workers collect many sources in parallel."""
        from minyi.collect.sources import claim_due

        source_ids = claim_due(self.factory)
        for source_id in source_ids:
            self.collect_source_task(source_id)
        return {"sources_queued": len(source_ids)}

    def period_seconds(self, name: str) -> int:
        """The length of a scheduled task's period."""
        if name == SOURCES_DUE:
            return min(SOURCES_DUE_PERIOD_SECONDS, self.settings.scheduler_interval_seconds)
        if name == "web_retention":
            return max(runner.WEB_RETENTION_PERIOD_SECONDS, self.settings.scheduler_interval_seconds)
        if name == "similar_index":
            return min(runner.SIMILAR_INDEX_PERIOD_SECONDS, self.settings.scheduler_interval_seconds)
        return self.settings.scheduler_interval_seconds

    def run_scheduled(self, name: str, *, force: bool = False) -> dict[str, int] | None:
        """Run a scheduled task if this worker claims the current period (or at once when `force`d by the admin)."""
        period = claims.period_of(utcnow(), self.period_seconds(name))
        if not force and not claims.claim(self.factory, task=name, period=period):
            log.info("scheduled task %s skipped: period %s already claimed", name, period)
            return None
        try:
            if name == CATCH_UP:  # leaves a fifth of the period free so that passes do not overlap
                done = runner.catch_up(
                    self.factory, self.analyzer.get(), budget_seconds=self.period_seconds(name) * 0.8
                )
            elif name == SOURCES_DUE:
                done = self.queue_due_sources()
            elif not force and not self.pacer.due(name):  # resting after a long run (runner.PACE_FACTOR)
                done = {f"{name}_paced": 1}
            else:
                done = self.pacer.run(name, partial(runner.SCHEDULE[name], self.factory))
        except Exception:
            if not force:
                claims.release(self.factory, task=name, period=period)
            raise
        if not force:
            claims.finish(self.factory, task=name, period=period)
        log.info("scheduled task %s ran for period %s: %s", name, period, done)
        return done

    def _scheduled_fn(self, name: str) -> Callable[..., dict[str, int] | None]:
        def scheduled(force: bool = False) -> dict[str, int] | None:
            return self.run_scheduled(name, force=force)

        scheduled.__name__ = f"scheduled_{name}"
        return scheduled

    def _record_if_final(self, _signal: str, task: Task, exc: BaseException | None = None) -> None:
        if task.retries:  # huey retries it later (with backoff)
            return
        name = self.huey._registry.task_to_string(type(task))
        error = "".join(traceback.format_exception(exc)) if exc is not None else "unknown error"
        try:
            with transaction(self.factory) as session:
                attempts = int(getattr(type(task), "default_retries", 0) or 0) + 1
                record_failure(session, task=name, args=task.args, kwargs=task.kwargs, attempts=attempts, error=error)
        except Exception:
            log.exception("could not record the failure of task %s", name)

    def consumer(self, *, threads: int | None = None) -> Any:
        """A huey consumer of these tasks: worker threads plus the scheduler that enqueues the periodic tasks."""
        return self.huey.create_consumer(
            workers=max(1, threads or self.settings.worker_threads),
            worker_type="thread",
            periodic=True,
            initial_delay=0.1,
            backoff=1.15,
            max_delay=1.0,  # an idle worker looks at the queue at least every second
            scheduler_interval=1,
            check_worker_health=True,
        )
