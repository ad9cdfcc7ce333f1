"""The background worker's catch-up after a restart: live messages first, then imported history, all of it."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.jobs.runner import BackgroundJobs
from minyi.messages.analysis import unanalysed_message_ids
from minyi.messages.models import Message, MessageAnalysis
from tests import factories as f


class RecordingAnalyzer:
    """Remembers the order in which titles were analysed."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._lock = threading.Lock()

    def analyze(self, title: str, body: str) -> dict[str, Any]:
        with self._lock:
            self.seen.append(title)
        return {"domain": "城乡建设", "urgent": False, "clean_text": title + body}


def _imported(session: Session, title: str) -> int:
    """A message as `minyi import` stores it (source 'import')."""
    message_id = f.message(session, title=title, submission_key=None).message.id
    session.execute(update(Message).where(Message.id == message_id).values(source="import"))
    return message_id


def test_live_messages_come_before_imported_history_newest_first(db: Session) -> None:
    history = [_imported(db, f"历史留言{i}") for i in range(3)]
    live = [f.message(db, title=f"新留言{i}", submission_key=None).message.id for i in range(3)]
    newer_history = _imported(db, "后导入的历史留言")
    first_page = unanalysed_message_ids(db, imported=False, limit=2)
    assert first_page == [live[2], live[1]]
    assert unanalysed_message_ids(db, imported=False, below_id=first_page[-1], limit=2) == [live[0]]
    assert unanalysed_message_ids(db, imported=True, limit=10) == [newer_history, *reversed(history)]


def test_the_worker_drains_the_whole_backlog_live_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:  # history imported before the live messages arrived
        for i in range(5):
            _imported(session, f"历史留言{i}")
        for i in range(3):
            f.message(session, title=f"新留言{i}", submission_key=None)
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="k", scheduler_interval_seconds=3600)
    analyzer = RecordingAnalyzer()
    jobs = BackgroundJobs(factory, settings, analyzer=analyzer, backlog_batch=2)  # several batches per phase
    jobs.start()
    deadline = time.monotonic() + 20
    done = 0
    while time.monotonic() < deadline and done < 8:
        time.sleep(0.1)
        with transaction(factory, write=False) as session:
            done = len(session.scalars(select(MessageAnalysis.message_id)).all())
    jobs.stop()
    assert done == 8  # the whole backlog, far beyond one batch
    assert analyzer.seen == ["新留言2", "新留言1", "新留言0", *(f"历史留言{i}" for i in reversed(range(5)))]


def test_a_newly_queued_message_goes_before_the_rest_of_the_backlog(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        for i in range(4):
            _imported(session, f"历史留言{i}")
        fresh = f.message(session, title="刚提交的留言", submission_key=None).message.id
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="k", scheduler_interval_seconds=3600)
    analyzer = RecordingAnalyzer()
    jobs = BackgroundJobs(factory, settings, analyzer=analyzer, backlog_batch=1)
    jobs.analyse(fresh)  # queued before the worker starts: it must not wait behind the history
    jobs.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(analyzer.seen) < 5:
        time.sleep(0.1)
    jobs.stop()
    assert analyzer.seen[0] == "刚提交的留言" and len(analyzer.seen) == 5  # analysed once, not again from the backlog
