"""What an app instance holds for its requests, typed (instead of untyped attributes on Starlette's `app.state`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.settings import Settings
from minyi.interviews.feed import InterviewFeed
from minyi.stats.services import StatsCache

if TYPE_CHECKING:
    from minyi.jobs.tasks import Jobs
    from minyi.web.health import Metrics


@dataclass
class AppState:
    """One per app: settings, database sessions, statistics cache and (when connected) the job queue it fills."""

    settings: Settings
    session_factory: sessionmaker[Session]
    stats_cache: StatsCache
    interview_feed: InterviewFeed  # the live interview feed: one poller per process, started by the first stream
    jobs: Jobs | None = None
    metrics: Metrics | None = None  # this process's /metrics series (web.health)


def app_state(where: Request | FastAPI) -> AppState:
    """The typed state of the app serving this request (or of this app)."""
    app = where.app if isinstance(where, Request) else where
    state = app.state.minyi
    assert isinstance(state, AppState)
    return state
