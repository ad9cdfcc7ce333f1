"""What the background work does: analysis of messages and the scheduled tasks, each a plain function over a
session factory (the engine that queues and schedules them is in `tasks.py`; `minyi run-jobs` calls them directly).

Every slow task has three steps (docs/scale.md, defect 2): it reads what it needs in a reading transaction, computes
outside any transaction, and writes the result in a short writing one (many rows: in batches of short ones), which
checks again what may have changed meanwhile. So the SQLite write lock is never held while a model runs or a
year of cases is grouped, and web submissions do not wait for the worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from minyi.callbacks.repeats import find_repeats, read_repeat_input, store_repeat_flag
from minyi.core.clock import china_today
from minyi.core.db import transaction
from minyi.hot import periods
from minyi.hot.services import (
    build_similar_index,
    rank_hot,
    read_hot_records,
    read_similar_builds,
    store_hot_issues,
    store_similar_index,
)
from minyi.hot.web_links import match_new_web_items
from minyi.ingest.analysis import compute_imported, read_imported, store_imported
from minyi.jobs import claims
from minyi.messages.analysis import (
    Analyzer,
    compute_analysis,
    default_analyzer,
    read_analysis_input,
    store_analysis,
    unanalysed_message_ids,
)
from minyi.reports.services import due_report_periods, finish_report, read_period_report, render_report, save_report
from minyi.workflow.services import auto_close_due

log = logging.getLogger(__name__)
T = TypeVar("T")

ScheduledTask = Callable[[sessionmaker[Session]], dict[str, int]]
IMPORT_WRITE_BATCH = 500  # analyses of imported messages stored per writing transaction


def write(factory: sessionmaker[Session], step: Callable[[Session], T]) -> T:
    """Run `step` in a short writing transaction; once more when a concurrent writer inserted the same row first.

    The steps check again what they read (compare-and-set), so the second run sees the other writer's row and
    keeps or replaces it by the same rule.
    """
    try:
        with transaction(factory) as session:
            return step(session)
    except IntegrityError:
        log.info("a concurrent writer stored the same row first; checking again")
        with transaction(factory) as session:
            return step(session)


def auto_close(factory: sessionmaker[Session]) -> dict[str, int]:
    """Replies left unrated for the configured days are closed."""
    with transaction(factory) as session:
        return {"auto_closed": auto_close_due(session)}


def hot_issues(factory: sessionmaker[Session]) -> dict[str, int]:
    """Web items left unmatched (no similar-cases index yet) linked to open cases; the hot-issue snapshot, recomputed;
    periods whose queued grouping was lost, grouped; old periods pruned."""
    linked = match_new_web_items(factory)
    with transaction(factory, write=False) as session:
        read = read_hot_records(session)
    issues = rank_hot(read.records)  # seconds to a minute at a city's volume: no transaction open
    stored = write(factory, partial(store_hot_issues, issues=issues, as_of=read.as_of))
    done = {"web_links": linked, "hot_issues": len(stored)}
    with transaction(factory, write=False) as session:
        waiting = periods.pending_period_ids(session)
    for period_id in waiting:
        hot_period(factory, period_id)
    done["hot_periods"] = len(waiting)
    with transaction(factory) as session:
        done["hot_periods_pruned"] = periods.prune_periods(session)
    return done


def hot_period(factory: sessionmaker[Session], period_id: int) -> int:
    """The hot issues of one period (`/hot?from=&to=`), grouped and stored; how many issues."""
    with transaction(factory, write=False) as session:
        read = periods.read_period(session, period_id=period_id)
    if read is None:
        return 0
    issues = periods.group_period(read)
    with transaction(factory) as session:
        periods.store_period(session, read, issues)
    return len(issues)


def reports(factory: sessionmaker[Session]) -> dict[str, int]:
    """Last week's and last month's 民意 reports, each once (another worker's copy stored first is kept)."""
    today, made = china_today(), 0
    with transaction(factory, write=False) as session:
        due = due_report_periods(session, today=today)
    for period in due:
        with transaction(factory, write=False) as session:
            draft = read_period_report(session, period=period, today=today)
        rendered = render_report(finish_report(draft))
        try:
            with transaction(factory) as session:
                made += save_report(session, rendered) is not None
        except IntegrityError:
            log.info("report %s was stored by another worker first", period.key)
    return {"reports": made}


def watches(factory: sessionmaker[Session]) -> dict[str, int]:
    """网上蹲点: new and urgent messages, once per watch and message (planned, then written in batches)."""
    from minyi.core.settings import get_settings  # imported here: read when the task runs
    from minyi.notifications.services import Outbound
    from minyi.watches.services import SCAN_BATCH, apply_watch_scans, plan_watch_scans

    outbound = Outbound.of(get_settings())
    with transaction(factory, write=False) as session:
        scans = plan_watch_scans(session)
    sent = 0
    for start in range(0, len(scans), SCAN_BATCH):
        batch = scans[start : start + SCAN_BATCH]
        sent += write(factory, partial(apply_watch_scans, scans=batch, outbound=outbound))
    return {"watch_alerts": sent}


def web_watches(factory: sessionmaker[Session]) -> dict[str, int]:
    """网上蹲点 on web items (网络民意): new ones, once per watch and item (planned, then written in batches)."""
    from minyi.core.settings import get_settings
    from minyi.notifications.services import Outbound
    from minyi.watches.services import SCAN_BATCH
    from minyi.watches.web import apply_web_scans, plan_web_scans

    outbound = Outbound.of(get_settings())
    with transaction(factory, write=False) as session:
        scans = plan_web_scans(session)
    sent = 0
    for start in range(0, len(scans), SCAN_BATCH):
        batch = scans[start : start + SCAN_BATCH]
        sent += write(factory, partial(apply_web_scans, scans=batch, outbound=outbound))
    return {"watch_web_alerts": sent}


def web_surges(factory: sessionmaker[Session]) -> dict[str, int]:
    """网络民意激增: places, domains and watched keywords whose last 24 hours surge over their baseline, recorded
    (one row per topic and day) and told to their watches once."""
    from minyi.collect.surges import SurgeRules, find_surges, record_surges, surge_row
    from minyi.core.settings import get_settings
    from minyi.notifications.services import Outbound
    from minyi.watches.web import alert_surges, watched_keywords

    settings = get_settings()
    with transaction(factory, write=False) as session:
        findings = find_surges(session, keywords=watched_keywords(session), rules=SurgeRules.of(settings))

    def store(session: Session) -> int:
        rows = record_surges(session, findings)
        return alert_surges(session, [surge_row(r) for r in rows], outbound=Outbound.of(settings))

    alerts = write(factory, store)
    return {"web_surges": len(findings), "web_surge_alerts": alerts}


def deadlines(factory: sessionmaker[Session]) -> dict[str, int]:
    """Deadline reminders, automatic 督办 of overdue cases, then e-mail/webhook deliveries."""
    from minyi.core.settings import get_settings
    from minyi.notifications.services import run_deadline_tasks

    return run_deadline_tasks(factory, get_settings())


def contact_erasure(factory: sessionmaker[Session]) -> dict[str, int]:
    """PIPL: contact data of cases closed longer than the retention period, in batches."""
    from minyi.core.settings import get_settings
    from minyi.privacy.retention import erase_expired_contacts

    retention = get_settings().contact_retention_days
    return {"contacts_erased": erase_expired_contacts(factory, retention_days=retention)}


def web_retention(factory: sessionmaker[Session]) -> dict[str, int]:
    """Web items past MINYI_WEB_RETENTION_DAYS that became no case: their text, title and author cleared."""
    from minyi.collect.retention import purge_expired
    from minyi.core.settings import get_settings

    return {"web_items_purged": purge_expired(factory, retention_days=get_settings().web_retention_days)}


def similar_index(factory: sessionmaker[Session]) -> dict[str, int]:
    """The similar-cases indexes (附议 while typing, 可能相同的问题), rebuilt when the cases changed."""
    with transaction(factory, write=False) as session:
        builds = read_similar_builds(session)
    rebuilt = 0
    for build in builds:
        data = build_similar_index(build)  # seconds at a city's volume: no transaction open
        rebuilt += write(factory, partial(store_similar_index, build=build, data=data))
    return {"similar_indexes": rebuilt}


def claims_pruned(factory: sessionmaker[Session]) -> dict[str, int]:
    """Claims of periods long past (history only) deleted."""
    with transaction(factory) as session:
        return {"claims_pruned": claims.prune(session)}


# Every scheduled task by name, in the order `minyi run-jobs` runs them; each runs once per period across workers.
SCHEDULE: dict[str, ScheduledTask] = {
    "auto_close": auto_close,
    "hot_issues": hot_issues,
    "reports": reports,
    "watches": watches,
    "web_watches": web_watches,
    "web_surges": web_surges,
    "deadlines": deadlines,
    "contact_erasure": contact_erasure,
    "web_retention": web_retention,
    "similar_index": similar_index,
    "claims_pruned": claims_pruned,
}
WEB_RETENTION_PERIOD_SECONDS = 3600  # retention counts in days: once an hour is soon enough (a pass reads web_items)
SIMILAR_INDEX_PERIOD_SECONDS = 60  # a new case is offered for 附议 within about a minute (more at a city's volume)

# The tasks whose cost grows with the volume (they read and fit a whole window of cases) are paced: one that took D
# seconds waits PACE_FACTOR x D after it finished before it runs again, so that it uses at most a tenth of a core
# whatever the volume (the similar-cases index: 38.5 s at 100,000 cases, every minute unpaced). At 10,000 cases
# (under a second) pacing changes nothing; at 100,000 the index is rebuilt every ~6 minutes instead of every minute.
PACE_FACTOR = 9.0
PACED_TASKS = frozenset({"similar_index", "hot_issues"})


class Pacer:
    """When each paced task last finished and how long it ran, in this worker process (several workers each pace
    their own runs; the period claims still run a task once per period across all of them)."""

    def __init__(self, factor: float = PACE_FACTOR, clock: Callable[[], float] = time.monotonic) -> None:
        self.factor = factor
        self.clock = clock
        self._last: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def due(self, name: str) -> bool:
        """False while a paced task is resting after its last run."""
        with self._lock:
            last = self._last.get(name)
        return name not in PACED_TASKS or last is None or self.clock() - last[0] >= self.factor * last[1]

    def run(self, name: str, task: Callable[[], dict[str, int]]) -> dict[str, int]:
        """Run the task and remember when it finished and how long it took."""
        start = self.clock()
        done = task()
        end = self.clock()
        with self._lock:
            self._last[name] = (end, end - start)
        return done


def run_scheduled_tasks(factory: sessionmaker[Session]) -> dict[str, int]:
    """Every scheduled task once, each in its own transaction (`minyi run-jobs`)."""
    done: dict[str, int] = {}
    for task in SCHEDULE.values():
        done |= task(factory)
    return done


class SharedAnalyzer:
    """The text model, loaded once per worker process on first use and shared by its threads."""

    def __init__(self, analyzer: Analyzer | None = None) -> None:
        self._analyzer = analyzer
        self._failed = False
        self._lock = threading.Lock()

    def get(self) -> Analyzer | None:
        """The analyzer, or None when it cannot be loaded (logged once; messages stay without suggestions)."""
        with self._lock:
            if self._analyzer is None and not self._failed:
                try:
                    self._analyzer = default_analyzer()
                except Exception:
                    self._failed = True
                    log.exception("text analysis is unavailable; messages are stored without suggestions")
            return self._analyzer


def analyse(factory: sessionmaker[Session], analyzer: Analyzer | None, message_id: int, *, if_missing: bool) -> bool:
    """Analyse one stored message: read, run the pipeline outside any transaction, store unless superseded meanwhile.

    False when there is no analyzer.
    """
    if analyzer is None:
        return False
    with transaction(factory, write=False) as session:
        inputs = read_analysis_input(session, message_id=message_id, if_missing=if_missing)
    if inputs is not None:
        outcome = compute_analysis(inputs, analyzer)
        write(factory, partial(store_analysis, outcome=outcome, if_missing=if_missing))
        repeats(factory, message_id)
    return True


def repeats(factory: sessionmaker[Session], message_id: int) -> bool:
    """重复投诉 after a message's analysis: read its earlier complaints sharing a person or place, compare the texts
    outside any transaction, flag it in a short writing one. True when it was flagged now."""
    with transaction(factory, write=False) as session:
        found = read_repeat_input(session, message_id=message_id)
    if found is None:
        return False
    matches = find_repeats(found)
    if not matches:
        return False
    return write(factory, partial(store_repeat_flag, case_id=found.case_id, matches=matches)) is not None


def analyse_batch(factory: sessionmaker[Session], analyzer: Analyzer | None, message_ids: list[int]) -> int:
    """Analyse a batch of imported messages (`minyi.ingest.analysis`); how many analyses were stored."""
    if analyzer is None:
        return 0
    with transaction(factory, write=False) as session:
        inputs = read_imported(session, message_ids=message_ids)
    outcomes = compute_imported(inputs, analyzer)
    stored = 0
    for start in range(0, len(outcomes), IMPORT_WRITE_BATCH):
        batch = outcomes[start : start + IMPORT_WRITE_BATCH]
        stored += write(factory, partial(store_imported, outcomes=batch))
    return stored


BACKLOG_BATCH = 500  # message ids read per catch-up query


class AnalysisBacklog:
    """The messages stored without an analysis: live ones newest first, then imported history, in batches.

    Each batch is read when the previous one is used up, below the last id seen, so the whole backlog
    drains however large it is, and a message that keeps failing is tried once per pass, not forever.
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


def catch_up(
    factory: sessionmaker[Session],
    analyzer: Analyzer | None,
    *,
    budget_seconds: float,
    batch: int = BACKLOG_BATCH,
) -> dict[str, int]:
    """Analyse messages stored without an analysis (never queued, or queued in a process killed since), live first.

    Stops after `budget_seconds`; the next period goes on where this one stopped (the query skips analysed ones).
    """
    if analyzer is None:
        return {"backlog_analysed": 0}
    backlog, done, stop_at = AnalysisBacklog(factory, batch), 0, time.monotonic() + budget_seconds
    while time.monotonic() < stop_at and (message_id := backlog.next_id()) is not None:
        try:
            analyse(factory, analyzer, message_id, if_missing=True)
        except Exception:
            log.exception("analysis of message %s failed; it is tried again in the next period", message_id)
            continue
        done += 1
    return {"backlog_analysed": done}
