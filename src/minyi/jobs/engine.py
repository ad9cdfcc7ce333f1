"""The job engine (huey) on the storage MINYI_JOBS_URL names: SQLite in the data folder, Redis, or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from huey import Huey, PriorityRedisHuey, SqliteHuey

from minyi.core.settings import Settings

QUEUE_NAME = "minyi"


def make_huey(settings: Settings) -> Huey:
    """A huey instance without result storage (tasks write their results to minyi's database)."""
    url = settings.jobs_url.strip()
    if not url or url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite:///")) if url else settings.data_dir / "jobs.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path), results=False, utc=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return PriorityRedisHuey(QUEUE_NAME, url=url, results=False, utc=True)  # needs the `redis` package
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return _postgres_huey(url)
    msg = f"MINYI_JOBS_URL must be empty, sqlite:///…, redis://… or postgresql://…, got {url.split(':', 1)[0]}:…"
    raise ValueError(msg)


def _postgres_huey(url: str) -> Huey:
    """huey's SQL storage (huey.contrib.sql_huey, on peewee) with psycopg 3: FOR UPDATE SKIP LOCKED on dequeue."""
    from huey.contrib.sql_huey import SqlHuey
    from playhouse.db_url import connect

    database = connect("psycopg3://" + url.split("://", 1)[1])
    return SqlHuey(QUEUE_NAME, database=database, results=False, utc=True)
