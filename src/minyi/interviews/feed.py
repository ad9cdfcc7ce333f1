"""The live feed of every web process: one shared poller per process reads the new `InterviewEvent` rows about
once a second (one query on the primary key, however many browsers are connected) and wakes the streams waiting
on it; each stream picks its own session's items from the shared buffer.

Why polling: it works on SQLite and PostgreSQL alike, across any number of processes and machines, with no
connection held per process besides the pool's; a new answer reaches every browser within about a second
(docs/interviews.md). On PostgreSQL, ids from a sequence can commit out of order: each poll reads again a window
of `LOOKBACK` ids below the newest seen and skips those it already has, so a late commit is still delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.interviews.models import InterviewEvent
from minyi.interviews.views import FeedItem, new_events, public_items

log = logging.getLogger(__name__)
INTERVAL = 1.0  # seconds between polls
LOOKBACK = 64  # ids re-read below the newest seen (out-of-order commits on PostgreSQL)
KEEP = 2000  # items kept for the streams (a stream reads them within a poll)


class InterviewFeed:
    """One per web process: the poller task, the buffer of recent public items and the wake-up of the streams."""

    def __init__(self, session_factory: Callable[[], Session], *, interval: float = INTERVAL) -> None:
        self.session_factory = session_factory
        self.interval = interval
        self.polls = 0  # queries run (a test checks it does not grow with the number of streams)
        self._items: deque[tuple[int, FeedItem]] = deque(maxlen=KEEP)  # (arrival number, item)
        self._arrivals = 0
        self._seen: deque[int] = deque(maxlen=4 * LOOKBACK)
        self._newest = 0
        self._changed = asyncio.Event()
        self._ready = asyncio.Event()  # set once the poller knows where it starts
        self._task: asyncio.Task[None] | None = None

    @property
    def arrivals(self) -> int:
        """How many items have arrived in this process so far (a stream's cursor)."""
        return self._arrivals

    @property
    def changed(self) -> asyncio.Event:
        """Set once when the next items arrive (take it before reading the buffer)."""
        return self._changed

    async def start(self) -> None:
        """Start polling from the newest event now (idempotent: one poller per process)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        await self._ready.wait()  # a stream replays after this, so nothing falls between its replay and the feed

    async def stop(self) -> None:
        """Stop the poller (app shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _newest_id(self) -> int:
        with self.session_factory() as session:
            return session.scalar(select(func.max(InterviewEvent.id))) or 0

    async def _run(self) -> None:
        while not self._newest:  # from now on: a stream replays the past itself (Last-Event-ID)
            try:
                self._newest = await anyio.to_thread.run_sync(self._newest_id) or -1
            except Exception:
                log.warning("interview feed could not read its start", exc_info=True)
                await asyncio.sleep(self.interval)
        self._ready.set()
        while True:
            await asyncio.sleep(self.interval)
            try:
                items = await anyio.to_thread.run_sync(self.poll)
            except Exception:  # a busy or lost database: try again next second
                log.warning("interview feed poll failed", exc_info=True)
                continue
            self.deliver(items)

    def deliver(self, items: list[FeedItem]) -> None:
        """Buffer a poll's items and wake every waiting stream (in the event loop's thread)."""
        if not items:
            return
        for item in items:
            self._arrivals += 1
            self._items.append((self._arrivals, item))
        woken, self._changed = self._changed, asyncio.Event()
        woken.set()

    def poll(self) -> list[FeedItem]:
        """One read: the events after the window, those not seen yet, in their public form."""
        self.polls += 1
        with self.session_factory() as session:
            events = [e for e in new_events(session, after=max(0, self._newest - LOOKBACK)) if e.id not in self._seen]
            if not events:
                return []
            items = public_items(session, events)
        for e in events:
            self._seen.append(e.id)
            self._newest = max(self._newest, e.id)
        return items

    def items_since(self, arrival: int, interview_id: int) -> tuple[int, list[FeedItem]]:
        """The items of one session that arrived after a stream's cursor, and the new cursor."""
        found = [item for n, item in self._items if n > arrival and item.interview_id == interview_id]
        return self._arrivals, found
