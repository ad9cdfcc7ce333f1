"""The worker's side of web sources: a scheduled task queues one collect_source task per due source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from minyi.collect.models import WebItem, WebSource
from minyi.collect.sources import add_source, remove_source
from minyi.core.clock import utcnow
from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.jobs.tasks import SOURCES_DUE, Jobs
from tests.collect.loopback import Answer, LoopbackWeb
from tests.collect.pages import news_page


class _Analyzer:
    def analyze_many(self, pairs: list[tuple[str, str]]) -> list[dict]:
        return [{"domain": None, "appeal_kind": None, "urgent": False, "places": []} for _ in pairs]


@pytest.fixture
def web() -> Iterator[LoopbackWeb]:
    served = LoopbackWeb(("127.0.0.1",))
    yield served
    served.close()


def _jobs(tmp_path: Path) -> tuple[Jobs, sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'minyi.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="k")
    return Jobs(settings, factory, analyzer=_Analyzer()), factory  # type: ignore[arg-type]


def test_only_due_active_sources_are_queued_once_and_a_worker_collects_them(tmp_path: Path, web: LoopbackWeb) -> None:
    jobs, factory = _jobs(tmp_path)
    now = utcnow()
    page = web.serve("127.0.0.1", "/news/1.html", Answer(news_page().encode()))
    with transaction(factory) as session:
        due = add_source(session, name="到期", kind="page", url=page, now=now - timedelta(minutes=1)).id
        add_source(session, name="未到期", kind="page", url=page + "?later", now=now + timedelta(hours=1))
        gone = add_source(session, name="已停用", kind="page", url=page + "?gone", now=now - timedelta(minutes=1)).id
        remove_source(session, source_id=gone)
    assert jobs.run_scheduled(SOURCES_DUE) == {"sources_queued": 1}
    assert jobs.run_scheduled(SOURCES_DUE) is None  # this period is claimed: another worker skips it
    assert jobs.run_scheduled(SOURCES_DUE, force=True) == {"sources_queued": 0}  # and the source is claimed too
    assert jobs.huey.pending_count() == 1
    task = jobs.huey.dequeue()
    assert task is not None
    jobs.huey.execute(task)  # what a worker thread does
    with transaction(factory, write=False) as session:
        source = session.get(WebSource, due)
        assert source is not None and source.last_status == "ok" and source.items_last_run == 1
        assert session.query(WebItem).count() == 1
    assert web.requested("127.0.0.1").count("/news/1.html") == 1  # nothing fetched for the others
